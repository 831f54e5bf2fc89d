"""Turns Responses-API stream events (already JSON-decoded) into TurnEvents.

Pure and synchronous so every rule is testable without a network:
deltas are accumulated per (output_index, content/summary index), each
`*.done` event replaces the accumulated text with its snapshot, and the final
`response.completed` object is the truth for text, reasoning and usage. A
stream that ends without `response.completed` / `response.incomplete` /
`response.failed` / `error` is a truncated reply (`interrupted()`).
"""

from __future__ import annotations

from typing import Any

from grokterm.xai.errors import StreamInterruptedError, XAIError, error_from_stream_payload
from grokterm.xai.events import (
    Completed,
    Failed,
    ReasoningDelta,
    TextDelta,
    ToolCallUpdate,
    TurnEvent,
    TurnStarted,
    UsageUpdate,
)
from grokterm.xai.tools import (
    Citation,
    ToolCall,
    citation_from_annotation,
    citations_from_output,
    tool_call_from_item,
    tool_calls_from_output,
    tool_usage_from_wire,
    unique_citations,
)
from grokterm.xai.wire import (
    ResponseObject,
    ResponseSnapshotEvent,
    TextDeltaEvent,
    TextDoneEvent,
    parse_stream_event,
)

_TERMINAL_OK = {"response.completed", "response.done", "response.incomplete"}
_TEXT_DELTA = "response.output_text.delta"
_REASONING_DELTAS = {"response.reasoning_summary_text.delta", "response.reasoning_text.delta"}
_REASONING_DONE = {"response.reasoning_summary_text.done", "response.reasoning_text.done"}
_ITEM_EVENTS = {"response.output_item.added", "response.output_item.done"}
# response.web_search_call.in_progress|searching|completed|failed, response.x_search_call.*
_TOOL_STATUS_PREFIXES = ("response.web_search_call.", "response.x_search_call.")
_TOOL_INPUT_DONE = "response.custom_tool_call_input.done"
_ANNOTATION_ADDED = "response.output_text.annotation.added"


