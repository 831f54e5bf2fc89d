"""Server-side search tools (`web_search`, `x_search`) on `/v1/responses`, deterministically.

What is checked and what comes back follows docs/api/tools-search.md (xAI's tools
pages and recorded real streams): strict tool shapes (known keys only, documented
limits, allowed/excluded never together, YYYY-MM-DD dates); one search call per
enabled tool; sources derived from the prompt (same prompt, same sources) and kept
inside the filters; inline citations as Markdown links `[[n]](url)` with
`url_citation` annotations whose indices span the link; usage counting successful
calls in `server_side_tool_usage_details`, with the call fee in `cost_in_usd_ticks`.

Faults, typed in the prompt: `!search-empty` (the search finds nothing) and
`!search-fail` (the tool call fails; the model answers without it).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import zlib
from dataclasses import dataclass, field

from grokterm.emulator.catalogue import ModelInfo
from grokterm.emulator.errors import ApiError

WEB_SEARCH, X_SEARCH = "web_search", "x_search"
MAX_DOMAINS = 5
MAX_X_HANDLES = 20
CALL_PRICE_TICKS = 50_000_000  # $5 per 1,000 calls (docs.x.ai pricing, tool invocation costs)
TOKENS_PER_SOURCE = 150  # search results the model read count as input tokens
TOOL_USAGE_KEYS = ("web_search_calls", "x_search_calls", "code_interpreter_calls", "file_search_calls",
                   "mcp_calls", "document_search_calls", "image_generation_calls")

# Allowed keys per tool type, with where each is documented.
TOOL_FIELDS: dict[str, dict[str, str]] = {
    WEB_SEARCH: {
        "type": "docs.x.ai tools/web-search",
        "allowed_domains": "docs.x.ai tools/web-search (max 5)",
        "excluded_domains": "docs.x.ai tools/web-search (max 5)",
        "enable_image_understanding": "docs.x.ai tools/web-search",
    },
    X_SEARCH: {
        "type": "docs.x.ai tools/x-search",
        "allowed_x_handles": "docs.x.ai tools/x-search (max 20)",
        "excluded_x_handles": "docs.x.ai tools/x-search (max 20)",
        "from_date": "docs.x.ai tools/x-search (YYYY-MM-DD)",
        "to_date": "docs.x.ai tools/x-search (YYYY-MM-DD)",
        "enable_image_understanding": "docs.x.ai tools/x-search",
        "enable_video_understanding": "docs.x.ai tools/x-search",
    },
}
OTHER_TOOL_TYPES = frozenset({"function"})  # accepted and ignored: the emulator never calls them

_SEARCH_EMPTY = re.compile(r"(?<!\S)!search-empty\b")
_SEARCH_FAIL = re.compile(r"(?<!\S)!search-fail\b")
_DOMAIN = re.compile(r"^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'-]*")

WEB_SITES = (
    ("en.wikipedia.org", "/wiki/{Slug}", "{Title} - Wikipedia"),
    ("docs.x.ai", "/developers/{slug}", "{Title} | xAI Docs"),
    ("arxiv.org", "/abs/2611.{num:05d}", "{Title}: a survey"),
    ("news.ycombinator.com", "/item?id={num}", "Ask HN: {Title}?"),
    ("github.com", "/search?q={slug}", "{Title} · GitHub"),
)
X_HANDLES = ("xai", "grok", "elonmusk")


@dataclass(frozen=True)
class SearchTools:
    """The search tools a request enabled, with their filters."""

    web: dict | None = None
    x: dict | None = None

    @property
    def enabled(self) -> bool:
        return self.web is not None or self.x is not None


@dataclass(frozen=True)
class SearchCall:
    tool: str
    index: int  # n in the item id
    query: str
    sources: tuple[tuple[str, str], ...]  # (url, title)
    failed: bool = False


@dataclass(frozen=True)
class SearchResult:
    calls: tuple[SearchCall, ...] = ()
    citations: tuple[tuple[str, str, int, int], ...] = ()  # (url, title, start, end) in the final text
    text: str = ""
    extra_input_tokens: int = 0
    usage_calls: dict[str, int] = field(default_factory=dict)

    @property
    def successful(self) -> int:
        return sum(self.usage_calls.values())


# ---------------------------------------------------------------- request checking


def _string_list(tool: str, name: str, value: object, limit: int, pattern: re.Pattern[str], what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ApiError(400, f"Invalid request content: `tools[{tool}].{name}` must be an array of strings.")
    if len(value) > limit:
        raise ApiError(400, f"Invalid request content: `{name}` accepts at most {limit} entries, got {len(value)}.")
    for entry in value:
        if not pattern.match(entry):
            raise ApiError(400, f"Invalid request content: {entry[:80]!r} in `{name}` is not {what}.")
    return list(value)


def _date(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise ApiError(400, f"Invalid request content: `{name}` must be a string date (YYYY-MM-DD).")
    try:
        return _dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ApiError(400, f"Invalid request content: `{name}` must be a date in YYYY-MM-DD form, "
                            f"not {value[:40]!r}.") from None


def _check_keys(tool: str, entry: dict) -> None:
    unknown = sorted(set(entry) - set(TOOL_FIELDS[tool]))
    if unknown:
        raise ApiError(400, f"Invalid request content: unknown field `{unknown[0]}` in a `{tool}` tool.")
    for flag in ("enable_image_understanding", "enable_video_understanding"):
        if flag in entry and not isinstance(entry[flag], bool):
            raise ApiError(400, f"Invalid request content: `{flag}` must be a boolean.")


def parse_tools(tools: object, model: ModelInfo) -> SearchTools:
    """Validate `tools`; the search tools it enables. Raises ApiError (400) on a bad shape."""
    if tools is None:
        return SearchTools()
    if not isinstance(tools, list):
        raise ApiError(400, "Invalid request content: `tools` must be an array.")
    if len(tools) > 128:
        raise ApiError(400, "Invalid request content: at most 128 tools.")
    web = x = None
    for entry in tools:
        if not isinstance(entry, dict) or not isinstance(entry.get("type"), str):
            raise ApiError(400, "Invalid request content: every tool needs a string `type`.")
        kind = entry["type"]
        if kind in OTHER_TOOL_TYPES:
            continue
        if kind not in TOOL_FIELDS:
            raise ApiError(400, f"Invalid request content: unsupported tool type {kind[:40]!r}.")
        _check_keys(kind, entry)
        if kind == WEB_SEARCH:
            if web is not None:
                raise ApiError(400, "Invalid request content: `web_search` given twice.")
            allowed = _string_list(kind, "allowed_domains", entry.get("allowed_domains", []), MAX_DOMAINS,
                                   _DOMAIN, "a domain name")
            excluded = _string_list(kind, "excluded_domains", entry.get("excluded_domains", []), MAX_DOMAINS,
                                    _DOMAIN, "a domain name")
            if allowed and excluded:
                raise ApiError(400, "Invalid request content: `allowed_domains` and `excluded_domains` cannot "
                                    "be used together.")
            web = {"allowed_domains": allowed, "excluded_domains": excluded}
        else:
            if x is not None:
                raise ApiError(400, "Invalid request content: `x_search` given twice.")
            allowed = _string_list(kind, "allowed_x_handles", entry.get("allowed_x_handles", []), MAX_X_HANDLES,
                                   _HANDLE, "an X handle (without @)")
            excluded = _string_list(kind, "excluded_x_handles", entry.get("excluded_x_handles", []),
                                    MAX_X_HANDLES, _HANDLE, "an X handle (without @)")
            if allowed and excluded:
                raise ApiError(400, "Invalid request content: `allowed_x_handles` and `excluded_x_handles` "
                                    "cannot be used together.")
            start = _date("from_date", entry["from_date"]) if "from_date" in entry else None
            end = _date("to_date", entry["to_date"]) if "to_date" in entry else None
            if start and end and start > end:
                raise ApiError(400, "Invalid request content: `from_date` is after `to_date`.")
            x = {"allowed_x_handles": allowed, "excluded_x_handles": excluded, "from_date": start, "to_date": end}
    found = SearchTools(web=web, x=x)
    if found.enabled and not supports_search(model):
        tool = WEB_SEARCH if web is not None else X_SEARCH
        raise ApiError(400, f"Model {model.id} does not support server-side tools such as `{tool}`. "
                            "Use a grok-4 model.")
    return found


def supports_search(model: ModelInfo) -> bool:
    """Server-side tools are documented for the grok-4 family (docs.x.ai tools overview)."""
    return model.id.startswith("grok-4")


# ---------------------------------------------------------------- planning a search turn


def strip_search_directives(prompt: str) -> tuple[str, bool, bool]:
    """(prompt without the search directives, empty?, fail?)."""
    empty, fail = bool(_SEARCH_EMPTY.search(prompt)), bool(_SEARCH_FAIL.search(prompt))
    cleaned = " ".join(_SEARCH_FAIL.sub(" ", _SEARCH_EMPTY.sub(" ", prompt)).split())
    return cleaned, empty, fail


def _query(prompt: str) -> str:
    words = _WORD.findall(prompt)[:8]
    return " ".join(words) or "latest news"


def _web_sources(query: str, tools: dict) -> tuple[tuple[str, str], ...]:
    seed = zlib.crc32(query.encode())
    words = query.split()[:4] or ["news"]
    title = " ".join(w.capitalize() for w in words)
    slug = "-".join(w.lower() for w in words)
    allowed, excluded = tools["allowed_domains"], tools["excluded_domains"]
    sites = [site for site in WEB_SITES if site[0] not in excluded]
    if allowed:
        sites = [(allowed[i % len(allowed)], "/articles/{slug}-" + str(i + 1),
                  "{Title} (part " + str(i + 1) + ") | " + allowed[i % len(allowed)]) for i in range(3)]
    sources = []
    for offset, (domain, path, title_format) in enumerate(sites[:3]):
        num = (seed + offset * 7919) % 100000
        fields = {"slug": slug, "Slug": "_".join(w.capitalize() for w in words), "num": num, "Title": title}
        sources.append((f"https://{domain}{path.format(**fields)}", title_format.format(**fields)))
    return tuple(sources)


def _x_sources(query: str, tools: dict) -> tuple[tuple[str, str], ...]:
    seed = zlib.crc32(query.encode())
    handles = tools["allowed_x_handles"] or [h for h in X_HANDLES if h not in tools["excluded_x_handles"]]
    sources = []
    for offset, handle in enumerate(handles[:2]):
        status = 1990000000000000000 + (seed * 31 + offset * 104729) % 10**15
        url = f"https://x.com/{handle}/status/{status}"
        sources.append((url, url))  # recorded 2026 streams repeat the URL as the title
    return tuple(sources)


def plan_search(tools: SearchTools, prompt: str, body_text: str) -> SearchResult:
    """The calls, the reply text with inline citations, and usage for one search turn.

    `prompt` is the user's text with other directives removed; `body_text` the reply
    the model would give without searching.
    """
    cleaned, empty, fail = strip_search_directives(prompt)
    query = _query(cleaned)
    calls: list[SearchCall] = []
    for index, (tool, config) in enumerate(((WEB_SEARCH, tools.web), (X_SEARCH, tools.x))):
        if config is None:
            continue
        sources = () if empty or fail else (_web_sources if tool == WEB_SEARCH else _x_sources)(query, config)
        calls.append(SearchCall(tool, index, query, sources, failed=fail))
    usage_calls = {f"{c.tool}_calls": 1 for c in calls if not c.failed}
    text = body_text
    citations: list[tuple[str, str, int, int]] = []
    if fail:
        text = ("The search tool failed, so this answer comes from what I already know.\n\n" + body_text)
    elif empty:
        where = " and ".join("the web" if c.tool == WEB_SEARCH else "X" for c in calls)
        text = f"I searched {where} for \u201c{query}\u201d but found no results.\n\n" + body_text
    else:
        intro_parts = []
        for call in calls:
            where = "the web" if call.tool == WEB_SEARCH else "X"
            intro_parts.append(f"Searching {where} for \u201c{query}\u201d found {len(call.sources)} sources")
        text = "; ".join(intro_parts) + "."
        for number, (url, title) in enumerate((s for c in calls for s in c.sources), 1):
            marker = f"[[{number}]]({url})"
            text += " "
            citations.append((url, title, len(text), len(text) + len(marker)))  # character offsets
            text += marker
        text += "\n\n" + body_text
    extra = sum(len(c.sources) for c in calls) * TOKENS_PER_SOURCE
    return SearchResult(tuple(calls), tuple(citations), text, extra, usage_calls)


# ---------------------------------------------------------------- wire shapes


def call_item_id(response_id: str, call: SearchCall) -> str:
    if call.tool == WEB_SEARCH:
        return f"ws_{response_id}_call_{call.index}"
    return f"ctc_{response_id}_xs_call_{call.index}"


def x_input(call: SearchCall) -> str:
    return '{"query":' + _json_string(call.query) + ',"limit":20,"mode":"Latest"}'


def _json_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def call_item(response_id: str, call: SearchCall, *, done: bool) -> dict:
    """The output item for a call; `done=False` is the shape of `output_item.added`."""
    status = ("failed" if call.failed else "completed") if done else "in_progress"
    item_id = call_item_id(response_id, call)
    if call.tool == WEB_SEARCH:  # 2026 recording: query and sources arrive with output_item.done
        sources = [{"type": "url", "url": url} for url, _ in call.sources] if done else []
        return {"id": item_id, "type": "web_search_call", "status": status,
                "action": {"type": "search", "query": call.query if done else "", "sources": sources}}
    # 2025-12 recording: x_search steps are custom_tool_call items (x_keyword_search, ...)
    return {"call_id": f"xs_call_{call.index}", "input": x_input(call) if done else "", "name": "x_keyword_search",
            "type": "custom_tool_call", "id": item_id, "status": status}


def citation_annotations(result: SearchResult) -> list[dict]:
    return [{"type": "url_citation", "url": url, "start_index": start, "end_index": end, "title": title}
            for url, title, start, end in result.citations]


def tool_usage(result: SearchResult) -> dict:
    details = {key: result.usage_calls.get(key, 0) for key in TOOL_USAGE_KEYS}
    return {"num_server_side_tools_used": result.successful, "server_side_tool_usage_details": details}
