"""Search per conversation and a reply's sources: between the client's types and the store's JSON.

The store keeps plain JSON (it knows nothing of the client); this module is the one place
that converts both ways, so the TUI, `ask`, the responses browser and export agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from grokterm.store.rows import MessageSources
from grokterm.xai.tools import Citation, SearchSettings, ToolCall, ToolUsage

SEARCH_KEY = "search:{conversation_id}"  # ui_state key of a conversation's search settings


@dataclass(frozen=True)
class ReplySources:
    """What a reply's searches found and did, ready to show."""

    citations: tuple[Citation, ...] = ()
    tool_calls: tuple[ToolCall, ...] = ()
    tool_usage: ToolUsage | None = None

    @property
    def empty(self) -> bool:
        return not (self.citations or self.tool_calls or self.tool_usage)


def sources_record(citations: Sequence[Citation] = (), tool_calls: Sequence[ToolCall] = (),
                   tool_usage: ToolUsage | None = None) -> dict[str, Any] | None:
    """The JSON the store keeps for a reply; None when there is nothing to keep."""
    if not (citations or tool_calls or tool_usage):
        return None
    return {
        "citations": [{"url": c.url, "title": c.title, "start_index": c.start_index, "end_index": c.end_index}
                      for c in citations],
        "tool_calls": [{"id": t.id, "tool": t.tool, "name": t.name, "status": t.status, "query": t.query,
                        "sources": list(t.sources)} for t in tool_calls],
        "tool_usage": None if tool_usage is None else {"calls": dict(tool_usage.calls), "total": tool_usage.total},
    }


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def reply_sources(stored: MessageSources | Mapping[str, Any] | None) -> ReplySources:
    """A stored row (or the same JSON, e.g. from an export) as ReplySources; bad entries are skipped."""
    if stored is None:
        return ReplySources()
    if isinstance(stored, MessageSources):
        raw_citations, raw_calls, raw_usage = stored.citations, stored.tool_calls, stored.tool_usage
    else:
        raw_citations = stored.get("citations") or ()
        raw_calls = stored.get("tool_calls") or ()
        raw_usage = stored.get("tool_usage")
    citations = tuple(
        Citation(url=c["url"], title=_str(c.get("title")) or None, start_index=_int(c.get("start_index")),
                 end_index=_int(c.get("end_index")))
        for c in raw_citations if isinstance(c, Mapping) and _str(c.get("url"))
    )
    calls = []
    for t in raw_calls:
        if not isinstance(t, Mapping):
            continue
        sources = t.get("sources")
        urls = tuple(u for u in sources if isinstance(u, str)) if isinstance(sources, list) else ()
        calls.append(ToolCall(id=_str(t.get("id")), tool=_str(t.get("tool")) or "tool", name=_str(t.get("name")),
                              status=_str(t.get("status")) or "completed", query=_str(t.get("query")),
                              sources=urls))
    usage = None
    if isinstance(raw_usage, Mapping):
        counts = raw_usage.get("calls")
        counts = {k: v for k, v in counts.items() if isinstance(k, str) and _int(v)} if isinstance(counts, Mapping) \
            else {}
        usage = ToolUsage(calls=counts, total=_int(raw_usage.get("total")) or sum(counts.values()))
    return ReplySources(citations, tuple(calls), usage)


def load_search_settings(store: Any, conversation_id: int) -> SearchSettings:
    """The conversation's search settings (off when never set or unreadable)."""
    value = store.ui_get(SEARCH_KEY.format(conversation_id=conversation_id))
    return SearchSettings.from_json(value if isinstance(value, str) else None)


def save_search_settings(store: Any, conversation_id: int, settings: SearchSettings) -> None:
    key = SEARCH_KEY.format(conversation_id=conversation_id)
    store.ui_set(key, settings.to_json() if settings != SearchSettings() else None)