class ResponsesStreamState:
    """Feed decoded events with `feed()`; `finished` turns True on the terminal event."""

    def __init__(self, requested_store: bool) -> None:
        self.requested_store = requested_store
        self.response_id: str | None = None
        self.model: str | None = None
        self.finished = False
        self._started = False
        # parts per (output_index, content/summary index); lists, as += on long strings is quadratic
        self._text: dict[tuple[int, int], list[str]] = {}
        self._reasoning: dict[tuple[int, int], list[str]] = {}
        self._tool_calls: dict[str, ToolCall] = {}  # by item id, in order of arrival
        self._annotations: list[Citation] = []

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        return tuple(self._tool_calls.values())

    # ------------------------------------------------------------ accumulated text

    @property
    def text(self) -> str:
        return "".join("".join(self._text[key]) for key in sorted(self._text))

    @property
    def reasoning(self) -> str:
        parts = ("".join(self._reasoning[key]) for key in sorted(self._reasoning))
        return "\n\n".join(part for part in parts if part)

    # ------------------------------------------------------------ feeding

    def _start(self, response: ResponseObject | None) -> list[TurnEvent]:
        if response is not None:
            self.response_id = response.id or self.response_id
            self.model = response.model or self.model
        if self._started:
            return []
        self._started = True
        return [TurnStarted(self.response_id, self.model)]

    def feed(self, data: dict[str, Any]) -> list[TurnEvent]:
        """Events produced by one decoded stream payload."""
        kind = data.get("type")
        if kind == _TEXT_DELTA or kind in _REASONING_DELTAS:
            reasoning = kind != _TEXT_DELTA
            index_name = "summary_index" if reasoning else "content_index"
            delta, key = data.get("delta"), (data.get("output_index", 0), data.get(index_name, 0))
            if type(delta) is not str or type(key[0]) is not int or type(key[1]) is not int:
                # unusual shape (nulls, wrong types): the model validates it or raises
                text_delta = TextDeltaEvent.model_validate(data)
                delta, key = text_delta.delta, (text_delta.output_index or 0, getattr(text_delta, index_name) or 0)
            return self._delta(delta, key, reasoning)
        if kind == "response.output_text.done" or kind in _REASONING_DONE:
            done = TextDoneEvent.model_validate(data)
            store = self._reasoning if kind in _REASONING_DONE else self._text
            index = done.summary_index if kind in _REASONING_DONE else done.content_index
            store[(done.output_index or 0, index or 0)] = [done.text]
            return []
        if kind == "error" or (kind is None and "error" in data):
            return [self._fail(error_from_stream_payload(data))]
        if kind in _ITEM_EVENTS or kind == _TOOL_INPUT_DONE or (
                isinstance(kind, str) and kind.startswith(_TOOL_STATUS_PREFIXES)):
            return self._tool_event(kind, data)
        if kind == _ANNOTATION_ADDED:
            citation = citation_from_annotation(data.get("annotation"))
            if citation is not None:
                self._annotations.append(citation)
            return []
        event = parse_stream_event(data)
        if isinstance(event, ResponseSnapshotEvent):
            events = self._start(event.response)
            if kind in _TERMINAL_OK:
                events += self._complete(event.response, kind)
            elif kind == "response.failed":
                events.append(self._fail(error_from_stream_payload(data)))
            return events
        return []

    def feed_delta(self, data: dict[str, Any]) -> tuple[bool, str] | None:
        """The per-token fast path of `feed`: for a well-formed text or reasoning delta once the turn has
        started, record it and return (is_reasoning, text) — the text the TextDelta/ReasoningDelta that
        `feed` would make carries — without making the event; None for anything else (then call `feed`)."""
        kind = data.get("type")
        if kind == _TEXT_DELTA:
            index = data.get("content_index", 0)
            store = self._text
        elif kind in _REASONING_DELTAS:
            index = data.get("summary_index", 0)
            store = self._reasoning
        else:
            return None
        delta, output = data.get("delta"), data.get("output_index", 0)
        if not self._started or type(delta) is not str or type(output) is not int or type(index) is not int:
            return None
        key = (output, index)
        parts = store.get(key)
        if parts is not None:
            parts.append(delta)
            return store is self._reasoning, delta
        separator = "\n\n" if store is self._reasoning and store else ""
        store[key] = [delta]
        return store is self._reasoning, separator + delta

    def _tool_event(self, kind: str, data: dict[str, Any]) -> list[TurnEvent]:
        """Server-side tool calls: the item when it starts and ends, status events in between."""
        events = [] if self._started else self._start(None)
        if kind in _ITEM_EVENTS:
            item = data.get("item")
            call = tool_call_from_item(item, f"call-{data.get('output_index')}") if isinstance(item, dict) else None
            if call is None:
                return events
            known = self._tool_calls.get(call.id)
            if known is not None and not call.query:  # added items carry an empty query
                call = ToolCall(call.id, call.tool, call.name or known.name, call.status, known.query,
                                call.sources or known.sources)
        else:
            item_id = data.get("item_id")
            known = self._tool_calls.get(item_id) if isinstance(item_id, str) else None
            if known is None:
                return events
            if kind == _TOOL_INPUT_DONE:
                updated = tool_call_from_item({"type": "custom_tool_call", "name": known.name,
                                               "input": data.get("input"), "id": known.id})
                query = updated.query if updated is not None else ""
                call = ToolCall(known.id, known.tool, known.name, known.status, query or known.query,
                                known.sources)
            else:
                status = kind.rsplit(".", 1)[-1]
                call = ToolCall(known.id, known.tool, known.name, status, known.query, known.sources)
        if self._tool_calls.get(call.id) == call:
            return events
        self._tool_calls[call.id] = call
        events.append(ToolCallUpdate(call))
        return events

    def _delta(self, delta: str, key: tuple[int, int], reasoning: bool) -> list[TurnEvent]:
        """Per-token hot path: plain values, no model validation for well-formed deltas."""
        events = [] if self._started else self._start(None)
        if reasoning:
            separator = "\n\n" if key not in self._reasoning and self._reasoning else ""
            self._reasoning.setdefault(key, []).append(delta)
            events.append(ReasoningDelta(separator + delta))
        else:
            self._text.setdefault(key, []).append(delta)
            events.append(TextDelta(delta))
        return events

    def _complete(self, response: ResponseObject | None, kind: str) -> list[TurnEvent]:
        self.finished = True
        text, reasoning, usage, stored = self.text, self.reasoning, None, self.requested_store
        citations, tool_calls, tool_usage = unique_citations(self._annotations), self.tool_calls, None
        finish = "stop"
        if response is not None:
            if response.output:
                text = response.output_text or text
                reasoning = response.reasoning_text or reasoning
                citations = citations_from_output(response.output) or citations
                tool_calls = tool_calls_from_output(response.output) or tool_calls
            usage = response.usage.normalised() if response.usage else None
            tool_usage = tool_usage_from_wire(response.usage.model_dump()) if response.usage else None
            stored = self.requested_store if response.store is None else response.store
            if kind == "response.incomplete" or response.status == "incomplete":
                reason = response.incomplete_details.reason if response.incomplete_details else None
                finish = f"incomplete:{reason or 'unknown'}"
        events: list[TurnEvent] = [UsageUpdate(usage)] if usage else []
        events.append(Completed(self.response_id, self.model, text, reasoning, usage, stored, finish,
                                citations=citations, tool_calls=tool_calls, tool_usage=tool_usage))
        return events

    def _fail(self, error: XAIError) -> Failed:
        self.finished = True
        return Failed(error, self.text, self.reasoning, self.response_id, tool_calls=self.tool_calls)

    def done(self) -> list[TurnEvent]:
        """`data: [DONE]` (added by some proxies): fine after the terminal event, a cut before it."""
        if self.finished:
            return []
        return [self.interrupted(StreamInterruptedError("reply interrupted: [DONE] before the reply ended"))]

    def eof(self) -> list[TurnEvent]:
        """The body ended before a terminal event: a truncated reply."""
        return [self.interrupted()]

    def interrupted(self, error: XAIError | None = None) -> Failed:
        """The final event for a stream that stopped before its terminal event."""
        return self._fail(
            error or StreamInterruptedError("reply interrupted: the connection closed before the reply ended")
        )


def completed_from_response(response: ResponseObject, requested_store: bool) -> Completed:
    """A non-stream `/v1/responses` reply as the same `Completed` event the stream ends with."""
    state = ResponsesStreamState(requested_store)
    state._start(response)
    kind = "response.incomplete" if response.status == "incomplete" else "response.completed"
    return state._complete(response, kind)[-1]  # type: ignore[return-value]
