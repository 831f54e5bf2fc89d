"""Small JSON key/value tables: UI state (open tabs, active tab, ...) and caches with a fetch time.

Why in the database and not a separate file: one place with the same
permissions, crash safety and multi-process locking as everything else.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from grokterm.store.base import StoreBase
from grokterm.store.rows import CacheEntry

OPEN_TABS = "open_tabs"  # list of conversation ids, in tab order
ACTIVE_TAB = "active_tab"  # conversation id
MODELS_CACHE = "models"  # the language-model list as the API returned it
# + a conversation id: that conversation's turn options (grokterm.chat.options), exported with it
CONVERSATION_OPTIONS = "conversation_options:"
TEMPERATURE_RANGE = (0.0, 2.0)  # a turn option's limits (see grokterm.chat.options for the source)


def conversation_options_key(conversation_id: int) -> str:
    return f"{CONVERSATION_OPTIONS}{int(conversation_id)}"


class KeyValueMixin(StoreBase):
    def ui_get(self, key: str, default: Any = None) -> Any:
        row = self._db.read(lambda conn: conn.execute("SELECT value FROM ui_state WHERE key = ?", (key,)).fetchone())
        return default if row is None else json.loads(row[0])

    def ui_set(self, key: str, value: Any) -> None:
        """Store any JSON-serialisable value; None deletes the key."""
        def work(conn: sqlite3.Connection) -> None:
            if value is None:
                conn.execute("DELETE FROM ui_state WHERE key = ?", (key,))
            else:
                conn.execute(
                    "INSERT INTO ui_state (key, value, updated_at) VALUES (?, ?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                    (key, json.dumps(value), self._now()),
                )

        self._db.write(work)

    def cache_get(self, key: str, max_age: float | None = None) -> CacheEntry | None:
        """The cached value and when it was fetched; None if absent or older than `max_age` seconds."""
        row = self._db.read(
            lambda conn: conn.execute("SELECT value, fetched_at FROM cache WHERE key = ?", (key,)).fetchone()
        )
        if row is None or (max_age is not None and self._now() - row["fetched_at"] > max_age):
            return None
        return CacheEntry(json.loads(row["value"]), row["fetched_at"])

    def cache_set(self, key: str, value: Any, fetched_at: float | None = None) -> None:
        fetched = self._now() if fetched_at is None else float(fetched_at)
        self._db.write(
            lambda conn: conn.execute(
                "INSERT INTO cache (key, value, fetched_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value, fetched_at = excluded.fetched_at",
                (key, json.dumps(value), fetched),
            )
        )

    def cache_clear(self, key: str | None = None) -> None:
        if key is None:
            self._db.write(lambda conn: conn.execute("DELETE FROM cache"))
        else:
            self._db.write(lambda conn: conn.execute("DELETE FROM cache WHERE key = ?", (key,)))
