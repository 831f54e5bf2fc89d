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
    TurnEvent,
    TurnStarted,
    UsageUpdate,
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
        event = parse_stream_event(data)
        if isinstance(event, ResponseSnapshotEvent):
            events = self._start(event.response)
            if kind in _TERMINAL_OK:
                events += self._complete(event.response, kind)
            elif kind == "response.failed":
                events.append(self._fail(error_from_stream_payload(data)))
            return events
        return []

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
        finish = "stop"
        if response is not None:
            if response.output:
                text = response.output_text or text
                reasoning = response.reasoning_text or reasoning
            usage = response.usage.normalised() if response.usage else None
            stored = self.requested_store if response.store is None else response.store
            if kind == "response.incomplete" or response.status == "incomplete":
                reason = response.incomplete_details.reason if response.incomplete_details else None
                finish = f"incomplete:{reason or 'unknown'}"
        events: list[TurnEvent] = [UsageUpdate(usage)] if usage else []
        events.append(Completed(self.response_id, self.model, text, reasoning, usage, stored, finish))
        return events

    def _fail(self, error: XAIError) -> Failed:
        self.finished = True
        return Failed(error, self.text, self.reasoning, self.response_id)

    def done(self) -> list[TurnEvent]:
        """`data: [DONE]` (added by some proxies): fine after the terminal event, a cut before it."""
        if self.finished:
            return []
        return [self.interrupted(StreamInterruptedError("reply interrupted: [DONE] before the reply ended"))]

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
