"""The live reply widget: finished blocks are frozen so long replies don't slow down."""

from __future__ import annotations

from grokterm.ui.widgets.streaming_message import safe_split_point


def test_split_point_is_after_the_last_blank_line_outside_code():
    text = "para one\n\npara two\n\n```python\nx = 1\n\ny = 2\n```\n\ntail"
    split = safe_split_point(text)
    assert text[:split].endswith("```\n\n")
    assert text[split:] == "tail"


def test_no_split_inside_an_open_fence():
    text = "intro\n\n```\ncode\n\nmore code\n\nstill code"
    split = safe_split_point(text)
    assert text[:split] == "intro\n\n"


def test_no_split_without_a_blank_line():
    assert safe_split_point("just one long paragraph that keeps going") == 0
    assert safe_split_point("") == 0
