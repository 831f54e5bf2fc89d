"""Typed, immutable rows the store hands out, so callers never see sqlite3.Row or SQL names.

Times are Unix epoch seconds (float). Token counts are None when the API did not
report them (which is different from 0). Cost is in ticks: 1 USD = 10**10 ticks,
the unit xAI's `cost_in_usd_ticks` uses, so sums stay exact integers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

MessageStatus = Literal["pending", "streaming", "complete", "interrupted", "failed", "stopped"]
ResponseStatus = Literal["live", "deleted", "expired", "unknown"]
Role = Literal["system", "user", "assistant"]

TICKS_PER_USD = 10**10
FINAL_STATUSES = frozenset({"complete", "interrupted", "failed", "stopped"})


class UsageLike(Protocol):
    """Anything shaped like grokterm.xai.usage.Usage (the store does not import the client)."""

    @property
    def input_tokens(self) -> int: ...
    @property
    def cached_tokens(self) -> int: ...
    @property
    def output_tokens(self) -> int: ...
    @property
    def reasoning_tokens(self) -> int: ...
    @property
    def image_tokens(self) -> int: ...
    @property
    def cost_ticks(self) -> int | None: ...


USAGE_FIELDS = ("input_tokens", "cached_tokens", "output_tokens", "reasoning_tokens", "image_tokens", "cost_ticks")


def usage_values(usage: UsageLike | Mapping[str, Any] | None) -> dict[str, int | None]:
    """The usage columns from a Usage-like object or a dict (missing fields are None)."""
    if usage is None:
        return {}
    values = usage if isinstance(usage, Mapping) else {name: getattr(usage, name, None) for name in USAGE_FIELDS}
    result: dict[str, int | None] = {}
    for name in USAGE_FIELDS:
        value = values.get(name)
        result[name] = None if value is None else int(value)
    return result


@dataclass(frozen=True)
class Conversation:
    id: int
    uid: str  # stable text id: use as prompt_cache_key / x-grok-conv-id, survives export/import
    title: str
    model: str | None
    system_prompt: str | None
    created_at: float
    updated_at: float  # last message activity (drafts do not bump it)
    archived: bool
    draft: str
    last_response_id: str | None  # the chain head: previous_response_id for the next turn
    origin: str | None = None  # the front end that started it: "ask" (CLI), None (the app, or unknown)


@dataclass(frozen=True)
class Attachment:
    id: int
    message_id: int
    name: str  # original file name as the user picked it
    mime: str
    width: int | None  # of the encoded image actually sent
    height: int | None
    original_width: int | None
    original_height: int | None
    original_bytes: int | None
    sent_bytes: int  # size of the encoded image actually sent
    detail: str
    sha256: str
    file_name: str  # "<sha256>.<ext>" inside the store's images folder


@dataclass(frozen=True)
class MessageRow:
    id: int
    conversation_id: int
    role: Role
    text: str
    reasoning: str  # reasoning summary / reasoning_content
    model: str | None
    created_at: float
    updated_at: float
    status: MessageStatus
    error: str | None
    response_id: str | None
    input_tokens: int | None
    cached_tokens: int | None
    output_tokens: int | None
    reasoning_tokens: int | None
    image_tokens: int | None
    cost_ticks: int | None
    ttft_ms: int | None  # time to first token
    tokens_per_s: float | None
    kind: str | None = None  # None: chat; "image_prompt" / "image": an image generation (schema v4)
    stored: bool | None = None  # the server keeps the reply (sent with store=true); None: not indexed
    attachments: tuple[Attachment, ...] = ()

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def cost_usd(self) -> float | None:
        return None if self.cost_ticks is None else self.cost_ticks / TICKS_PER_USD


@dataclass(frozen=True)
class MessageSources:
    """What a reply's search found: citations, tool calls, tool usage — JSON-shaped, as the
    chat layer wrote them (the store does not know the client's types)."""

    message_id: int
    citations: tuple[dict[str, Any], ...] = ()  # {"url", "title", "start_index", "end_index"}
    tool_calls: tuple[dict[str, Any], ...] = ()  # {"id", "tool", "name", "status", "query", "sources"}
    tool_usage: dict[str, Any] | None = None  # {"calls": {tool: n}, "total": n, ...}

    @property
    def empty(self) -> bool:
        return not (self.citations or self.tool_calls or self.tool_usage)


@dataclass(frozen=True)
class ResponseIndexEntry:
    """One response id the app created: the API cannot list them, this index can."""

    response_id: str
    conversation_id: int | None  # None once the local conversation was deleted
    conversation_title: str | None
    message_id: int | None
    model: str | None
    created_at: float
    expires_at: float
    prompt_preview: str
    reply_preview: str
    input_tokens: int | None
    cached_tokens: int | None
    output_tokens: int | None
    reasoning_tokens: int | None
    cost_ticks: int | None
    status: ResponseStatus  # 'live' past its expiry is reported as 'expired'
    stored: bool  # sent with store=true (retrievable while live)
    checked_at: float | None  # last time the server was asked about it

    def seconds_left(self, now: float) -> float:
        return max(0.0, self.expires_at - now)


@dataclass(frozen=True)
class SearchHit:
    conversation_id: int
    conversation_title: str
    archived: bool
    message_id: int
    role: Role
    created_at: float
    rank: float  # bm25: lower is better; hits come sorted best first
    parts: tuple[tuple[str, bool], ...]  # snippet pieces, True where the query matched
    conversation_origin: str | None = None  # see Conversation.origin

    @property
    def snippet(self) -> str:
        return "".join(text for text, _ in self.parts)

    def highlighted(self, start: str, end: str) -> str:
        """The snippet with matches wrapped; the text itself is NOT escaped for any markup."""
        return "".join(f"{start}{text}{end}" if hit else text for text, hit in self.parts)


@dataclass(frozen=True)
class CacheEntry:
    value: Any  # JSON-decoded
    fetched_at: float


@dataclass(frozen=True)
class UsageTotals:
    messages: int
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    reasoning_tokens: int
    cost_ticks: int


@dataclass(frozen=True)
class NewImage:
    """An encoded image to attach (the output of grokterm.media), before it has a row."""

    data: bytes
    mime: str
    name: str = ""
    width: int | None = None
    height: int | None = None
    original_width: int | None = None
    original_height: int | None = None
    original_bytes: int | None = None
    detail: str = "auto"


@dataclass(frozen=True)
class TurnRecord:
    """What `Store.start_turn` created: ids to checkpoint and finish, and the chain head to send."""

    conversation_id: int
    conversation_uid: str
    user_message_id: int
    assistant_message_id: int
    previous_response_id: str | None
