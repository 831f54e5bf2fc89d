"""Plain-text helpers for showing stored conversations on a terminal (history/export/import commands).

Message text can come from the model, which is untrusted: everything printed goes
through grokterm.sanitize, which drops escape sequences and control characters.
"""

from __future__ import annotations

import re
from datetime import datetime

from grokterm.sanitize import sanitize_terminal


def inline(text: str) -> str:
    """Safe text with every run of whitespace (newlines too) folded to one space, ends kept."""
    return re.sub(r"\s+", " ", sanitize_terminal(text))


def one_line(text: str, limit: int | None = None) -> str:
    """Safe text on one line, trimmed, optionally shortened to `limit` characters."""
    cleaned = inline(text).strip()
    if limit is not None and len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return cleaned


def when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).astimezone().strftime("%Y-%m-%d %H:%M")


def origin_label(origin: str | None) -> str:
    """A 3-column tag for where a conversation started: "ask" (the CLI) or "app"."""
    return one_line(origin or "app", 3).ljust(3)
