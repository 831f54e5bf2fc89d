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
