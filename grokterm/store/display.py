"""Plain-text helpers for showing stored conversations on a terminal (history/export/import commands).

Message text can come from the model, which is untrusted: anything printed on a
terminal has its control characters (escape sequences included) removed.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from datetime import datetime


def one_line(text: str, limit: int | None = None) -> str:
    """`text` on one line, without control characters, optionally shortened."""
    cleaned = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    cleaned = " ".join(cleaned.split())
    if limit is not None and len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return cleaned


def inline(text: str) -> str:
    """Like one_line, but keeps one leading/trailing space (for pieces of a longer line)."""
    cleaned = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return re.sub(r"\s+", " ", cleaned)


def printable_document(text: str) -> str:
    """A multi-line document safe for a terminal: control characters other than newline and tab removed."""
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).astimezone().strftime("%Y-%m-%d %H:%M")


def fail(message: str) -> int:
    print(f"grokterm: error: {one_line(message)}", file=sys.stderr)
    return 1
