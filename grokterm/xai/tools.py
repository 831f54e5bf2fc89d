"""Grok's server-side search tools: the request shapes, and what comes back (tool calls, citations).

`web_search` and `x_search` run on xAI's servers inside one `/v1/responses` turn;
the client only configures them and watches. Wire facts and their sources are in
docs/api/tools-search.md. Kept free of I/O so every rule is testable on its own.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

WEB_SEARCH = "web_search"
X_SEARCH = "x_search"
SEARCH_TOOLS = (WEB_SEARCH, X_SEARCH)

MAX_DOMAINS = 5  # allowed_domains / excluded_domains (docs.x.ai tools/web-search)
MAX_X_HANDLES = 20  # allowed_x_handles / excluded_x_handles (docs.x.ai tools/x-search, newest page)
# $5 per 1,000 calls for web_search and x_search (docs.x.ai pricing, "Tool Invocation Costs");
# 1 USD = 10**10 ticks. An estimate for display only: the server's cost_in_usd_ticks is the bill.
TOOL_CALL_PRICE_TICKS: dict[str, int] = {WEB_SEARCH: 50_000_000, X_SEARCH: 50_000_000}

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
# An inline citation in reply text, `[[n]](url)` (docs/api/tools-search.md §3), the url possibly
# holding one level of parentheses (…/XAI_(company)). Group 1: n; group 2: the url.
INLINE_CITATION = re.compile(r"\[\[(\d{1,4})\]\]\(((?:[^\s()]|\([^\s()]*\))+)\)")


class SearchSettingsError(ValueError):
    """A search setting the API would refuse; the message says which and why."""


def _clean_domain(value: str) -> str:
    text = value.strip().lower()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    text = text.split("/", 1)[0]
    if not _DOMAIN.match(text):
        raise SearchSettingsError(f"not a domain name: {value.strip()[:80]!r} (e.g. arxiv.org)")
    return text


def _clean_handle(value: str) -> str:
    text = value.strip().removeprefix("@")
    if not _HANDLE.match(text):
        raise SearchSettingsError(f"not an X handle: {value.strip()[:40]!r} (letters, digits, _; up to 15)")
    return text


def _clean_date(value: str | None, name: str) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return _dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise SearchSettingsError(f"{name} must be a date like 2026-01-31, not {value.strip()[:40]!r}") from None


def _dedupe(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


@dataclass(frozen=True)
class SearchSettings:
    """Which search tools a turn may use, with their filters (per conversation, or per `ask`)."""

    web: bool = False
    x: bool = False
    allowed_domains: tuple[str, ...] = ()
    excluded_domains: tuple[str, ...] = ()
    allowed_x_handles: tuple[str, ...] = ()
    excluded_x_handles: tuple[str, ...] = ()
    from_date: str | None = None  # YYYY-MM-DD, x_search only
    to_date: str | None = None

    @property
    def enabled(self) -> bool:
        return self.web or self.x

    def normalised(self) -> SearchSettings:
        """Cleaned copy (lower-case domains, handles without @, ISO dates); raises SearchSettingsError."""
        settings = replace(
            self,
            allowed_domains=_dedupe(_clean_domain(d) for d in self.allowed_domains if d.strip()),
            excluded_domains=_dedupe(_clean_domain(d) for d in self.excluded_domains if d.strip()),
            allowed_x_handles=_dedupe(_clean_handle(h) for h in self.allowed_x_handles if h.strip()),
            excluded_x_handles=_dedupe(_clean_handle(h) for h in self.excluded_x_handles if h.strip()),
            from_date=_clean_date(self.from_date, "from date"),
            to_date=_clean_date(self.to_date, "to date"),
        )
        settings.check()
        return settings

    def check(self) -> None:
        """The documented limits: one of allowed/excluded, at most 5 domains / 20 handles, from ≤ to."""
        if self.allowed_domains and self.excluded_domains:
            raise SearchSettingsError("use allowed domains or excluded domains, not both")
        if max(len(self.allowed_domains), len(self.excluded_domains)) > MAX_DOMAINS:
            raise SearchSettingsError(f"at most {MAX_DOMAINS} domains")
        if self.allowed_x_handles and self.excluded_x_handles:
            raise SearchSettingsError("use allowed X handles or excluded X handles, not both")
        if max(len(self.allowed_x_handles), len(self.excluded_x_handles)) > MAX_X_HANDLES:
            raise SearchSettingsError(f"at most {MAX_X_HANDLES} X handles")
        if self.from_date and self.to_date and self.from_date > self.to_date:
            raise SearchSettingsError("the from date is after the to date")

    def tools_payload(self) -> list[dict[str, Any]]:
        """The `tools` entries for `POST /v1/responses` (empty lists and unset dates are left out)."""
        tools: list[dict[str, Any]] = []
        if self.web:
            web: dict[str, Any] = {"type": WEB_SEARCH}
            if self.allowed_domains:
                web["allowed_domains"] = list(self.allowed_domains)
            if self.excluded_domains:
                web["excluded_domains"] = list(self.excluded_domains)
            tools.append(web)
        if self.x:
            x: dict[str, Any] = {"type": X_SEARCH}
            if self.allowed_x_handles:
                x["allowed_x_handles"] = list(self.allowed_x_handles)
            if self.excluded_x_handles:
                x["excluded_x_handles"] = list(self.excluded_x_handles)
            if self.from_date:
                x["from_date"] = self.from_date
            if self.to_date:
                x["to_date"] = self.to_date
            tools.append(x)
        return tools

    def summary(self) -> str:
        """Short text for status lines: `web (arxiv.org) + X (@xai)`; '' when off."""
        parts = []
        if self.web:
            domains = self.allowed_domains or tuple(f"-{d}" for d in self.excluded_domains)
            parts.append("web" + (f" ({', '.join(domains)})" if domains else ""))
        if self.x:
            handles = tuple(f"@{h}" for h in self.allowed_x_handles) or tuple(
                f"-@{h}" for h in self.excluded_x_handles)
            dates = " to ".join(d for d in (self.from_date or "…", self.to_date or "…")) \
                if (self.from_date or self.to_date) else ""
            detail = ", ".join([*handles, *([dates] if dates else [])])
            parts.append("X" + (f" ({detail})" if detail else ""))
        return " + ".join(parts)

    def to_json(self) -> str:
        return json.dumps({
            "web": self.web, "x": self.x, "allowed_domains": list(self.allowed_domains),
            "excluded_domains": list(self.excluded_domains), "allowed_x_handles": list(self.allowed_x_handles),
            "excluded_x_handles": list(self.excluded_x_handles), "from_date": self.from_date,
            "to_date": self.to_date,
        })

    @classmethod
    def from_json(cls, text: str | None) -> SearchSettings:
        """Stored settings; anything unreadable gives the default (search off), never an exception."""
        try:
            data = json.loads(text or "{}")
            if not isinstance(data, dict):
                return cls()

            def strings(name: str) -> tuple[str, ...]:
                value = data.get(name) or []
                return tuple(str(v) for v in value) if isinstance(value, list) else ()

            def date(name: str) -> str | None:
                value = data.get(name)
                return value if isinstance(value, str) and value else None

            return cls(
                web=data.get("web") is True, x=data.get("x") is True,
                allowed_domains=strings("allowed_domains"), excluded_domains=strings("excluded_domains"),
                allowed_x_handles=strings("allowed_x_handles"), excluded_x_handles=strings("excluded_x_handles"),
                from_date=date("from_date"), to_date=date("to_date"),
            )
        except (ValueError, TypeError):
            return cls()


# ---------------------------------------------------------------- what comes back


@dataclass(frozen=True)
class Citation:
    """One source the reply cites (`url_citation` annotation), numbered in order of first use."""

    url: str
    title: str | None = None  # None when the API sent none, or only the URL again
    start_index: int | None = None
    end_index: int | None = None

    @property
    def domain(self) -> str:
        return domain_of(self.url)

    @property
    def is_web_link(self) -> bool:
        return is_web_url(self.url)

    def as_json(self) -> dict[str, Any]:
        return {"url": self.url, "title": self.title}


@dataclass(frozen=True)
class ToolCall:
    """One server-side tool invocation as the stream shows it (inputs only: outputs stay server-side)."""

    id: str
    tool: str  # web_search | x_search | another tool's type
    name: str = ""  # the sub-tool, e.g. x_keyword_search, when the wire says
    status: str = "in_progress"  # in_progress | searching | completed | failed
    query: str = ""
    sources: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "tool": self.tool, "name": self.name, "status": self.status,
                "query": self.query, "sources": len(self.sources)}


@dataclass(frozen=True)
class ToolUsage:
    """Successful server-side tool calls by tool (usage.server_side_tool_usage_details)."""

    calls: Mapping[str, int] = field(default_factory=dict)  # {"web_search": 2, "x_search": 1}
    total: int = 0  # usage.num_server_side_tools_used

    @property
    def estimated_cost_ticks(self) -> int:
        return sum(TOOL_CALL_PRICE_TICKS.get(tool, 0) * count for tool, count in self.calls.items())

    def as_json(self) -> dict[str, Any]:
        return {"calls": dict(self.calls), "total": self.total,
                "estimated_cost_ticks": self.estimated_cost_ticks}


def domain_of(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def is_web_url(url: str) -> bool:
    """Only http(s) URLs with a host may become hyperlinks (never file:, javascript:, ...)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(
        ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url)


