"""Make untrusted model text safe to print on a terminal.

A reply can contain escape sequences that clear the screen, retitle the window,
write hyperlinks or (on some terminals) answer back into the input. We drop
whole sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL|ST`, DCS/SOS/PM/APC
`ESC P|X|^|_ … ST`, two-byte `ESC x`), their 8-bit C1 forms, and every other
C0/C1 control character except newline and tab. `\\r\\n` becomes `\\n`; a lone
`\\r` (which would let text overwrite itself) is dropped. All other Unicode,
including emoji, CJK and combining marks, is kept as is.
"""

from __future__ import annotations

import re

_SEQUENCES = re.compile(
    r"""
      (?:\x1b\[|\x9b) [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?          # CSI (final byte optional: cut)
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]) .*? (?:\x07|\x1b\\|\x9c|$)  # OSC, DCS, SOS, PM, APC
    | \x1b [\x20-\x2f]* [\x30-\x7e]?                                  # other ESC sequences
    """,
    re.VERBOSE | re.DOTALL,
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def sanitize_terminal(text: str) -> str:
    """`text` without escape sequences or control characters (\\n and \\t kept)."""
    if not text:
        return text
    if not _CONTROLS.search(text):  # fast path: most deltas contain no control character
        return text
    text = text.replace("\r\n", "\n")
    return _CONTROLS.sub("", _SEQUENCES.sub("", text))


# An escape sequence still open at the end of the text: held back until it ends.
_OPEN_TAIL = re.compile(
    r"""
      (?:\x1b\[|\x9b) [\x30-\x3f]* [\x20-\x2f]* \Z                     # CSI without its final byte
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]) (?:(?!\x07|\x1b\\|\x9c).)* \Z  # string without terminator
    | \x1b [\x20-\x2f]* \Z                                               # bare ESC (+ intermediates)
    """,
    re.VERBOSE | re.DOTALL,
)
MAX_PENDING = 4096


class StreamSanitizer:
    """`sanitize_terminal` for text arriving in pieces (streamed deltas).

    A sequence split across deltas (`"\\x1b]0;ti"` + `"tle\\x07"`) would otherwise
    leave its payload behind as visible text; the open tail is held back (up to
    MAX_PENDING characters) until the next piece completes it. Call `flush()` at the end.
    """

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, chunk: str) -> str:
        text = self._pending + chunk if self._pending else chunk
        self._pending = ""
        if not _CONTROLS.search(text):
            return text
        tail = _OPEN_TAIL.search(text)
        if tail and len(text) - tail.start() <= MAX_PENDING:
            self._pending, text = text[tail.start() :], text[: tail.start()]
        elif text.endswith("\r"):  # may be the first half of \r\n
            self._pending, text = "\r", text[:-1]
        return sanitize_terminal(text)

    def flush(self) -> str:
        text, self._pending = self._pending, ""
        return sanitize_terminal(text)
