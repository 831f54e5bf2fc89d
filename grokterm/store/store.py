"""`Store`: the one synchronous API the UI, `ask` and the CLI use for everything kept locally.

Every method is a short transaction, safe to call from any thread (connections
come from a pool, see database.py) and from several processes at once (WAL,
busy timeout, retries). It blocks, so the UI calls it from worker threads.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from grokterm import paths
from grokterm.store.database import BUSY_TIMEOUT_SECONDS, Database, create_private_file, tighten_sidecar_files
from grokterm.store.errors import StorageFault, describe_fault
from grokterm.store.exchange import ExchangeMixin
from grokterm.store.images import ImageFiles
from grokterm.store.keyvalue import KeyValueMixin
from grokterm.store.schema import CURRENT_VERSION, migrate, schema_version
from grokterm.store.search import SearchMixin
from grokterm.store.sources import SourcesMixin


class Store(ExchangeMixin, SearchMixin, KeyValueMixin, SourcesMixin):
    """Open (creating or upgrading) the database at `path` (default: paths.database_file()).

    Image files go to `images_dir` (default: an `images` folder next to the
    database, i.e. data_dir()/images for the default location), so a database
    and its images always travel together.
    """

    def __init__(
        self, path: str | Path | None = None, *, images_dir: str | Path | None = None,
        clock: Callable[[], float] = time.time, busy_timeout: float = BUSY_TIMEOUT_SECONDS,
    ) -> None:
        self.path = Path(path) if path is not None else paths.database_file()
        self._clock = clock
        self._images = ImageFiles(Path(images_dir) if images_dir is not None else self.path.parent / "images")
        try:
            create_private_file(self.path)
        except OSError as error:  # a read-only or full data folder
            raise StorageFault(describe_fault(error, self.path)) from None
        self._db = Database(self.path, busy_timeout=busy_timeout)
        try:
            self._db.run_autocommit(lambda conn: conn.execute("PRAGMA journal_mode = WAL").fetchone())
            self._db.run_autocommit(migrate)
        except sqlite3.DatabaseError as error:  # "file is not a database", "malformed"
            self._db.close()
            raise StorageFault(describe_fault(error, self.path)) from None
        except BaseException:
            self._db.close()
            raise
        tighten_sidecar_files(self.path)

    @property
    def images_dir(self) -> Path:
        return self._images.folder

    @property
    def schema_version(self) -> int:
        return self._db.read(schema_version)

    def close(self) -> None:
        """Close every idle connection; calls after this raise StoreError."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


__all__ = ["CURRENT_VERSION", "Store"]