def _tool_of_item(item: Mapping[str, Any]) -> tuple[str, str] | None:
    """(tool, sub-tool name) for a server-side tool-call output item, or None for other items."""
    kind = item.get("type")
    name = item.get("name") if isinstance(item.get("name"), str) else ""
    if kind == "web_search_call":
        return WEB_SEARCH, name or ""
    if kind == "x_search_call":
        return X_SEARCH, name or ""
    if kind in ("custom_tool_call", "function_call") and name:
        # 2025-12 streams show x_search's steps as custom_tool_call items (x_keyword_search,
        # x_semantic_search, view_x_video, ...); older web_search replies as a named call.
        if name.startswith("x_") or name in ("view_x_video",) or str(item.get("call_id", "")).startswith("xs_"):
            return X_SEARCH, name
        if name.startswith("web_") or name in ("browse_page", "view_image"):
            return WEB_SEARCH, name
    return None


def _arguments_query(raw: Any) -> str:
    if not isinstance(raw, str) or not raw:
        return ""
    try:
        data = json.loads(raw)
    except ValueError:
        return ""
    if isinstance(data, dict):
        for key in ("query", "url", "video_url", "image_url"):
            value = data.get(key)
            if isinstance(value, str):
                return value
    return ""


def tool_call_from_item(item: Mapping[str, Any], fallback_id: str = "") -> ToolCall | None:
    """A ToolCall from a `web_search_call` / `x_search_call` / `custom_tool_call` item, or None."""
    kinds = _tool_of_item(item)
    if kinds is None:
        return None
    tool, name = kinds
    raw_action = item.get("action")
    action: Mapping[str, Any] = raw_action if isinstance(raw_action, Mapping) else {}
    query = action.get("query") if isinstance(action.get("query"), str) else ""
    query = query or _arguments_query(item.get("arguments")) or _arguments_query(item.get("input"))
    sources: list[str] = []
    raw_sources = action.get("sources")
    if isinstance(raw_sources, list):
        sources = [s["url"] for s in raw_sources if isinstance(s, Mapping) and isinstance(s.get("url"), str)]
    raw_status = item.get("status")
    status = raw_status if isinstance(raw_status, str) else "in_progress"
    return ToolCall(id=str(item.get("id") or fallback_id), tool=tool, name=name, status=status,
                    query=query, sources=tuple(sources))


