"""Errors the store raises, so callers can tell "not there" from "busy" from "bad file".

The UI and CLI catch `StoreError` and show its one-line message; nothing here
ever contains message text or secrets.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base class for every store failure."""


class NotFoundError(StoreError):
    """The conversation, message or response asked for does not exist."""


class StoreBusyError(StoreError):
    """Another process kept the database locked longer than we are willing to wait."""


class SchemaTooNewError(StoreError):
    """The database was written by a newer grokterm; we refuse to touch it."""


class ImportFormatError(StoreError):
    """A file given to `import_json` is not a grokterm conversation export."""


class StorageFault(StoreError):
    """The database file or its disk failed: damaged, full, read-only or unreadable.

    Its message is one line: what failed, where, and what to do. Nothing already
    saved is touched by the failure (SQLite rolls the transaction back).
    """


def describe_fault(error: BaseException, path: object) -> str:
    """One line for a sqlite3/OS error on the database at `path`: what, where, what to do."""
    import errno

    reason = str(error).strip() or type(error).__name__
    text = reason.lower()
    code = getattr(error, "errno", None)
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (f"the history database {path} is damaged ({reason}); it was left untouched: move it aside "
                f"(mv '{path}' '{path}.broken') to start a new one, or set GROKTERM_DB to another file")
    if "disk is full" in text or code == errno.ENOSPC or "no space" in text:
        return (f"the disk holding {path} is full ({reason}); free some space and try again "
                "(what was saved before is kept)")
    if "readonly" in text or "read-only" in text or code in (errno.EROFS, errno.EACCES, errno.EPERM) \
            or "unable to open" in text or "permission denied" in text:
        return (f"cannot write the history database {path} ({reason}); check the folder's permissions, "
                "or set GROKTERM_DATA_DIR / GROKTERM_DB to a writable place")
    if "disk i/o error" in text or isinstance(error, OSError):
        return f"cannot use the history database {path} ({reason}); check the disk and try again"
    return f"the history database {path} failed ({reason})"
