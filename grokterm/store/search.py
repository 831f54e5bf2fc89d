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

# bm25 needs, per query, a pass over every row the query matches; for a word found
# in most messages of a big store (like "the") that took seconds. Above this many
# matches we rank only the most recent RANK_WINDOW of them (finding that window is
# a cheap walk of the index in rowid order). Measured on 1M messages: bench_store.py.
RANK_WINDOW = 10_000


def match_floor(conn: sqlite3.Connection, match: str, window: int | None = None) -> int | None:
    """The smallest message id among the `window` newest matches, or None if there are fewer."""
    window = RANK_WINDOW if window is None else window
    row = conn.execute(
        "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?",
        (match, window - 1),
    ).fetchone()
    return None if row is None else int(row[0])


class SearchMixin(StoreBase):
    def search(
        self, query: str, *, limit: int = 50, conversation_id: int | None = None,
        include_archived: bool = True, prefix_last: bool = False,
    ) -> list[SearchHit]:
        """Best matches first. Words are ANDed, "quoted phrases" kept together, `word*`
        is a prefix; `prefix_last=True` treats the last word as a prefix (type-ahead).
        When a query matches more than RANK_WINDOW messages, only the newest
        RANK_WINDOW matches are ranked (within one conversation, all are)."""
        match = fts_query(query, prefix_last=prefix_last)
        if match is None:
            return []
        sql = (
            "SELECT m.id AS message_id, m.conversation_id, m.role, m.created_at, c.title, c.archived, c.origin,"
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

        def work(conn: sqlite3.Connection) -> list[SearchHit]:
            query_sql, query_params = sql, list(params)
            floor = match_floor(conn, match) if conversation_id is None else None
            if floor is not None:
                query_sql += " AND messages_fts.rowid >= ?"
                query_params.append(floor)
            query_sql += " ORDER BY rank, m.id DESC LIMIT ?"
            query_params.append(int(limit))
            return [
                SearchHit(
                    conversation_id=r["conversation_id"], conversation_title=r["title"], archived=bool(r["archived"]),
                    message_id=r["message_id"], role=r["role"], created_at=r["created_at"], rank=r["rank"],
                    parts=split_snippet(r["snip"] or ""), conversation_origin=r["origin"],
                )
                for r in conn.execute(query_sql, query_params)
            ]

        return self._db.read(work)
