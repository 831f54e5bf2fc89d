"""Messages and their image attachments, written so a crash never loses what was typed or received.

The user's message is committed before any request goes out (`add_message` /
`start_turn` return only after COMMIT). A streaming reply is a row with status
'streaming' whose text is overwritten by checkpoints; `recover_interrupted` turns
rows left in that state by a dead process into 'interrupted' ones the UI can retry.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from grokterm.store.base import (
    ATTACHMENT_COLUMNS,
    MESSAGE_COLUMNS,
    attachment_from_row,
    message_from_row,
    writer_id,
)
from grokterm.store.conversations import ConversationsMixin, derive_title
from grokterm.store.errors import NotFoundError
from grokterm.store.image_requests import ImageRequestRow, ImageRequestsMixin, write_image_request
from grokterm.store.images import data_url
from grokterm.store.responses import ResponsesMixin
from grokterm.store.rows import (
    FINAL_STATUSES,
    USAGE_FIELDS,
    Attachment,
    MessageRow,
    NewImage,
    TurnRecord,
    UsageLike,
    usage_values,
)
from grokterm.store.schema import MESSAGE_KINDS, MESSAGE_STATUSES
from grokterm.store.sources import write_sources

_UPDATABLE = frozenset(
    {"text", "reasoning", "model", "status", "error", "response_id", "ttft_ms", "tokens_per_s", *USAGE_FIELDS}
)
INTERRUPTED_ERROR = "grokterm stopped before this reply finished"
STALE_STREAM_SECONDS = 600.0


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stream_still_running(writer: str | None, updated_at: float, now: float, stale_after: float) -> bool:
    """Is the process that was streaming into this row plausibly still doing so?"""
    if not writer:
        return False
    if writer == writer_id():
        return True  # this very process (another thread) is streaming it
    try:
        pid = int(writer.split(":", 1)[0])
    except ValueError:
        return False
    if pid == os.getpid():
        return False  # an earlier process that happened to have our pid
    if now - updated_at > stale_after:
        return False
    return _pid_alive(pid)


class MessagesMixin(ConversationsMixin, ResponsesMixin, ImageRequestsMixin):
    # -- writing -------------------------------------------------------------------------------
    def add_message(
        self, conversation_id: int, role: str, text: str = "", *, model: str | None = None,
        status: str | None = None, images: Sequence[NewImage] = (), kind: str | None = None,
        error: str | None = None, cost_ticks: int | None = None, image_request: ImageRequestRow | None = None,
    ) -> MessageRow:
        """Insert and COMMIT a message (assistant rows default to 'pending', others 'complete').

        `kind` marks the two rows of an image generation ('image_prompt', 'image'); the
        generation's reply is written whole at once, with its pictures, error or cost.
        `image_request`: what an image prompt asks for (see grokterm.store.image_requests)."""
        if kind is not None and kind not in MESSAGE_KINDS:
            raise ValueError(f"unknown message kind {kind!r}")

        def work(conn: sqlite3.Connection) -> MessageRow:
            message_id = self._insert_message(conn, conversation_id, role, text, model=model, status=status)
            for image in images:
                self._insert_attachment(conn, message_id, image)
            if kind is not None or error is not None or cost_ticks is not None:
                conn.execute("UPDATE messages SET kind = ?, error = ?, cost_ticks = ? WHERE id = ?",
                             (kind, error, cost_ticks, message_id))
            if image_request is not None:
                write_image_request(conn, message_id, image_request)
            return self._get_message(conn, message_id)

        return self._db.write(work)

    def start_turn(
        self, user_text: str, *, model: str, conversation_id: int | None = None,
        system_prompt: str | None = None, images: Sequence[NewImage] = (), title: str = "",
        origin: str | None = None,
    ) -> TurnRecord:
        """One commit for the start of a turn: (new conversation,) user message, pending reply.

        A new conversation is titled `title`, or (when empty) from the first line of `user_text`;
        `origin` marks who started it ("ask" for the CLI).

        Returns the ids to checkpoint/finish and the chain head to send as
        previous_response_id. The `ask` command and the chat controller both use it.
        """
        def work(conn: sqlite3.Connection) -> TurnRecord:
            if conversation_id is None:
                conversation = self._insert_conversation(
                    conn, title=title, model=model, system_prompt=system_prompt, origin=origin
                )
            else:
                conversation = self._get_conversation(conn, conversation_id)
            user_id = self._insert_message(conn, conversation.id, "user", user_text)
            for image in images:
                self._insert_attachment(conn, user_id, image)
            reply_id = self._insert_message(conn, conversation.id, "assistant", "", model=model)
            return TurnRecord(conversation.id, conversation.uid, user_id, reply_id, conversation.last_response_id)

        return self._db.write(work)

    def _insert_message(
        self, conn: sqlite3.Connection, conversation_id: int, role: str, text: str, *,
        model: str | None = None, status: str | None = None,
    ) -> int:
        if role not in ("system", "user", "assistant"):
            raise ValueError(f"unknown role {role!r}")
        status = status or ("pending" if role == "assistant" else "complete")
        if status not in MESSAGE_STATUSES:
            raise ValueError(f"unknown message status {status!r}")
        now = self._now()
        title_row = conn.execute("SELECT title FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
        if title_row is None:
            raise NotFoundError(f"no conversation {conversation_id}")
        cursor = conn.execute(
            "INSERT INTO messages (conversation_id, role, text, model, created_at, updated_at, status, writer)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (conversation_id, role, text, model, now, now, status,
             writer_id() if status in ("pending", "streaming") else None),
        )
        title = title_row[0] or (derive_title(text) if role == "user" else "")
        conn.execute(
            "UPDATE conversations SET updated_at = ?, title = ? WHERE id = ?", (now, title, conversation_id)
        )
        return int(cursor.lastrowid)  # type: ignore[arg-type]

    def update_message(self, message_id: int, **fields: Any) -> MessageRow:
        """Change any of: text, reasoning, model, status, error, response_id, ttft_ms,
        tokens_per_s and the usage columns (e.g. to reset an interrupted reply for a retry)."""
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise TypeError(f"cannot update message field(s): {', '.join(sorted(unknown))}")
        if "status" in fields and fields["status"] not in MESSAGE_STATUSES:
            raise ValueError(f"unknown message status {fields['status']!r}")

        def work(conn: sqlite3.Connection) -> MessageRow:
            values = dict(fields, updated_at=self._now())
            if "status" in fields:
                values["writer"] = writer_id() if fields["status"] in ("pending", "streaming") else None
            assignments = ", ".join(f"{name} = ?" for name in values)
            cursor = conn.execute(f"UPDATE messages SET {assignments} WHERE id = ?", [*values.values(), message_id])
            if cursor.rowcount == 0:
                raise NotFoundError(f"no message {message_id}")
            return self._get_message(conn, message_id)

        return self._db.write(work)

    def checkpoint(self, message_id: int, text: str, reasoning: str | None = None) -> bool:
        """Save the partial text of a streaming reply and mark it 'streaming'.

        Returns False (and writes nothing) once the row is final, so a late
        checkpoint can never overwrite a finished reply.
        """
        def work(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "UPDATE messages SET text = ?, reasoning = COALESCE(?, reasoning), status = 'streaming',"
                " writer = ?, updated_at = ? WHERE id = ? AND status IN ('pending', 'streaming')",
                (text, reasoning, writer_id(), self._now(), message_id),
            )
            return cursor.rowcount > 0

        return self._db.write(work)

    def finish_message(
        self, message_id: int, status: str, *, text: str | None = None, reasoning: str | None = None,
        usage: UsageLike | Mapping[str, Any] | None = None, model: str | None = None,
        response_id: str | None = None, error: str | None = None, ttft_ms: int | None = None,
        tokens_per_s: float | None = None, stored: bool = True, index_response: bool = True,
        sources: Mapping[str, Any] | None = None,
    ) -> MessageRow:
        """Write the final state of a reply in one commit.

        Also, in the same transaction: moves the conversation's chain head to
        `response_id` when the reply completed and is stored (or clears it when the
        turn was sent with store=false, so the next turn sends full history), and
        records `response_id` in the response index (unless index_response=False), and
        the reply's search results (`sources`: citations, tool_calls, tool_usage) when given.
        """
        if status not in FINAL_STATUSES:
            raise ValueError(f"finish_message needs a final status, not {status!r}")

        def work(conn: sqlite3.Connection) -> MessageRow:
            now = self._now()
            values: dict[str, Any] = {"status": status, "error": error, "writer": None, "updated_at": now}
            if text is not None:
                values["text"] = text
            if reasoning is not None:
                values["reasoning"] = reasoning
            if model is not None:
                values["model"] = model
            if response_id is not None:
                values["response_id"] = response_id
            if ttft_ms is not None:
                values["ttft_ms"] = int(ttft_ms)
            if tokens_per_s is not None:
                values["tokens_per_s"] = float(tokens_per_s)
            values.update(usage_values(usage))
            assignments = ", ".join(f"{name} = ?" for name in values)
            cursor = conn.execute(f"UPDATE messages SET {assignments} WHERE id = ?", [*values.values(), message_id])
            if cursor.rowcount == 0:
                raise NotFoundError(f"no message {message_id}")
            row = self._get_message(conn, message_id)
            if sources is not None:
                write_sources(conn, message_id, sources)
            if status == "complete":
                head = row.response_id if stored else None
                conn.execute(
                    "UPDATE conversations SET updated_at = ?, last_response_id = ? WHERE id = ?",
                    (now, head, row.conversation_id),
                )
            else:
                conn.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (now, row.conversation_id))
            if row.response_id and index_response:
                self._index_reply(conn, row, stored=stored)
            return row

        return self._db.write(work)

    def delete_message(self, message_id: int) -> bool:
        """Delete one message with its attachments (and their files when unused elsewhere).
        If it was the conversation's chain head the head is cleared: the next turn
        then sends the full remaining history instead of chaining on a reply the user removed."""
        return self._db.write(lambda conn: self._delete_message(conn, message_id))

    def delete_from(self, conversation_id: int, message_id: int) -> list[int]:
        """Delete `message_id` and every later message of its conversation, all or nothing
        (edit and resend). Returns the ids removed, oldest first."""
        def work(conn: sqlite3.Connection) -> list[int]:
            doomed = self._ids_from(conn, conversation_id, message_id)
            for doomed_id in doomed:
                self._delete_message(conn, doomed_id)
            return doomed

        return self._db.write(work)

    def restart_reply(self, conversation_id: int, reply_id: int, *, model: str) -> MessageRow | None:
        """Retry: `reply_id` and everything after it give way to one fresh pending reply, in one
        transaction. None when `reply_id` is not an assistant message of that conversation."""
        def work(conn: sqlite3.Connection) -> MessageRow | None:
            row = conn.execute("SELECT role FROM messages WHERE id = ? AND conversation_id = ?",
                               (reply_id, conversation_id)).fetchone()
            if row is None or row["role"] != "assistant":
                return None
            for doomed_id in self._ids_from(conn, conversation_id, reply_id):
                self._delete_message(conn, doomed_id)
            new_id = self._insert_message(conn, conversation_id, "assistant", "", model=model)
            return self._get_message(conn, new_id)

        return self._db.write(work)

    @staticmethod
    def _ids_from(conn: sqlite3.Connection, conversation_id: int, message_id: int) -> list[int]:
        """`message_id` and the ids after it in its conversation ([] when it is not there)."""
        rows = conn.execute(
            "SELECT id FROM messages WHERE conversation_id = ? AND id >= ? ORDER BY id", (conversation_id, message_id)
        ).fetchall()
        ids = [int(r[0]) for r in rows]
        return ids if ids and ids[0] == message_id else []

    def _delete_message(self, conn: sqlite3.Connection, message_id: int) -> bool:
        row = conn.execute(
            "SELECT conversation_id, response_id FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
        if row is None:
            return False
        rows = conn.execute("SELECT file_name FROM attachments WHERE message_id = ?", (message_id,))
        files = [r[0] for r in rows]
        conn.execute("DELETE FROM messages WHERE id = ?", (message_id,))
        if row["response_id"]:
            conn.execute(
                "UPDATE conversations SET last_response_id = NULL WHERE id = ? AND last_response_id = ?",
                (row["conversation_id"], row["response_id"]),
            )
        self._remove_unreferenced_files(conn, files)
        return True

    # -- reading -------------------------------------------------------------------------------
    def _get_message(self, conn: sqlite3.Connection, message_id: int) -> MessageRow:
        row = conn.execute(f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no message {message_id}")
        return message_from_row(row, self._attachments_of(conn, message_id))

    def get_message(self, message_id: int) -> MessageRow | None:
        return self._read_optional(self._get_message, message_id)

    def require_message(self, message_id: int) -> MessageRow:
        """The message, or NotFoundError (for rows this process just wrote)."""
        return self._db.read(lambda conn: self._get_message(conn, message_id))

    def list_message_count(self, conversation_id: int, *, before_id: int | None = None) -> int:
        """How many messages the conversation holds (before `before_id` if given); index-only."""
        sql = "SELECT COUNT(*) FROM messages WHERE conversation_id = ?"
        params: list[Any] = [conversation_id]
        if before_id is not None:
            sql += " AND id < ?"
            params.append(before_id)
        return int(self._db.read(lambda conn: conn.execute(sql, params).fetchone()[0]))

    def reply_totals(self, conversation_id: int, *, before_id: int | None = None) -> dict[str, int | None]:
        """Summed usage of the conversation's replies (those before `before_id` if given): token sums,
        `cost_ticks` (None when no reply had a cost) and `replies`. The UI adds the messages it holds
        to the totals of the older ones it has not loaded."""
        def work(conn: sqlite3.Connection) -> dict[str, int | None]:
            sql = ("SELECT COUNT(*) AS replies, COALESCE(SUM(input_tokens), 0) AS input_tokens,"
                   " COALESCE(SUM(cached_tokens), 0) AS cached_tokens, COALESCE(SUM(output_tokens), 0)"
                   " AS output_tokens, COALESCE(SUM(reasoning_tokens), 0) AS reasoning_tokens,"
                   " COALESCE(SUM(image_tokens), 0) AS image_tokens, SUM(cost_ticks) AS cost_ticks"
                   " FROM messages WHERE conversation_id = ? AND role = 'assistant'")
            params: list[Any] = [conversation_id]
            if before_id is not None:
                sql += " AND id < ?"
                params.append(before_id)
            row = conn.execute(sql, params).fetchone()
            keys = ("replies", "input_tokens", "cached_tokens", "output_tokens", "reasoning_tokens",
                    "image_tokens", "cost_ticks")
            return {key: row[key] for key in keys}

        return self._db.read(work)

    def list_messages(
        self, conversation_id: int, *, limit: int | None = None, before_id: int | None = None
    ) -> list[MessageRow]:
        """Oldest first, with attachments. `limit` keeps the newest N (before `before_id`),
        so a very long conversation can be paged in from the end."""
        def work(conn: sqlite3.Connection) -> list[MessageRow]:
            sql = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?"
            params: list[Any] = [conversation_id]
            if before_id is not None:
                sql += " AND id < ?"
                params.append(before_id)
            if limit is not None:
                sql += " ORDER BY id DESC LIMIT ?"
                params.append(int(limit))
                rows = conn.execute(sql, params).fetchall()[::-1]
            else:
                rows = conn.execute(sql + " ORDER BY id", params).fetchall()
            attachments: dict[int, list[Attachment]] = {}
            if rows:  # one query for the whole page, whatever its length
                for a in conn.execute(
                    f"SELECT {', '.join('a.' + c for c in ATTACHMENT_COLUMNS.split(', '))} FROM attachments a"
                    " JOIN messages m ON m.id = a.message_id"
                    " WHERE m.conversation_id = ? AND a.message_id BETWEEN ? AND ? ORDER BY a.id",
                    (conversation_id, rows[0]["id"], rows[-1]["id"]),
                ):
                    attachments.setdefault(a["message_id"], []).append(attachment_from_row(a))
            return [message_from_row(r, attachments.get(r["id"], ())) for r in rows]

        return self._db.read(work)

    # -- attachments ---------------------------------------------------------------------------
    def add_attachment(
        self, message_id: int, data: bytes, *, mime: str, name: str = "", width: int | None = None,
        height: int | None = None, original_width: int | None = None, original_height: int | None = None,
        original_bytes: int | None = None, detail: str = "auto",
    ) -> Attachment:
        """Store an encoded image (as sent to the API) for a message."""
        image = NewImage(data, mime, name, width, height, original_width, original_height, original_bytes, detail)

        def work(conn: sqlite3.Connection) -> Attachment:
            if conn.execute("SELECT 1 FROM messages WHERE id = ?", (message_id,)).fetchone() is None:
                raise NotFoundError(f"no message {message_id}")
            return self._get_attachment(conn, self._insert_attachment(conn, message_id, image))

        return self._db.write(work)

    def _insert_attachment(self, conn: sqlite3.Connection, message_id: int, image: NewImage) -> int:
        # Written inside the write transaction, so a concurrent delete cannot remove
        # the (de-duplicated) file between this check and our row's commit.
        sha256, file_name = self._images.put(image.data, image.mime)
        return self._insert_attachment_row(conn, message_id, image, sha256, file_name, len(image.data))

    def _insert_attachment_row(
        self, conn: sqlite3.Connection, message_id: int, image: NewImage, sha256: str, file_name: str,
        sent_bytes: int,
    ) -> int:
        """The row for an image file already in the folder (`image.data` is not used)."""
        cursor = conn.execute(
            "INSERT INTO attachments (message_id, name, mime, width, height, original_width, original_height,"
            " original_bytes, sent_bytes, detail, sha256, file_name, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (message_id, image.name, image.mime, image.width, image.height, image.original_width,
             image.original_height, image.original_bytes, sent_bytes, image.detail, sha256, file_name,
             self._now()),
        )
        return int(cursor.lastrowid)  # type: ignore[arg-type]

    def _get_attachment(self, conn: sqlite3.Connection, attachment_id: int) -> Attachment:
        row = conn.execute(f"SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE id = ?", (attachment_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no attachment {attachment_id}")
        return attachment_from_row(row)

    def get_attachment(self, attachment_id: int) -> Attachment | None:
        return self._read_optional(self._get_attachment, attachment_id)

    def attachment_path(self, attachment: Attachment) -> Path:
        return self._images.path(attachment.file_name)

    def attachment_bytes(self, attachment: Attachment) -> bytes | None:
        """The encoded image, or None when its file has gone missing."""
        return self._images.read(attachment.file_name)

    def attachment_data_url(self, attachment: Attachment) -> str | None:
        """`data:<mime>;base64,...` ready for an ImagePart, or None when the file is missing."""
        data = self.attachment_bytes(attachment)
        return None if data is None else data_url(attachment.mime, data)

    def sweep_orphan_images(self, older_than: float = 3600.0) -> list[str]:
        """Remove image files no row refers to (left by a crash between file write and commit)."""
        referenced = self._db.read(
            lambda conn: {r[0] for r in conn.execute("SELECT DISTINCT file_name FROM attachments")})
        return self._images.sweep(referenced, older_than=older_than)

    # -- crash recovery ------------------------------------------------------------------------
    def recover_interrupted(self, *, stale_after: float = STALE_STREAM_SECONDS) -> list[MessageRow]:
        """Mark replies left 'pending'/'streaming' by a dead process as 'interrupted'; return them.

        Rows another live grokterm process is still streaming into (updated within
        `stale_after` seconds) are left alone.
        """
        def work(conn: sqlite3.Connection) -> list[MessageRow]:
            now = self._now()
            candidates = conn.execute(
                "SELECT id, writer, updated_at FROM messages"
                " WHERE status IN ('pending', 'streaming') AND role = 'assistant'"
            ).fetchall()
            dead = [
                r["id"] for r in candidates
                if not _stream_still_running(r["writer"], r["updated_at"], now, stale_after)
            ]
            recovered = []
            for message_id in dead:
                conn.execute(
                    "UPDATE messages SET status = 'interrupted', error = COALESCE(error, ?), writer = NULL,"
                    " updated_at = ? WHERE id = ?",
                    (INTERRUPTED_ERROR, now, message_id),
                )
                recovered.append(self._get_message(conn, message_id))
            return recovered

        return self._db.write(work)
