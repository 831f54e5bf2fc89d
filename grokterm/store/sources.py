"""A reply's search results (citations, tool calls, tool usage) kept next to the reply.

Written in the same transaction as the reply's final row (`finish_message(sources=...)`),
so a reply never exists without the sources it cites; deleted with the message (cascade).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from grokterm.store.base import StoreBase
from grokterm.store.rows import MessageSources


def _json_list(text: str | None) -> tuple[dict[str, Any], ...]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return ()
    return tuple(item for item in value if isinstance(item, dict)) if isinstance(value, list) else ()


def _json_dict(text: str | None) -> dict[str, Any] | None:
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def write_sources(conn: sqlite3.Connection, message_id: int, sources: Mapping[str, Any] | None) -> None:
    """Replace the reply's row (none when `sources` is empty). For use inside a write transaction."""
    conn.execute("DELETE FROM message_sources WHERE message_id = ?", (message_id,))
    if not sources:
        return
    citations = list(sources.get("citations") or [])
    tool_calls = list(sources.get("tool_calls") or [])
    usage = sources.get("tool_usage")
    if not (citations or tool_calls or usage):
        return
    conn.execute(
        "INSERT INTO message_sources (message_id, citations, tool_calls, tool_usage) VALUES (?, ?, ?, ?)",
        (message_id, json.dumps(citations), json.dumps(tool_calls), None if usage is None else json.dumps(usage)),
    )


class SourcesMixin(StoreBase):
    def set_sources(self, message_id: int, sources: Mapping[str, Any] | None) -> None:
        self._db.write(lambda conn: write_sources(conn, message_id, sources))

    def sources_of(self, message_ids: Iterable[int]) -> dict[int, MessageSources]:
        """Search results of these messages (only those that have some), by message id."""
        ids: Sequence[int] = list(dict.fromkeys(int(i) for i in message_ids))

        def read(conn: sqlite3.Connection) -> dict[int, MessageSources]:
            found: dict[int, MessageSources] = {}
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ", ".join("?" * len(chunk))
                for row in conn.execute(
                    f"SELECT message_id, citations, tool_calls, tool_usage FROM message_sources"
                    f" WHERE message_id IN ({marks})", chunk,
                ):
                    found[row[0]] = MessageSources(row[0], _json_list(row[1]), _json_list(row[2]),
                                                   _json_dict(row[3]))
            return found

        return self._db.read(read) if ids else {}
