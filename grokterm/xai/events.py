"""The one stream of turn events both wire APIs are translated into.

The UI consumes only these, so it never knows whether `/v1/responses` or
`/v1/chat/completions` served a turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from grokterm.xai.tools import Citation, SearchSettings, ToolCall, ToolUsage
from grokterm.xai.usage import Usage

Role = Literal["system", "user", "assistant"]
Detail = Literal["auto", "low", "high"]


@dataclass(frozen=True)
class ImagePart:
    """An image already normalised by grokterm.media, as a data URL."""

    data_url: str
    detail: Detail = "auto"


@dataclass(frozen=True)
class Message:
    """One turn of conversation history as the client sends it."""

    role: Role
    text: str
    images: tuple[ImagePart, ...] = ()


@dataclass(frozen=True)
class TurnRequest:
    """Everything the client needs to run one turn.

    `history` is the whole conversation, system prompt first, the new user
    message last. When `previous_response_id` is set and the Responses API
    serves the turn, the client sends only the messages after the last
    assistant message and chains on the stored response.
    """

    model: str
    history: tuple[Message, ...]
    previous_response_id: str | None = None
    conversation_id: str | None = None  # prompt_cache_key / x-grok-conv-id
    reasoning_effort: str | None = None
    max_output_tokens: int | None = None
    temperature: float | None = None
    store: bool = True
    search: SearchSettings | None = None  # web / X search tools (Responses API only)


@dataclass(frozen=True)
class Retrying:
    """The client is waiting before another attempt (before any token arrived)."""

    attempt: int  # 1 for the first retry
    delay: float  # seconds it will wait
    reason: str  # one-line human text of what failed


@dataclass(frozen=True)
class Notice:
    """Something the user should know about this turn that is not an error (e.g. a chain restarted)."""

    text: str


@dataclass(frozen=True)
class TurnStarted:
    """The server accepted the turn; ids may be known already."""

    response_id: str | None
    model: str | None


@dataclass(frozen=True)
class TextDelta:
    """Reply text; `count` wire deltas merged into one (see `coalesce`), for a live rate in deltas."""

    text: str
    count: int = 1


@dataclass(frozen=True)
class ReasoningDelta:
    """Reasoning summary text (responses) or reasoning_content (chat); `count` as for TextDelta."""

    text: str
    count: int = 1


@dataclass(frozen=True)
class ToolCallUpdate:
    """A server-side tool call started, changed status or finished (web / X search)."""

    call: ToolCall


@dataclass(frozen=True)
class UsageUpdate:
    usage: Usage


@dataclass(frozen=True)
class Completed:
    response_id: str | None
    model: str | None
    text: str
    reasoning: str
    usage: Usage | None
    stored: bool  # True when the server keeps it (GET /v1/responses/{id} works)
    finish_reason: str | None = None  # "stop", "length", "incomplete:<reason>", ...
    citations: tuple[Citation, ...] = ()  # numbered sources, in order of first use
    tool_calls: tuple[ToolCall, ...] = ()  # server-side tool invocations (search)
    tool_usage: ToolUsage | None = None  # successful tool calls by tool, from usage


@dataclass(frozen=True)
class Failed:
    """The turn ended with an error; partial text is kept, never thrown away."""

    error: Exception  # a grokterm.xai.errors.XAIError
    partial_text: str = ""
    partial_reasoning: str = ""
    response_id: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()  # what the tools had done before it failed


TurnEvent = (
    Retrying | Notice | TurnStarted | TextDelta | ReasoningDelta | ToolCallUpdate | UsageUpdate | Completed | Failed
)


def coalesce(events: list[TurnEvent]) -> list[TurnEvent]:
    """`events` with each run of consecutive TextDeltas (or ReasoningDeltas) merged into one.

    A fast stream hands over many deltas at once (all those parsed from one network read); merged,
    every layer above the client (secret filter, recorder, checkpoints, UI) works once per batch
    instead of once per token. Text and order are unchanged; `count` keeps the number of deltas.
    """
    if len(events) < 2:
        return events
    merged: list[TurnEvent] = []
    parts: list[str] = []
    kind: type | None = None
    count = 0
    for event in events:
        if type(event) is kind:
            parts.append(event.text)  # type: ignore[union-attr]
            count += event.count  # type: ignore[union-attr]
            continue
        if kind is not None:
            merged.append(kind(parts[0] if len(parts) == 1 else "".join(parts), count))
            kind = None
        if type(event) is TextDelta or type(event) is ReasoningDelta:
            kind, parts, count = type(event), [event.text], event.count
        else:
            merged.append(event)
    if kind is not None:
        merged.append(kind(parts[0] if len(parts) == 1 else "".join(parts), count))
    return merged

__all__ = [
    "Completed", "Detail", "Failed", "ImagePart", "Message", "Notice", "ReasoningDelta", "Retrying", "Role",
    "TextDelta", "ToolCallUpdate", "TurnEvent", "TurnRequest", "TurnStarted", "UsageUpdate", "coalesce", "field",
]
