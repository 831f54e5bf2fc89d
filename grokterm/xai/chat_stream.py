"""Turns chat-completions stream chunks (already JSON-decoded) into TurnEvents.

Pure and synchronous. Handles what real xAI streams do (xai-api.md §1):
role only on the first chunk, empty `delta:{}` keep-alive chunks, a separate
finish chunk, usage in a final `choices: []` chunk or cumulative on every
chunk (the last one wins), and a top-level `"error"` object as a failure.
`data: [DONE]` ends the reply; EOF before it means the reply was cut, unless
the finish chunk (`finish_reason`) had arrived: then the reply is complete and
its usage kept (some servers and proxies never send `[DONE]`).
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
from grokterm.xai.usage import Usage, usage_from_wire
from grokterm.xai.wire import ChatCompletion, ChatCompletionChunk

_PLAIN_CHOICE_KEYS = frozenset({"index", "delta", "finish_reason", "logprobs"})
_PLAIN_DELTA_KEYS = frozenset({"content", "reasoning_content", "role"})


class ChatStreamState:
    """Feed decoded chunks with `feed()`, then `done()` on `[DONE]`."""

    def __init__(self) -> None:
        self.response_id: str | None = None
        self.model: str | None = None
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.finished = False
        self._started = False
        self._text: list[str] = []
        self._reasoning: list[str] = []

    @property
    def text(self) -> str:
        return "".join(self._text)

    @property
    def reasoning(self) -> str:
        return "".join(self._reasoning)

    def _plain_delta(self, data: dict[str, Any]) -> tuple[str | None, str | None] | None:
        """(reasoning, content) of the common chunk (one choice, only string deltas); None otherwise.

        Skips model validation for the thousands of plain delta chunks; anything else
        (first chunk, usage, finish, tool calls, odd types) goes through ChatCompletionChunk.
        """
        choices = data.get("choices")
        if not self._started or "usage" in data or type(choices) is not list or len(choices) != 1:
            return None
        choice = choices[0]
        delta = choice.get("delta") if type(choice) is dict else None
        if type(delta) is not dict or choice.keys() - _PLAIN_CHOICE_KEYS or delta.keys() - _PLAIN_DELTA_KEYS:
            return None
        if choice.get("index", 0) != 0 or choice.get("finish_reason") is not None:
            return None
        reasoning, content = delta.get("reasoning_content"), delta.get("content")
        if not isinstance(reasoning, (str, type(None))) or not isinstance(content, (str, type(None))):
            return None
        return reasoning, content

    def _fast_deltas(self, data: dict[str, Any]) -> list[TurnEvent] | None:
        """The events of a plain chunk (see `_plain_delta`); None for any other chunk."""
        plain = self._plain_delta(data)
        if plain is None:
            return None
        reasoning, content = plain
        events: list[TurnEvent] = []
        if reasoning:
            self._reasoning.append(reasoning)
            events.append(ReasoningDelta(reasoning))
        if content:
            self._text.append(content)
            events.append(TextDelta(content))
        return events

    def feed_delta(self, data: dict[str, Any]) -> tuple[bool, str] | None:
        """The per-token fast path of `feed`: for a plain chunk carrying text or reasoning (not both),
        record it and return (is_reasoning, text) without making the event; None for anything else
        (then call `feed`)."""
        plain = None if data.get("error") else self._plain_delta(data)
        if plain is None:
            return None
        reasoning, content = plain
        if reasoning and not content:
            self._reasoning.append(reasoning)
            return True, reasoning
        if content and not reasoning:
            self._text.append(content)
            return False, content
        return None

    def feed(self, data: dict[str, Any]) -> list[TurnEvent]:
        if data.get("error"):
            return [self._fail(error_from_stream_payload(data))]
        fast = self._fast_deltas(data)
        if fast is not None:
            return fast
        chunk = ChatCompletionChunk.model_validate(data)
        events: list[TurnEvent] = []
        if not self._started:
            self._started = True
            self.response_id, self.model = chunk.id, chunk.model
            events.append(TurnStarted(chunk.id, chunk.model))
        for choice in chunk.choices:
            if choice.index != 0:
                continue
            delta = choice.delta
            if delta.reasoning_content:
                self._reasoning.append(delta.reasoning_content)
                events.append(ReasoningDelta(delta.reasoning_content))
            if delta.content:
                self._text.append(delta.content)
                events.append(TextDelta(delta.content))
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason
        if chunk.usage is not None:
            usage = usage_from_wire(data["usage"])
            if usage is not None and usage != self.usage:
                self.usage = usage
                events.append(UsageUpdate(usage))
        return events

    def done(self) -> list[TurnEvent]:
        """`[DONE]` arrived: the reply is complete."""
        self.finished = True
        completed = Completed(
            self.response_id, self.model, self.text, self.reasoning, self.usage,
            stored=False, finish_reason=self.finish_reason or "stop",
        )
        return [completed]

    def eof(self) -> list[TurnEvent]:
        """The body ended (or the connection closed) before `[DONE]`.

        Complete when the choice had finished (a `finish_reason` arrived: all its text is here,
        usage too when the usage chunk came); otherwise the reply was cut.
        """
        if self.finish_reason is not None:
            return self.done()
        return [self.interrupted()]

    def _fail(self, error: XAIError) -> Failed:
        self.finished = True
        return Failed(error, self.text, self.reasoning, self.response_id)

    def interrupted(self, error: XAIError | None = None) -> Failed:
        return self._fail(
            error or StreamInterruptedError("reply interrupted: the connection closed before [DONE]")
        )


def completed_from_chat(reply: ChatCompletion) -> Completed:
    """A non-stream chat completion as the same `Completed` event a stream ends with."""
    choice = next((c for c in reply.choices if c.index == 0), None)
    message = choice.message if choice else None
    usage = reply.usage.normalised() if reply.usage else None
    return Completed(
        reply.id, reply.model,
        (message.content or "") if message else "",
        (message.reasoning_content or "") if message else "",
        usage, stored=False,
        finish_reason=(choice.finish_reason if choice else None) or "stop",
    )
