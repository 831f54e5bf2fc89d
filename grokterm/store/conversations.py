"""Conversations: create, list (the sidebar's hot path), rename, archive, draft, delete."""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

from grokterm.store.base import CONVERSATION_COLUMNS, StoreBase, conversation_from_row, like_pattern
from grokterm.store.errors import NotFoundError
from grokterm.store.fts_query import fts_query
from grokterm.store.keyvalue import conversation_options_key
from grokterm.store.rows import Conversation, UsageTotals
from grokterm.store.search import match_floor

_UPDATABLE = frozenset({"title", "model", "system_prompt", "archived", "draft", "last_response_id", "updated_at"})


def derive_title(text: str, limit: int = 60) -> str:
    """A conversation title from its first user message: first non-empty line, shortened."""
    line = next((" ".join(ln.split()) for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


class ConversationsMixin(StoreBase):
    def create_conversation(
        self, title: str = "", model: str | None = None, system_prompt: str | None = None,
        origin: str | None = None,
    ) -> Conversation:
        def work(conn: sqlite3.Connection) -> Conversation:
            return self._insert_conversation(conn, title=title, model=model, system_prompt=system_prompt,
                                             origin=origin)

        return self._db.write(work)

    def _insert_conversation(
        self, conn: sqlite3.Connection, *, title: str, model: str | None, system_prompt: str | None,
        uid: str | None = None, created_at: float | None = None, updated_at: float | None = None,
        archived: bool = False, draft: str = "", origin: str | None = None,
    ) -> Conversation:
        now = self._now()
        created = now if created_at is None else created_at
        cursor = conn.execute(
            "INSERT INTO conversations (uid, title, model, system_prompt, created_at, updated_at, archived, draft,"
            " origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (uid or uuid.uuid4().hex, title, model, system_prompt, created,
             created if updated_at is None else updated_at, int(archived), draft, origin),
        )
        return self._get_conversation(conn, int(cursor.lastrowid))  # type: ignore[arg-type]

    def _get_conversation(self, conn: sqlite3.Connection, conversation_id: int) -> Conversation:
        row = conn.execute(
            f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no conversation {conversation_id}")
        return conversation_from_row(row)

    def get_conversation(self, conversation_id: int) -> Conversation | None:
        return self._read_optional(self._get_conversation, conversation_id)

    def find_conversation(self, ref: str) -> Conversation | None:
        """By numeric id, or by uid (or a unique uid prefix of at least 6 characters)."""
        ref = ref.strip()

        def work(conn: sqlite3.Connection) -> Conversation | None:
            if ref.isdigit():
                row = conn.execute(
                    f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?", (int(ref),)
                ).fetchone()
                if row:
                    return conversation_from_row(row)
            if len(ref) < 6:
                return None
            rows = conn.execute(
                f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE uid >= ? AND uid < ? LIMIT 2",
                (ref.lower(), ref.lower() + "\uffff"),
            ).fetchall()
            return conversation_from_row(rows[0]) if len(rows) == 1 else None

        return self._db.read(work)

    def list_conversations(
        self, limit: int = 50, archived: bool | None = False, query: str | None = None, offset: int = 0
    ) -> list[Conversation]:
        """Newest activity first. `archived=None` lists both; `query` matches the title
        (substring) or message text (full-text; for a query matching more than
        search.RANK_WINDOW messages, only the newest RANK_WINDOW matches count)."""
        text = (query or "").strip()
        match = fts_query(text, prefix_last=True) if text else None

        def work(conn: sqlite3.Connection) -> list[Conversation]:
            where: list[str] = []
            params: list[Any] = []
            if archived is not None:
                where.append("archived = ?")
                params.append(int(archived))
            if text:
                alternatives = ["title LIKE ? ESCAPE '\\'"]
                params.append(like_pattern(text))
                if match:
                    alternatives.append(
                        "id IN (SELECT m.conversation_id FROM messages_fts"
                        " JOIN messages m ON m.id = messages_fts.rowid"
                        " WHERE messages_fts MATCH ? AND messages_fts.rowid >= ?)"
                    )
                    params += [match, match_floor(conn, match) or 0]
                where.append("(" + " OR ".join(alternatives) + ")")
            sql = f"SELECT {CONVERSATION_COLUMNS} FROM conversations"
            if where:
                sql += " WHERE " + " AND ".join(where)
            sql += " ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?"
            params += [int(limit), int(offset)]
            return [conversation_from_row(r) for r in conn.execute(sql, params)]

        return self._db.read(work)

    def update_conversation(self, conversation_id: int, **fields: Any) -> Conversation:
        """Change any of: title, model, system_prompt, archived, draft, last_response_id, updated_at."""
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise TypeError(f"cannot update conversation field(s): {', '.join(sorted(unknown))}")
        if "archived" in fields:
            fields["archived"] = int(bool(fields["archived"]))

        def work(conn: sqlite3.Connection) -> Conversation:
            if fields:
                assignments = ", ".join(f"{name} = ?" for name in fields)
                cursor = conn.execute(
                    f"UPDATE conversations SET {assignments} WHERE id = ?", [*fields.values(), conversation_id]
                )
                if cursor.rowcount == 0:
                    raise NotFoundError(f"no conversation {conversation_id}")
            return self._get_conversation(conn, conversation_id)

        return self._db.write(work)

    def rename_conversation(self, conversation_id: int, title: str) -> Conversation:
        return self.update_conversation(conversation_id, title=title)

    def archive_conversation(self, conversation_id: int, archived: bool = True) -> Conversation:
        return self.update_conversation(conversation_id, archived=archived)

    def save_draft(self, conversation_id: int, text: str) -> None:
        """Keep the composer's unsent text; does not move the conversation up the list."""
        self.update_conversation(conversation_id, draft=text)

    def delete_conversation(self, conversation_id: int) -> bool:
        """Delete the conversation, its messages, attachments and now-unused image files.

        Its turn options go too. Its response-index entries stay (with conversation_id cleared): the server
        still holds those responses until they expire or are deleted there.
        """

        def work(conn: sqlite3.Connection) -> bool:
            files = [
                r[0] for r in conn.execute(
                    "SELECT a.file_name FROM attachments a JOIN messages m ON m.id = a.message_id"
                    " WHERE m.conversation_id = ?", (conversation_id,),
                )
            ]
            deleted = conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,)).rowcount
            # its turn options: ids are reused (INTEGER PRIMARY KEY), so a later conversation must not inherit them
            conn.execute("DELETE FROM ui_state WHERE key = ?", (conversation_options_key(conversation_id),))
            self._remove_unreferenced_files(conn, files)
            return bool(deleted)

        return self._db.write(work)

    def conversation_usage(self, conversation_id: int) -> UsageTotals:
        """Summed tokens and cost of the conversation's replies (for the sidebar)."""

        def work(conn: sqlite3.Connection) -> UsageTotals:
            row = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(input_tokens), 0), COALESCE(SUM(cached_tokens), 0),"
                " COALESCE(SUM(output_tokens), 0), COALESCE(SUM(reasoning_tokens), 0),"
                " COALESCE(SUM(cost_ticks), 0) FROM messages WHERE conversation_id = ?",
                (conversation_id,),
            ).fetchone()
            return UsageTotals(*(int(v) for v in row))

        return self._db.read(work)
