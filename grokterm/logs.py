"""grokterm's debug log: a small rotating file in the data folder, redacted like error messages.

Modules log with the standard library (`logging.getLogger(__name__)`); nothing is written
until the CLI calls `setup_logging` once at start. By default only warnings reach the file
(every swallowed exception is logged as one, with its traceback); `grokterm --debug` logs
everything from grokterm's own modules. Each line goes through `grokterm.xai.errors.redact`,
and the key in use is registered with `add_secret`, so the API key never reaches the file.
The file is created private (0600) and rotates at LOG_BYTES, keeping LOG_BACKUPS old ones.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
from pathlib import Path

from grokterm import paths
from grokterm.xai.errors import redact

LOG_NAME = "grokterm.log"
LOG_BYTES = 256 * 1024
LOG_BACKUPS = 2
_ROOT = "grokterm"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_secrets: set[str] = set()


def add_secret(secret: str | None) -> None:
    """Remove `secret` from every later log line (the key in use, however it was found)."""
    if secret and len(secret) >= 4:
        _secrets.add(secret)


class RedactingFormatter(logging.Formatter):
    """Formats as usual (message, traceback, stack), then redacts the whole text."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), _secrets | {os.environ.get("XAI_API_KEY") or ""})


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating file handler whose files are created readable by the user only."""

    def _open(self) -> io.TextIOWrapper:
        previous = os.umask(0o077)
        try:
            return super()._open()
        finally:
            os.umask(previous)

    def handleError(self, record: logging.LogRecord) -> None:
        """A full disk must not print "--- Logging error ---" over the TUI: drop the record."""


def log_file() -> Path:
    return paths.data_dir() / LOG_NAME


def setup_logging(*, debug: bool = False, path: Path | None = None) -> Path | None:
    """Send grokterm's log records to the rotating file; returns its path (None if unwritable).

    Safe to call again (tests, `main()` called twice): the previous handler is replaced.
    """
    logger = logging.getLogger(_ROOT)
    for handler in list(logger.handlers):
        if isinstance(handler, _PrivateRotatingFileHandler):
            logger.removeHandler(handler)
            handler.close()
    logger.setLevel(logging.DEBUG if debug else logging.WARNING)
    logger.propagate = False  # our records go to our file only, never to a terminal the TUI draws on
    target = path or log_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handler = _PrivateRotatingFileHandler(target, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS,
                                              encoding="utf-8", delay=True)
    except OSError:
        logger.addHandler(logging.NullHandler())
        return None
    handler.setFormatter(RedactingFormatter(_FORMAT))
    logger.addHandler(handler)
    return target
