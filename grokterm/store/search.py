"""Full-text search over message text (SQLite FTS5, ranked by bm25, with snippets).

The same call serves the UI's search box and `grokterm history search`. User
input is quoted by fts_query, so any text is safe to pass in.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from grokterm.store.base import StoreBase
from grokterm.store.fts_query import fts_query, split_snippet
from grokterm.store.rows import SearchHit

SNIPPET_TOKENS = 16


class SearchMixin(StoreBase):
    def search(
        self, query: str, *, limit: int = 50, conversation_id: int | None = None,
        include_archived: bool = True, prefix_last: bool = False,
    ) -> list[SearchHit]:
        """Best matches first. Words are ANDed, "quoted phrases" kept together, `word*`
        is a prefix; `prefix_last=True` treats the last word as a prefix (type-ahead)."""
        match = fts_query(query, prefix_last=prefix_last)
        if match is None:
            return []
        sql = (
            "SELECT m.id AS message_id, m.conversation_id, m.role, m.created_at, c.title, c.archived,"
            f" snippet(messages_fts, 0, char(1), char(2), '…', {SNIPPET_TOKENS}) AS snip,"
            " messages_fts.rank AS rank"
            " FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
            " JOIN conversations c ON c.id = m.conversation_id"
            " WHERE messages_fts MATCH ?"
        )
        params: list[Any] = [match]
        if conversation_id is not None:
            sql += " AND m.conversation_id = ?"
            params.append(conversation_id)
        if not include_archived:
            sql += " AND c.archived = 0"
        sql += " ORDER BY rank, m.id DESC LIMIT ?"
        params.append(int(limit))

        def work(conn: sqlite3.Connection) -> list[SearchHit]:
            return [
                SearchHit(
                    conversation_id=r["conversation_id"], conversation_title=r["title"], archived=bool(r["archived"]),
                    message_id=r["message_id"], role=r["role"], created_at=r["created_at"], rank=r["rank"],
                    parts=split_snippet(r["snip"] or ""),
                )
                for r in conn.execute(sql, params)
            ]

        return self._db.read(work)
