"""SQLite connections shared safely by UI worker threads and by other grokterm processes.

Why a small pool instead of one connection per thread: Textual starts a new
thread for many workers, so thread-local connections would pile up. Each store
call borrows an idle connection (or opens one), uses it on one thread only and
gives it back; WAL mode lets readers run while one writer commits.

Why BEGIN IMMEDIATE plus a retry loop: a deferred transaction that later wants
to write can fail at once with "database is locked" (busy_timeout does not apply
to that upgrade). Taking the write lock up front lets busy_timeout wait, and the
retry loop covers a writer in another process holding the lock even longer.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from grokterm.store.errors import StorageFault, StoreBusyError, StoreError, describe_fault

T = TypeVar("T")

BUSY_TIMEOUT_SECONDS = 5.0
MAX_ATTEMPTS = 6  # with the busy timeout: up to ~30 s of waiting before giving up
MAX_IDLE_CONNECTIONS = 4


def make_private_dir(path: Path) -> None:
    """Create `path` and any missing parents with mode 0700 (existing folders are left alone)."""
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue  # another process made it first
        os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask


def create_private_file(path: Path) -> bool:
    """Create an empty file readable only by its owner; returns False when it already existed."""
    make_private_dir(path.parent)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    os.chmod(path, 0o600)
    return True


def tighten_sidecar_files(db_path: Path) -> None:
    """Make the -wal/-shm files 0600 like the database (SQLite copies the mode; this makes sure)."""
    for suffix in ("-wal", "-shm"):
        sidecar = db_path.with_name(db_path.name + suffix)
        try:
            mode = stat.S_IMODE(sidecar.stat().st_mode)
            if mode & 0o077:
                os.chmod(sidecar, 0o600)
        except OSError:
            pass  # absent, or not ours to change


def is_busy_error(error: sqlite3.Error) -> bool:
    name = getattr(error, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return True
    text = str(error).lower()
    return "database is locked" in text or "database is busy" in text


_FAULTS = ("disk is full", "readonly", "read-only", "malformed", "not a database", "unable to open",
           "disk i/o error", "corrupt", "no such file")


def is_storage_fault(error: sqlite3.Error) -> bool:
    """The file or its disk failed (as opposed to a busy lock or a bad query)."""
    return type(error) in (sqlite3.OperationalError, sqlite3.DatabaseError) and any(
        fault in str(error).lower() for fault in _FAULTS)


class Database:
    """A pool of autocommit connections to one SQLite file, with read and write helpers."""

    def __init__(self, path: Path, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.path = Path(path)
        self._busy_timeout = busy_timeout
        self._lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._all: set[sqlite3.Connection] = set()
        self._closed = False

    # -- connections -------------------------------------------------------------------------
    def _open_connection(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            str(self.path), timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: commits survive a process crash
        return conn

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """Borrow a connection for the current thread; it goes back to the pool afterwards."""
        with self._lock:
            if self._closed:
                raise StoreError("the store is closed")
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._open_connection()
            with self._lock:
                self._all.add(conn)
        try:
            yield conn
        finally:
            if conn.in_transaction:  # an exception escaped mid-transaction
                conn.execute("ROLLBACK")
            with self._lock:
                if not self._closed and len(self._idle) < MAX_IDLE_CONNECTIONS:
                    self._idle.append(conn)
                    conn = None
                else:
                    self._all.discard(conn)
            if conn is not None:
                conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            for conn in idle:
                self._all.discard(conn)
        for conn in idle:
            conn.close()

    # -- transactions ------------------------------------------------------------------------
    def _with_retry(self, attempt: Callable[[], T]) -> T:
        delay = 0.05
        for number in range(1, MAX_ATTEMPTS + 1):
            try:
                return attempt()
            except sqlite3.DatabaseError as error:
                if is_storage_fault(error):  # full, read-only, damaged: one clear line for the user
                    raise StorageFault(describe_fault(error, self.path)) from error
                if not isinstance(error, sqlite3.OperationalError) or not is_busy_error(error):
                    raise
                if number == MAX_ATTEMPTS:
                    raise StoreBusyError(
                        f"the database stayed locked by another process: {self.path.name}"
                    ) from error
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
        raise AssertionError("unreachable")

    def read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` in one read transaction (a consistent snapshot, never blocks writers)."""

        def attempt() -> T:
            with self.connection() as conn:
                conn.execute("BEGIN")
                try:
                    return work(conn)
                finally:
                    conn.execute("COMMIT")

        return self._with_retry(attempt)

    def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` in one short write transaction, committed before returning.

        `work` may run more than once when the database is busy, so it must not have
        side effects outside the database that cannot be repeated.
        """

        def attempt() -> T:
            with self.connection() as conn:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = work(conn)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
                return result

        return self._with_retry(attempt)

    def run_autocommit(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run statements that must be outside a transaction (PRAGMA journal_mode, VACUUM)."""

        def attempt() -> T:
            with self.connection() as conn:
                return work(conn)

        return self._with_retry(attempt)
