"""parse_pasted_paths: the forms terminals use for dropped files, and prose that must stay prose."""

from __future__ import annotations

from pathlib import Path

import pytest

from grokterm.media import parse_pasted_paths


@pytest.fixture
def images(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "My Shots"
    folder.mkdir()
    files = {
        "plain": tmp_path / "shot.png",
        "spaced": folder / "Screen Shot 1.PNG",
        "quote": tmp_path / "Bob's pic.jpg",
        "notes": tmp_path / "notes.txt",
    }
    for path in files.values():
        path.write_bytes(b"x")  # existence and extension are what count here; decoding comes later
    return files


def test_plain_absolute_path(images: dict[str, Path]) -> None:
    paths, rest = parse_pasted_paths(f"what is in {images['plain']} please")
    assert paths == [images["plain"]]
    assert rest == "what is in please"


def test_backslash_escaped_spaces(images: dict[str, Path]) -> None:
    escaped = str(images["spaced"]).replace(" ", "\\ ")
    paths, rest = parse_pasted_paths(f"{escaped} describe it")
    assert paths == [images["spaced"]]
    assert rest == "describe it"


@pytest.mark.parametrize("quote", ["'", '"'])
def test_quoted_path_with_spaces(images: dict[str, Path], quote: str) -> None:
    paths, rest = parse_pasted_paths(f"compare {quote}{images['spaced']}{quote} and {images['plain']}")
    assert paths == [images["spaced"], images["plain"]]
    assert rest == "compare and"


def test_shell_style_quote_inside_single_quotes(images: dict[str, Path]) -> None:
    # GNOME Terminal drops /tmp/Bob's pic.jpg as '/tmp/Bob'\''s pic.jpg'
    dropped = "'" + str(images["quote"]).replace("'", "'\\''") + "'"
    paths, rest = parse_pasted_paths(dropped)
    assert paths == [images["quote"]] and rest == ""


def test_file_url_with_percent_escapes(images: dict[str, Path]) -> None:
    url = images["spaced"].as_uri()
    assert "%20" in url
    paths, rest = parse_pasted_paths(f"{url}\nwhat does it show?")
    assert paths == [images["spaced"]]
    assert rest == "what does it show?"


def test_tilde_expansion(images: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(images["plain"].parent))
    paths, rest = parse_pasted_paths("look at ~/shot.png")
    assert paths == [images["plain"]] and rest == "look at"


def test_trailing_punctuation_stays_text(images: dict[str, Path]) -> None:
    paths, rest = parse_pasted_paths(f"see ({images['plain']}), then answer.")
    assert paths == [images["plain"]]
    assert rest == "see (), then answer."


def test_same_file_twice_is_attached_once(images: dict[str, Path]) -> None:
    paths, rest = parse_pasted_paths(f"{images['plain']} {images['plain'].as_uri()}")
    assert paths == [images["plain"]] and rest == ""


@pytest.mark.parametrize(
    "text",
    [
        "/definitely/not/here.png is missing",
        "rename shot.png to other.png",  # bare names are prose, even if the file exists in the cwd
        "don't look at 'this' it's fine",
        "a path to a folder /tmp and a plain sentence.",
        "",
    ],
)
def test_text_without_attachments_comes_back_unchanged(text: str, images: dict[str, Path], monkeypatch) -> None:
    monkeypatch.chdir(images["plain"].parent)
    assert parse_pasted_paths(text) == ([], text)


def test_existing_non_image_file_stays_text(images: dict[str, Path]) -> None:
    text = f"summarise {images['notes']}"
    assert parse_pasted_paths(text) == ([], text)


def test_multiline_text_keeps_its_lines(images: dict[str, Path]) -> None:
    text = f"first line\n{images['plain']}\n  indented code\nlast"
    paths, rest = parse_pasted_paths(text)
    assert paths == [images["plain"]]
    assert rest == "first line\n\n  indented code\nlast"


def test_dot_relative_path_counts(images: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(images["plain"].parent)
    paths, rest = parse_pasted_paths("./shot.png")
    assert [p.resolve() for p in paths] == [images["plain"].resolve()] and rest == ""


def test_windows_style_keeps_backslashes_literal(tmp_path: Path) -> None:
    odd = tmp_path / "a\\b.png"  # on POSIX a backslash is a legal file-name character
    odd.write_bytes(b"x")
    paths, _ = parse_pasted_paths(f'"{odd}"', backslash_escapes=False)
    assert paths == [odd]


def test_quoted_path_followed_by_punctuation(images: dict[str, Path]) -> None:
    paths, rest = parse_pasted_paths(f"is '{images['spaced']}', right?")
    assert paths == [images["spaced"]]
    assert rest == "is, right?"