def citation_from_annotation(data: Any) -> Citation | None:
    if not isinstance(data, Mapping) or data.get("type") != "url_citation":
        return None
    url = data.get("url")
    if not isinstance(url, str) or not url:
        return None
    title = data.get("title") if isinstance(data.get("title"), str) else None
    if title is not None and (not title.strip() or title.strip() == url):
        title = None  # 2026 streams repeat the URL as the title

    def index(name: str) -> int | None:
        value = data.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None

    return Citation(url=url, title=title, start_index=index("start_index"), end_index=index("end_index"))


def unique_citations(citations: Iterable[Citation]) -> tuple[Citation, ...]:
    """One entry per URL in order of first appearance; a later title fills a missing one."""
    by_url: dict[str, Citation] = {}
    for citation in citations:
        known = by_url.get(citation.url)
        if known is None:
            by_url[citation.url] = citation
        elif known.title is None and citation.title:
            by_url[citation.url] = replace(known, title=citation.title)
    return tuple(by_url.values())


def citations_from_output(output: Iterable[Any]) -> tuple[Citation, ...]:
    """Citations of a finished response: its `url_citation` annotations; failing those, the
    sources its search calls list (the "all citations" the docs describe)."""
    found: list[Citation] = []
    sources: list[Citation] = []
    for item in output:
        if not isinstance(item, Mapping):
            continue
        if item.get("type") == "message":
            for part in item.get("content") or []:
                if isinstance(part, Mapping):
                    for annotation in part.get("annotations") or []:
                        citation = citation_from_annotation(annotation)
                        if citation is not None:
                            found.append(citation)
        else:
            call = tool_call_from_item(item)
            if call is not None:
                sources += [Citation(url) for url in call.sources]
    return unique_citations(found or sources)


