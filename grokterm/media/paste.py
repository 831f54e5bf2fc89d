"""Find image files pasted or dropped into the composer as text.

Terminals turn a drag-and-drop into text: macOS Terminal and iTerm2 escape
spaces with backslashes, GNOME Terminal and Konsole wrap paths in single
quotes, Windows Terminal in double quotes, some send file:// URLs. This
module recognises those forms without Pillow (the composer calls it on every
paste), and only takes a token when it names an existing file with an image
extension. Bare relative names ("shot.png") stay text: people type file names
in prose, while drops are always absolute; "./shot.png" and "~/shot.png" count.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

IMAGE_EXTENSIONS = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".heif", ".avif"}
)
_LEADING_PUNCTUATION = "([{<"
_TRAILING_PUNCTUATION = ",.;:!?)]}>"


@dataclass(frozen=True)
class _Token:
    start: int  # span in the original text
    end: int
    value: str  # quotes and escapes removed


def parse_pasted_paths(text: str, *, backslash_escapes: bool | None = None) -> tuple[list[Path], str]:
    """Split pasted text into (existing image files, the remaining text).

    `backslash_escapes` defaults to True except on Windows, where a backslash is
    a path separator. Text without any attachment comes back unchanged.
    """
    if backslash_escapes is None:
        backslash_escapes = os.name != "nt"
    paths: list[Path] = []
    spans: list[tuple[int, int]] = []
    for token in _tokens(text, backslash_escapes):
        found = _attachment(token, text)
        if found is None:
            continue
        path, span = found
        spans.append(span)
        if path not in paths:
            paths.append(path)
    if not spans:
        return [], text
    return paths, _remove_spans(text, spans)


def is_image_path(path: Path) -> bool:
    """An existing regular file whose extension says image."""
    try:
        return path.suffix.lower() in IMAGE_EXTENSIONS and path.is_file()
    except (OSError, ValueError):
        return False


def path_from_text(value: str) -> Path | None:
    """The path a token means (file:// URL, ~ or absolute or ./ path), or None for other words."""
    if value.lower().startswith("file://"):
        parsed = urlparse(value)
        if parsed.netloc not in ("", "localhost"):
            return None
        return Path(url2pathname(parsed.path))
    if value.startswith("~"):
        try:
            return Path(value).expanduser()
        except RuntimeError:  # ~someone-unknown
            return None
    relative_prefixes = ("./", "../") + ((".\\", "..\\") if os.name == "nt" else ())
    if os.path.isabs(value) or value.startswith(relative_prefixes):
        return Path(value)
    return None


def _attachment(token: _Token, text: str) -> tuple[Path, tuple[int, int]] | None:
    path = path_from_text(token.value)
    if path is not None and is_image_path(path):
        return path, (token.start, token.end)
    raw = text[token.start : token.end]
    # Punctuation around a path in prose: "(see /tmp/a.png)," — trim it off the raw text.
    lead = len(raw) - len(raw.lstrip(_LEADING_PUNCTUATION))
    trail = len(raw) - len(raw.rstrip(_TRAILING_PUNCTUATION))
    if not lead and not trail:
        return None
    for cut_lead in range(lead, -1, -1):
        for cut_trail in range(trail, -1, -1):
            if not cut_lead and not cut_trail:
                continue
            value = token.value[cut_lead : len(token.value) - cut_trail]
            path = path_from_text(value)
            if path is not None and is_image_path(path):
                return path, (token.start + cut_lead, token.end - cut_trail)
    return None


def _tokens(text: str, backslash_escapes: bool) -> Iterator[_Token]:
    """Shell-like words with their spans. A quote only opens a quoted part at the start of a
    word or right after another quoted/escaped part, and only if it is closed before a word
    boundary: apostrophes in prose ("don't", "'twas ... isn't") stay literal."""
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start, parts, may_quote = i, [], True
        while i < n and not text[i].isspace():
            char = text[i]
            if char in "'\"" and may_quote:
                close = text.find(char, i + 1)
                after = text[close + 1 : close + 2] if close != -1 else ""
                if close != -1 and (not after or after.isspace() or after in "'\"\\" + _TRAILING_PUNCTUATION):
                    parts.append(text[i + 1 : close])
                    i = close + 1
                    continue
            if char == "\\" and backslash_escapes and i + 1 < n:
                parts.append(text[i + 1])
                i += 2
                may_quote = True
                continue
            parts.append(char)
            may_quote = False
            i += 1
        yield _Token(start, i, "".join(parts))


def _remove_spans(text: str, spans: list[tuple[int, int]]) -> str:
    pieces, last = [], 0
    for start, end in sorted(spans):
        pieces.append(text[last:start])
        last = end
    pieces.append(text[last:])
    result = pieces[0]
    for piece in pieces[1:]:
        left, right = result.rstrip(" \t"), piece.lstrip(" \t")
        spaced = left != result and right != piece  # the removed path stood between blanks: keep one
        joiner = " " if spaced and left and right and not left.endswith("\n") and not right.startswith("\n") else ""
        result = left + joiner + right
    return result.strip()


def why_not_attached(text: str) -> str | None:
    """Why a paste that is just one path was not attached, for a message; None when it is not a lone path.

    Without it, a dropped folder, named pipe, symlink loop or SVG silently became text in the draft.
    The path is only stat'ed, never opened (opening a FIFO would block).
    """
    import errno
    import stat

    tokens = list(_tokens(text.strip(), os.name != "nt"))
    if len(tokens) != 1:
        return None
    path = path_from_text(tokens[0].value)
    if path is None or is_image_path(path):
        return None
    try:
        mode = path.stat().st_mode
    except OSError as error:
        if error.errno == errno.ELOOP:
            return f"not attached: {path} is a symbolic link loop"
        if path.suffix.lower() in IMAGE_EXTENSIONS | {".svg", ".svgz"}:
            return f"not attached: {path} does not exist" + ("" if error.errno == errno.ENOENT else
                                                             f" or cannot be read ({error.strerror})")
        return None
    except ValueError:
        return None
    if stat.S_ISDIR(mode):
        return f"not attached: {path} is a folder (ctrl+o opens the picker to choose images in it)"
    if stat.S_ISFIFO(mode):
        return f"not attached: {path} is a named pipe (FIFO), not an image file"
    if stat.S_ISSOCK(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return f"not attached: {path} is a device or socket, not an image file"
    if path.suffix.lower() in (".svg", ".svgz"):
        return f"not attached: {path} is an SVG (vector) image; convert it to PNG first (the API takes bitmaps)"
    return None
