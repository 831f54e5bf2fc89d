"""Inline citations as footnotes for plain CLI output: the streaming rewrite gives the same text
whatever the chunking, and the sources come out in the markers' numbering."""

from __future__ import annotations

from grokterm.commands.footnotes import MAX_PENDING, Footnotes, footnoted
from grokterm.xai.tools import Citation

TEXT = ("Intro [[2]](https://b.example/p_(q)) mid [[1]](https://a.example/) again [[2]](https://b.example/p_(q))"
        " [[[3]](https://c.example/) [not] [[x]](y) [[4]](bad url) tail [[5]](https://d.example/")


def test_every_chunking_gives_the_whole_texts_result() -> None:
    whole, sources = footnoted(TEXT, ())
    assert whole == ("Intro [1] mid [2] again [1] [[3] [not] [[x]](y) [[4]](bad url) tail "
                     "[[5]](https://d.example/")  # unfinished at the end: printed as it came
    assert [c.url for c in sources] == ["https://b.example/p_(q)", "https://a.example/", "https://c.example/"]
    for size in (1, 2, 3, 7):
        notes = Footnotes()
        pieces = [notes.feed(TEXT[i:i + size]) for i in range(0, len(TEXT), size)]
        assert "".join(pieces) + notes.flush() == whole, size
    for cut in range(len(TEXT)):
        notes = Footnotes()
        assert notes.feed(TEXT[:cut]) + notes.feed(TEXT[cut:]) + notes.flush() == whole, cut


def test_text_is_held_back_only_while_it_can_still_be_a_citation() -> None:
    notes = Footnotes()
    assert notes.feed("plain [") == "plain "
    assert notes.feed("[1]](https://a.example/x") == ""
    assert notes.feed(" no") == "[[1]](https://a.example/x no"  # a space ends any URL: not a citation
    assert notes.feed("[[9]](" + "u" * MAX_PENDING).startswith("[[9]](u")  # too long to be one
    assert notes.flush() == ""


def test_sources_follow_the_markers_then_the_uncited_citations() -> None:
    listed = (Citation("https://a.example/", "A"), Citation("https://z.example/", "Z"),
              Citation("https://b.example/p_(q)", "B"))
    _, sources = footnoted(TEXT, listed)
    assert [(c.url, c.title) for c in sources] == [
        ("https://b.example/p_(q)", "B"), ("https://a.example/", "A"), ("https://c.example/", None),
        ("https://z.example/", "Z")]
