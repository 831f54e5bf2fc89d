"""How a reply with search results looks: inline citation markers and the numbered sources block.

xAI writes inline citations as Markdown links `[[n]](url)` (docs/api/tools-search.md). Drawn
as Markdown they would show the whole URL, so each becomes a short marker `[k]` whose number
is the source's place in the sources block under the reply. Markers and source titles carry a
terminal hyperlink (OSC 8) only when the URL is http(s); every piece of outside text (titles,
domains, URLs, queries) goes through the same sanitising as the rest of the reply, and none of
it is ever parsed as markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.markdown import Markdown as RichMarkdown
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from grokterm.chat.sources import ReplySources
from grokterm.ui.render import RenderCache, safe_text
from grokterm.xai.tools import INLINE_CITATION, TOOL_CALL_PRICE_TICKS, Citation, ToolCall, is_web_url
from grokterm.xai.usage import format_usd

OPEN, CLOSE = "\ue000", "\ue001"  # private-use sentinels: one cell each, like the brackets they become
INLINE = INLINE_CITATION  # [[n]](url)
MARKER_STYLE = Style(color="cyan", bold=True)
TOOL_NAMES = {"web_search": "web search", "x_search": "X search"}


def source_number(citations: Sequence[Citation], url: str) -> int | None:
    for number, citation in enumerate(citations, 1):
        if citation.url == url:
            return number
    return None


def mark_citations(text: str, citations: Sequence[Citation]) -> tuple[str, dict[int, str | None]]:
    """Text with `[[n]](url)` replaced by sentinel markers, and each marker number's link target
    (None when it must not be a link). Numbers follow the sources block when the URL is in it."""
    links: dict[int, str | None] = {}
    clean = safe_text(text).replace(OPEN, "").replace(CLOSE, "")  # no spoofed markers from the model

    def replace(match: re.Match[str]) -> str:
        url = match.group(2)
        number = source_number(citations, url) or int(match.group(1))
        links[number] = url if is_web_url(url) else None
        return f"{OPEN}{number}{CLOSE}"

    return INLINE.sub(replace, clean), links


class CitationLinks:
    """Renders Markdown, then turns sentinel markers into `[k]` with a hyperlink where allowed."""

    def __init__(self, renderable: RenderableType, links: dict[int, str | None]) -> None:
        self.renderable = renderable
        self.links = links

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        marker = re.compile(f"{OPEN}(\\d+){CLOSE}")
        for segment in console.render(self.renderable, options):
            text, style, control = segment
            if control or OPEN not in text:
                yield segment
                continue
            position = 0
            for match in marker.finditer(text):
                if match.start() > position:
                    yield Segment(text[position:match.start()], style)
                url = self.links.get(int(match.group(1)))
                extra = MARKER_STYLE + Style(link=url) if url else MARKER_STYLE
                yield Segment(f"[{match.group(1)}]", (style or Style()) + extra)
                position = match.end()
            if position < len(text):
                yield Segment(text[position:].replace(OPEN, "[").replace(CLOSE, "]"), style)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.renderable)


def reply_body(text: str, citations: Sequence[Citation], code_theme: str = "monokai") -> RenderableType:
    """A finished reply whose inline citations point at its numbered sources."""
    marked, links = mark_citations(text, citations)
    markdown = RichMarkdown(marked, code_theme=code_theme, hyperlinks=False)
    return RenderCache(CitationLinks(markdown, links))


def has_inline_citations(text: str) -> bool:
    return bool(INLINE.search(text))


def source_line(number: int, citation: Citation) -> Text:
    """`[1] Title · domain` — the title (or the domain) is the hyperlink for http(s) URLs."""
    line = Text()
    line.append(f"[{number}] ", style="cyan bold")
    label = safe_text(citation.title or citation.domain or citation.url).strip() or "source"
    line.append(label, style=Style(link=citation.url) if citation.is_web_link else Style())
    domain = safe_text(citation.domain)
    if citation.title and domain:
        line.append(f" \u00b7 {domain}", style="dim")
    if not citation.is_web_link:
        line.append(f" ({safe_text(citation.url)[:80]})", style="dim")
    return line


def tool_notes(sources: ReplySources) -> list[Text]:
    """One dim line per search that failed or found nothing (so an empty sources block is explained)."""
    notes = []
    for call in sources.tool_calls:
        name = TOOL_NAMES.get(call.tool, safe_text(call.tool))
        query = f" for \u201c{safe_text(call.query)[:60]}\u201d" if call.query else ""
        if call.status == "failed":
            notes.append(Text(f"{name}{query} failed", style="yellow"))
        elif call.status == "completed" and not call.sources and not sources.citations:
            notes.append(Text(f"{name}{query}: no results", style="dim"))
    return notes


def sources_block(sources: ReplySources) -> RenderableType | None:
    """The numbered sources under a reply (None when the reply used no search)."""
    lines: list[Text] = []
    if sources.citations:
        lines.append(Text("\nSources", style="bold"))
        lines += [source_line(number, citation) for number, citation in enumerate(sources.citations, 1)]
    lines += tool_notes(sources)
    if not lines:
        return None
    return Text("\n").join(lines)


def tool_cost_line(sources: ReplySources) -> str:
    """`web search ×1 · X search ×1 · est. $0.0100` for the sidebar."""
    usage = sources.tool_usage
    if usage is None or not usage.calls:
        return ""
    parts = [f"{TOOL_NAMES.get(tool, tool)} \u00d7{count}" for tool, count in usage.calls.items()]
    if any(tool in TOOL_CALL_PRICE_TICKS for tool in usage.calls):
        parts.append(f"est. {format_usd(usage.estimated_cost_ticks)}")
    return " \u00b7 ".join(parts)


def tool_call_line(call: ToolCall) -> Text:
    name = TOOL_NAMES.get(call.tool, safe_text(call.tool))
    line = Text(f"{name}", style="bold" if call.status != "failed" else "yellow")
    if call.query:
        line.append(f" \u201c{safe_text(call.query)[:80]}\u201d")
    detail = "failed" if call.status == "failed" else f"{len(call.sources)} results" if call.sources else call.status
    line.append(f"  {detail}", style="dim")
    return line
