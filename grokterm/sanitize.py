"""The one path from untrusted text (server, file, user, config) to displayable text.

Everything that comes from outside (model output, server error text, model and
response ids, reasoning summaries, conversation titles, file names, config and
theme values, imported data) is *data*: it must never reach the terminal as an
escape sequence, never become Rich/Textual markup or a click action, and never
hide or reorder what the user reads.

`display_text` (alias `sanitize_terminal`) does the text part:
- drops whole escape sequences: CSI `ESC [ … final`, OSC/DCS/SOS/PM/APC strings
  `ESC ] P X ^ _ … BEL|ST`, two-byte `ESC x`, and their 8-bit C1 forms. A string
  sequence that is never terminated loses only its introducer: its payload stays
  visible instead of swallowing the rest of the text;
- drops every other C0/C1 control character except newline and tab; `\\r\\n`
  becomes `\\n`, a lone `\\r` (text overwriting itself) is dropped;
- makes bidi controls (U+202E …) and invisible characters (zero-width space,
  word joiner, BOM, tag characters …) *visible* as `⟨U+XXXX⟩`, so text cannot
  be reordered or carry hidden content. The joiners that real writing needs are
  kept: ZWJ inside emoji sequences, ZWNJ between letters, tags in flag sequences.

`display_line` folds it onto one line. `literal` wraps it in a `rich.text.Text`,
which Textual and Rich show as-is: never parsed as markup. The UI layer's
builders (`grokterm.ui.safe`) are thin wrappers over these; a test
(`tests/test_sanitize_call_sites.py`) scans the UI for display calls that skip them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.text import Text

_STRING_INTRO = r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])"
_STRING_BODY = r"[^\x00-\x1f\x7f-\x9f]"  # a string sequence's payload: no control characters
_SEQUENCES = re.compile(
    rf"""
      (?:\x1b\[|\x9b) [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?           # CSI (final byte optional: cut)
    | {_STRING_INTRO} {_STRING_BODY}*? (?:\x07|\x1b\\|\x9c)            # OSC, DCS, SOS, PM, APC
    | {_STRING_INTRO}                                                  # never terminated: introducer only
    | \x1b [\x20-\x2f]* [\x30-\x7e]?                                   # other ESC sequences
    """,
    re.VERBOSE | re.DOTALL,
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# Characters that reorder text or are invisible. Shown as ⟨U+XXXX⟩ (see _reveal for the exceptions).
_INVISIBLE_CLASS = (
    "\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\U0001d173-\U0001d17a\U000e0000-\U000e007f"
)
_INVISIBLE = re.compile(f"[{_INVISIBLE_CLASS}]")
_LINE_SEPARATORS = re.compile("[\u2028\u2029\x85]")
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{_INVISIBLE_CLASS}]")

_ZWNJ, _ZWJ = "\u200c", "\u200d"
_EMOJI_PARTS = re.compile("[\ufe0f\u20e3\U0001f3fb-\U0001f3ff]")


def _is_emoji(char: str) -> bool:
    return bool(char) and (unicodedata.category(char) in ("So", "Sk") or bool(_EMOJI_PARTS.match(char)))


def _is_letter(char: str) -> bool:
    return bool(char) and unicodedata.category(char)[0] in ("L", "M")


def _reveal(match: re.Match[str]) -> str:
    char, text, at = match.group(0), match.string, match.start()
    before = text[at - 1] if at else ""
    after = text[at + 1] if at + 1 < len(text) else ""
    if char == _ZWJ and (_is_emoji(before) or _is_emoji(after)):
        return char  # 👩‍💻: a joiner inside an emoji sequence
    if char == _ZWNJ and _is_letter(before) and _is_letter(after):
        return char  # Persian/Indic writing needs it between letters
    if "\U000e0020" <= char <= "\U000e007f":
        start = at
        while start and at - start < 8 and "\U000e0020" <= text[start - 1] <= "\U000e007f":  # flags use <= 7
            start -= 1
        if start and text[start - 1] == "\U0001f3f4":
            return char  # subdivision flags: 🏴 + tag letters + cancel tag
    return f"⟨U+{ord(char):04X}⟩"


def display_text(text: str) -> str:
    """`text` without escape sequences or control characters (\\n and \\t kept), hidden characters shown."""
    if not text or not _UNSAFE.search(text):  # fast path: most text has nothing to remove
        return text
    text = text.replace("\r\n", "\n")
    text = _CONTROLS.sub("", _SEQUENCES.sub("", text))
    text = _LINE_SEPARATORS.sub("\n", text)
    return _INVISIBLE.sub(_reveal, text)


sanitize_terminal = display_text  # the name the commands have used since the start


def pasted_text(text: str) -> str:
    """A paste as the composer inserts it: `display_text`, with every line end a newline first
    (terminals send a pasted line break as \r; display_text would drop a lone \r)."""
    return display_text(text.replace("\r\n", "\n").replace("\r", "\n"))


def display_line(text: str, limit: int | None = None) -> str:
    """`display_text` on one line: runs of whitespace (newlines too) become one space, trimmed, optionally
    cut to `limit` characters with an ellipsis."""
    cleaned = re.sub(r"\s+", " ", display_text(text)).strip()
    if limit is not None and len(cleaned) > limit:
        cleaned = cleaned[: max(limit - 1, 0)].rstrip() + "…"
    return cleaned


def literal(text: str, style: str = "", *, one_line: bool = False) -> Text:
    """A `rich.text.Text` of `display_text(text)`: drawn as written, never parsed as markup."""
    from rich.text import Text

    return Text(display_line(text) if one_line else display_text(text), style=style)


# An escape sequence still open at the end of the text: held back until it ends.
_OPEN_TAIL = re.compile(
    rf"""
      (?:\x1b\[|\x9b) [\x30-\x3f]* [\x20-\x2f]* \Z                      # CSI without its final byte
    | {_STRING_INTRO} {_STRING_BODY}* \x1b? \Z                           # string without terminator (yet)
    | \x1b [\x20-\x2f]* \Z                                               # bare ESC (+ intermediates)
    """,
    re.VERBOSE | re.DOTALL,
)
MAX_PENDING = 4096


class StreamSanitizer:
    """`display_text` for text arriving in pieces (streamed deltas).

    A sequence split across deltas (`"\\x1b]0;ti"` + `"tle\\x07"`) would otherwise
    leave its payload behind as visible text; the open tail is held back (up to
    MAX_PENDING characters) until the next piece completes it. Call `flush()` at the end.
    """

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, chunk: str) -> str:
        text = self._pending + chunk if self._pending else chunk
        self._pending = ""
        if not _UNSAFE.search(text):
            return text
        tail = _OPEN_TAIL.search(text)
        if tail and len(text) - tail.start() <= MAX_PENDING:
            self._pending, text = text[tail.start() :], text[: tail.start()]
        elif text.endswith("\r"):  # may be the first half of \r\n
            self._pending, text = "\r", text[:-1]
        elif text.endswith((_ZWJ, _ZWNJ)):  # kept or shown depends on both neighbours
            self._pending, text = text[-2:], text[:-2]
        return display_text(text)

    def flush(self) -> str:
        text, self._pending = self._pending, ""
        return display_text(text)
