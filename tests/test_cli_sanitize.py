"""The terminal sanitiser: escape sequences and control bytes out, all normal Unicode kept."""

from __future__ import annotations

import pytest

from grokterm.sanitize import MAX_PENDING, StreamSanitizer, sanitize_terminal

ATTACKS = {
    "clear screen (CSI)": ("a\x1b[2J\x1b[Hb", "ab"),
    "colour with params": ("\x1b[1;31mred\x1b[0m", "red"),
    "8-bit CSI": ("x\x9b31my", "xy"),
    "window title (OSC, BEL)": ("a\x1b]0;evil\x07b", "ab"),
    "hyperlink (OSC 8, ST)": ("\x1b]8;;http://e.x\x1b\\link\x1b]8;;\x1b\\", "link"),
    "8-bit OSC with 8-bit ST": ("a\x9d0;t\x9cb", "ab"),
    "DCS query": ("a\x1bP1$qm\x1b\\b", "ab"),
    "APC / PM / SOS": ("\x1b_x\x1b\\\x1b^y\x1b\\\x1bXz\x1b\\ok", "ok"),
    "charset switch (ESC ( 0)": ("a\x1b(0b", "ab"),
    "keypad mode (ESC =)": ("a\x1b=b", "ab"),
    "unterminated OSC eats the rest": ("a\x1b]0;never ends", "a"),
    "lone ESC at end": ("a\x1b", "a"),
    "C0 controls": ("a\x00b\x08c\x0bd\x0ce\x7ff", "abcdef"),
    "bare CR (overwrite)": ("safe\rEVIL", "safeEVIL"),
    "CRLF becomes LF": ("a\r\nb", "a\nb"),
}


@pytest.mark.parametrize("text, expected", ATTACKS.values(), ids=ATTACKS.keys())
def test_attacks_are_removed(text: str, expected: str) -> None:
    assert sanitize_terminal(text) == expected


def test_normal_text_is_untouched() -> None:
    text = "Hello\tworld\n« café » 漢字 😀 e\u0301 \u200d👩‍💻 ∑ — → ✓\n```py\nprint(1)\n```"
    assert sanitize_terminal(text) == text
    assert sanitize_terminal("") == ""


@pytest.mark.parametrize("step", [1, 2, 3, 5, 8])
def test_stream_sanitizer_matches_whole_text_for_any_split(step: int) -> None:
    text = "".join(t for t, _ in ATTACKS.values() if "unterminated" not in t) + "end\r\n"
    sanitizer = StreamSanitizer()
    out = "".join(sanitizer.feed(text[i : i + step]) for i in range(0, len(text), step)) + sanitizer.flush()
    assert out == sanitize_terminal(text)
    assert "\x1b" not in out and "evil" not in out


def test_stream_sanitizer_does_not_hold_back_forever() -> None:
    sanitizer = StreamSanitizer()
    assert sanitizer.feed("ok \x1b]0;") == "ok "  # held back: may be a title sequence
    flood = "x" * (MAX_PENDING + 10)
    assert sanitizer.feed(flood) == ""  # an OSC that never ends is dropped, not printed
    assert sanitizer.feed("plain") == "plain"
    assert sanitizer.flush() == ""