def tool_calls_from_output(output: Iterable[Any]) -> tuple[ToolCall, ...]:
    calls = []
    for position, item in enumerate(output):
        if isinstance(item, Mapping):
            call = tool_call_from_item(item, fallback_id=f"call-{position}")
            if call is not None:
                calls.append(call)
    return tuple(calls)


def tool_usage_from_wire(usage: Mapping[str, Any] | None) -> ToolUsage | None:
    """`server_side_tool_usage_details` (2026) as {tool: calls}; None when no tool was used."""
    if not isinstance(usage, Mapping):
        return None
    details = usage.get("server_side_tool_usage_details")
    calls: dict[str, int] = {}
    if isinstance(details, Mapping):
        for key, value in details.items():
            if isinstance(key, str) and key.endswith("_calls") and isinstance(value, int) and value > 0:
                calls[key.removesuffix("_calls")] = value
    total = usage.get("num_server_side_tools_used")
    total = total if isinstance(total, int) and total > 0 else sum(calls.values())
    if not calls and not total:
        return None
    return ToolUsage(calls=calls, total=total)


def status_text(call: ToolCall) -> str:
    """What the reply shows while a tool runs: `searching the web for "…"`, `reading 3 results`."""
    where = {"web_search": "the web", "x_search": "X"}.get(call.tool, call.tool.replace("_", " "))
    if call.status == "failed":
        return f"searching {where} failed"
    if call.status == "completed":
        count = len(call.sources)
        if count:
            return f"reading {count} result{'s' if count != 1 else ''}"
        return f"searched {where}" + (f" for \u201c{call.query}\u201d" if call.query else "")
    return f"searching {where}" + (f" for \u201c{call.query}\u201d" if call.query else "") + "\u2026"


__all__ = [
    "MAX_DOMAINS",
    "MAX_X_HANDLES",
    "SEARCH_TOOLS",
    "TOOL_CALL_PRICE_TICKS",
    "WEB_SEARCH",
    "X_SEARCH",
    "Citation",
    "SearchSettings",
    "SearchSettingsError",
    "ToolCall",
    "ToolUsage",
    "citation_from_annotation",
    "citations_from_output",
    "domain_of",
    "is_web_url",
    "status_text",
    "tool_call_from_item",
    "tool_calls_from_output",
    "tool_usage_from_wire",
    "unique_citations",
]
