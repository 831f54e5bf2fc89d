"""What every part of the Store shares: the database, the image folder, the clock, row converters.

The Store class is assembled from one mixin per concern (conversations, messages,
responses, search, key/value, export); each lives in its own small module and
relies only on this base.
"""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable
from typing import TypeVar

from grokterm.store.database import Database
from grokterm.store.errors import NotFoundError
from grokterm.store.images import ImageFiles
from grokterm.store.rows import Attachment, Conversation, MessageRow

T = TypeVar("T")
R = TypeVar("R")

# Identifies this process in rows it is streaming into, so another process's
# recover_interrupted() can tell a live stream from a dead one.
_PROCESS_TOKEN = uuid.uuid4().hex[:12]


def writer_id() -> str:
    return f"{os.getpid()}:{_PROCESS_TOKEN}"


CONVERSATION_COLUMNS = (
    "id, uid, title, model, system_prompt, created_at, updated_at, archived, draft, last_response_id, origin"
)
MESSAGE_COLUMNS = (
    "id, conversation_id, role, text, reasoning, model, created_at, updated_at, status, error, "
    "response_id, input_tokens, cached_tokens, output_tokens, reasoning_tokens, image_tokens, "
    "cost_ticks, ttft_ms, tokens_per_s, kind, "
    # whether the server keeps the reply (store=true), from the response index; NULL when not indexed
    "(SELECT r.stored FROM responses r WHERE r.response_id = messages.response_id) AS stored"
)
ATTACHMENT_COLUMNS = (
    "id, message_id, name, mime, width, height, original_width, original_height, original_bytes, "
    "sent_bytes, detail, sha256, file_name"
)


def like_pattern(text: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') matching `text` anywhere, wildcards in it taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def conversation_from_row(row: sqlite3.Row) -> Conversation:
    return Conversation(
        id=row["id"], uid=row["uid"], title=row["title"], model=row["model"],
        system_prompt=row["system_prompt"], created_at=row["created_at"], updated_at=row["updated_at"],
        archived=bool(row["archived"]), draft=row["draft"], last_response_id=row["last_response_id"],
        origin=row["origin"],
    )


def attachment_from_row(row: sqlite3.Row) -> Attachment:
    return Attachment(*row)  # ATTACHMENT_COLUMNS are in the dataclass's field order


def message_from_row(row: sqlite3.Row, attachments: Iterable[Attachment] = ()) -> MessageRow:
    values = list(row)
    values[-1] = None if values[-1] is None else bool(values[-1])  # stored
    # MESSAGE_COLUMNS are the fields before `attachments`, in order (mypy cannot count a row's columns)
    return MessageRow(*values, attachments=tuple(attachments))  # type: ignore[misc]


class StoreBase:
    """State shared by the Store mixins."""

    _db: Database
    _images: ImageFiles
    _clock: Callable[[], float]

    def _now(self) -> float:
        return float(self._clock())

    def _attachments_of(self, conn: sqlite3.Connection, message_id: int) -> tuple[Attachment, ...]:
        rows = conn.execute(
            f"SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE message_id = ? ORDER BY id", (message_id,)
        )
        return tuple(attachment_from_row(row) for row in rows)

    def _read_optional(self, getter: Callable[[sqlite3.Connection, T], R], key: T) -> R | None:
        """`getter(conn, key)` in a read transaction, None instead of NotFoundError."""

        def work(conn: sqlite3.Connection) -> R | None:
            try:
                return getter(conn, key)
            except NotFoundError:
                return None

        return self._db.read(work)

    def _remove_unreferenced_files(self, conn: sqlite3.Connection, file_names: Iterable[str]) -> None:
        """Delete image files no attachment row refers to any more.

        Called inside the deleting write transaction: holding the write lock means no
        other process can add a row pointing at a file between our check and unlink.
        """
        for file_name in set(file_names):
            still_used = conn.execute(
                "SELECT 1 FROM attachments WHERE file_name = ? LIMIT 1", (file_name,)
            ).fetchone()
            if not still_used:
                self._images.remove(file_name)

    @staticmethod
    def _default_clock() -> float:
        return time.time()
