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
    "unterminated OSC keeps the rest visible": ("a\x1b]0;never ends", "a0;never ends"),
    "unterminated OSC before a newline": ("a\x1b]52;c;QUJD\nrest of the reply", "a52;c;QUJD\nrest of the reply"),
    "OSC 52 clipboard write": ("a\x1b]52;c;SGFja2Vk\x07b", "ab"),
    "bidi override made visible": ("abc\u202edef\u202c", "abc⟨U+202E⟩def⟨U+202C⟩"),
    "bidi isolates made visible": ("\u2066x\u2069", "⟨U+2066⟩x⟨U+2069⟩"),
    "zero-width space and word joiner": ("pay\u200bpal\u2060", "pay⟨U+200B⟩pal⟨U+2060⟩"),
    "BOM and tag characters (hidden text)": ("\ufeffhi\U000e0041\U000e0042", "⟨U+FEFF⟩hi⟨U+E0041⟩⟨U+E0042⟩"),
    "stray zero-width joiner": ("a\u200db", "a⟨U+200D⟩b"),
    "line separators become newlines": ("a\u2028b\u2029c", "a\nb\nc"),
    "lone ESC at end": ("a\x1b", "a"),
    "C0 controls": ("a\x00b\x08c\x0bd\x0ce\x7ff", "abcdef"),
    "bare CR (overwrite)": ("safe\rEVIL", "safeEVIL"),
    "CRLF becomes LF": ("a\r\nb", "a\nb"),
}


@pytest.mark.parametrize("text, expected", ATTACKS.values(), ids=ATTACKS.keys())
def test_attacks_are_removed(text: str, expected: str) -> None:
    assert sanitize_terminal(text) == expected


def test_normal_text_is_untouched() -> None:
    text = ("Hello\tworld\n« café » 漢字 😀 e\u0301 \u200d👩‍💻 ∑ — → ✓ 👍🏽 ❤️ "
            "🏴\U000e0067\U000e0062\U000e0073\U000e0063"
            "\U000e0074\U000e007f می\u200cخواهم\n```py\nprint(1)\n```")
    assert sanitize_terminal(text) == text
    assert sanitize_terminal("") == ""


@pytest.mark.parametrize("step", [1, 2, 3, 5, 8])
def test_stream_sanitizer_matches_whole_text_for_any_split(step: int) -> None:
    text = "".join(t for t, _ in ATTACKS.values()) + "end\r\n👩\u200d💻 a\u200db"
    sanitizer = StreamSanitizer()
    out = "".join(sanitizer.feed(text[i : i + step]) for i in range(0, len(text), step)) + sanitizer.flush()
    assert out == sanitize_terminal(text)
    assert "\x1b" not in out and "evil" not in out and "SGFja2Vk" not in out


def test_stream_sanitizer_does_not_hold_back_forever() -> None:
    sanitizer = StreamSanitizer()
    assert sanitizer.feed("ok \x1b]0;") == "ok "  # held back: may be a title sequence
    flood = "x" * (MAX_PENDING + 10)
    # an OSC that never ends loses its introducer; its text is shown rather than swallowing the reply
    assert sanitizer.feed(flood) == "0;" + flood
    assert sanitizer.feed("plain") == "plain"
    assert sanitizer.flush() == ""


def test_an_unterminated_osc_in_a_stream_does_not_drop_the_rest() -> None:
    sanitizer = StreamSanitizer()
    out = sanitizer.feed("start \x1b]0;tit") + sanitizer.feed("le\nthe rest of the reply") + sanitizer.flush()
    assert out == "start 0;title\nthe rest of the reply"


def test_display_line_and_literal() -> None:
    from rich.text import Text

    from grokterm.sanitize import display_line, literal

    assert display_line("  a\n\x1b[31mb\u202e  c ", 6) == "a b⟨U…"
    text = literal("[/] [@click=app.quit]x[/]\x1b]52;c;QQ==\x07", "bold")
    assert isinstance(text, Text) and text.plain == "[/] [@click=app.quit]x[/]" and not text.spans


def test_sanitising_hostile_floods_is_linear() -> None:
    import time

    from grokterm.sanitize import display_text

    started = time.process_time()
    floods = ("\x1b]" * 50_000, "\x1b[" * 50_000, "\U000e0041" * 50_000, "\u200d" * 50_000, "\x1bP" + "a" * 200_000)
    for flood in floods:
        display_text(flood)
    assert time.process_time() - started < 5  # ~0.1 s; quadratic behaviour would take minutes
