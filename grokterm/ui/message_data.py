"""The UI's view of one message: what a message widget needs to draw itself.

Built from store rows by the conversation pane, so widgets never talk to the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from grokterm.chat.sources import ReplySources
from grokterm.xai.usage import Usage


@dataclass
class MessageData:
    id: int | None
    role: str  # "user" | "assistant" | "system"
    text: str = ""
    reasoning: str = ""
    status: str = "complete"  # pending | streaming | complete | interrupted | failed | stopped
    model: str | None = None
    error: str | None = None
    response_id: str | None = None
    usage: Usage | None = None
    cost_ticks: int | None = None
    ttft_ms: int | None = None
    tokens_per_s: float | None = None
    attachments: list[str] = field(default_factory=list)  # chip texts
    thumbnails: list = field(default_factory=list)  # PIL thumbnails in the same order (loaded lazily)
    attachment_rows: tuple = ()  # the store's Attachment rows, to load thumbnails from
    created_at: float | None = None
    stored: bool = True
    kind: str | None = None  # None: chat; "image_prompt" / "image": an image generation
    sources: ReplySources | None = None  # citations, search calls and their usage (search replies)


def chip_text_for(attachment) -> str:
    """One line describing a stored attachment (a store Attachment row)."""
    size = f"{attachment.width}×{attachment.height}" if attachment.width else "?"
    kind = attachment.mime.split("/")[-1].upper()
    return f"{attachment.name or attachment.file_name} {size} {kind} {attachment.sent_bytes / 1024:.0f} KB"


def message_data_from_row(row) -> MessageData:
    """A store MessageRow as the widgets' MessageData."""
    usage = None
    if row.role == "assistant" and any(
        v is not None for v in (row.input_tokens, row.output_tokens, row.reasoning_tokens)
    ):
        usage = Usage(
            input_tokens=row.input_tokens or 0, cached_tokens=row.cached_tokens or 0,
            output_tokens=row.output_tokens or 0, reasoning_tokens=row.reasoning_tokens or 0,
            image_tokens=row.image_tokens or 0, cost_ticks=row.cost_ticks,
        )
    return MessageData(
        id=row.id, role=row.role, text=row.text, reasoning=row.reasoning, status=row.status,
        model=row.model, error=row.error, response_id=row.response_id, usage=usage,
        cost_ticks=row.cost_ticks, ttft_ms=row.ttft_ms, tokens_per_s=row.tokens_per_s,
        attachments=[chip_text_for(a) for a in row.attachments], created_at=row.created_at,
        attachment_rows=tuple(row.attachments), kind=getattr(row, "kind", None),
        stored=row.stored is not False,
    )


def conversation_totals(messages: list[MessageData], older: Mapping[str, int | None] | None = None,
                        ) -> tuple[Usage, int | None, int]:
    """Summed usage, summed cost (None when no reply had one) and the number of replies; `older` is the
    store's `reply_totals` of the messages not loaded (a long conversation is paged in from the end)."""
    totals = dict(input_tokens=0, cached_tokens=0, output_tokens=0, reasoning_tokens=0, image_tokens=0)
    cost: int | None = None
    replies = 0
    if older:
        for key in totals:
            totals[key] += int(older.get(key) or 0)
        cost = older.get("cost_ticks")
        replies = int(older.get("replies") or 0)
    for m in messages:
        if m.role != "assistant":
            continue
        replies += 1
        if m.usage is not None:
            for key in totals:
                totals[key] += getattr(m.usage, key)
        if m.cost_ticks is not None:
            cost = (cost or 0) + m.cost_ticks
    return Usage(**totals), cost, replies
