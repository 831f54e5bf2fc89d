"""What an image generation asked for (how many pictures, which model), kept with its prompt row.

Why: a generation that failed or was stopped has no pictures to count, so `r` (retry) and `e`
(edit) on it could not ask again the way the user did (`/image -n 3 -m MODEL …`). The request
is written in the same transaction as the prompt (`add_message(image_request=…)`), deleted with
it (cascade) and carried by JSON export/import.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from grokterm.store.base import StoreBase


@dataclass(frozen=True)
class ImageRequestRow:
    n: int = 1
    model: str | None = None  # as the user chose it; None: the app's image model at the time


def write_image_request(conn: sqlite3.Connection, message_id: int, request: ImageRequestRow) -> None:
    """For use inside a write transaction."""
    conn.execute("INSERT OR REPLACE INTO image_requests (message_id, n, model) VALUES (?, ?, ?)",
                 (message_id, int(request.n), request.model))


def read_image_request(conn: sqlite3.Connection, message_id: int) -> ImageRequestRow | None:
    row = conn.execute("SELECT n, model FROM image_requests WHERE message_id = ?", (message_id,)).fetchone()
    return None if row is None else ImageRequestRow(int(row[0]), row[1])


class ImageRequestsMixin(StoreBase):
    def image_request(self, message_id: int) -> ImageRequestRow | None:
        """The request recorded with an image prompt (None for older rows and other messages)."""
        return self._db.read(lambda conn: read_image_request(conn, message_id))
