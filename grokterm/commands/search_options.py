"""`--search web,x` and its filters for `grokterm ask`, and how sources are printed.

The filters map one to one onto the documented tool fields (docs/api/tools-search.md):
--search-domain → web_search.allowed_domains, --exclude-domain → excluded_domains,
--x-handle → x_search.allowed_x_handles, --exclude-x-handle → excluded_x_handles,
--from-date/--to-date → x_search.from_date/to_date. A domain filter implies web search,
a handle or date filter implies X search.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from grokterm.xai.tools import Citation, SearchSettings, ToolCall, ToolUsage


def add_search_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("search (Grok's live web and X search, with cited sources)")
    group.add_argument("--search", metavar="web,x",
                       help="let the model search the web and/or X (comma-separated: web, x)")
    group.add_argument("--search-domain", action="append", default=[], metavar="DOMAIN",
                       help="web search only these domains (repeatable, at most 5)")
    group.add_argument("--exclude-domain", action="append", default=[], metavar="DOMAIN",
                       help="web search all but these domains (repeatable, at most 5)")
    group.add_argument("--x-handle", action="append", default=[], metavar="HANDLE",
                       help="X search only posts from these handles (repeatable)")
    group.add_argument("--exclude-x-handle", action="append", default=[], metavar="HANDLE",
                       help="X search without these handles (repeatable)")
    group.add_argument("--from-date", metavar="YYYY-MM-DD", help="X search: posts from this date")
    group.add_argument("--to-date", metavar="YYYY-MM-DD", help="X search: posts up to this date")


def _split(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def search_settings_from_args(args: argparse.Namespace) -> SearchSettings | None:
    """The SearchSettings the options ask for (None: no search); raises SearchSettingsError."""
    from grokterm.xai.tools import SearchSettings, SearchSettingsError

    tools = set(_split([args.search])) if getattr(args, "search", None) else set()
    unknown = tools - {"web", "x"}
    if unknown:
        raise SearchSettingsError(f"--search takes web and/or x, not {', '.join(sorted(unknown))}")
    domains, excluded = _split(args.search_domain), _split(args.exclude_domain)
    handles, excluded_handles = _split(args.x_handle), _split(args.exclude_x_handle)
    web = "web" in tools or bool(domains or excluded)
    x = "x" in tools or bool(handles or excluded_handles or args.from_date or args.to_date)
    if not (web or x):
        return None
    return SearchSettings(
        web=web, x=x, allowed_domains=domains, excluded_domains=excluded, allowed_x_handles=handles,
        excluded_x_handles=excluded_handles, from_date=args.from_date, to_date=args.to_date,
    ).normalised()


def source_lines(citations: Sequence[Citation]) -> list[str]:
    """`[1] Title — domain` then the URL, indented; all outside text made safe for a terminal."""
    from grokterm.sanitize import sanitize_terminal

    lines = []
    for number, citation in enumerate(citations, 1):
        domain = sanitize_terminal(citation.domain)
        title = sanitize_terminal(citation.title or "").strip()
        head = f"[{number}] {title} \u2014 {domain}" if title else f"[{number}] {domain or 'source'}"
        lines.append(head)
        lines.append(f"    {sanitize_terminal(citation.url)}")
    return lines


def print_sources(out: TextIO, citations: Sequence[Citation]) -> None:
    if not citations:
        return
    out.write("\nSources:\n" + "\n".join(source_lines(citations)) + "\n")
    out.flush()


def tool_status_to_stderr(call: ToolCall) -> None:
    """Live search status on a terminal's stderr (never into stdout, which holds the answer)."""
    from grokterm.sanitize import sanitize_terminal
    from grokterm.xai.tools import status_text

    if sys.stderr.isatty():
        print(f"grokterm: {sanitize_terminal(status_text(call))}", file=sys.stderr, flush=True)


def search_json(citations: Sequence[Citation], tool_calls: Sequence[ToolCall],
                tool_usage: ToolUsage | None) -> dict[str, Any]:
    return {
        "citations": [citation.as_json() for citation in citations],
        "tool_calls": [call.as_json() for call in tool_calls],
        "tool_usage": None if tool_usage is None else tool_usage.as_json(),
    }
