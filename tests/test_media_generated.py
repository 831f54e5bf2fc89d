"""grokterm.media.generated: pictures are decoded before they are trusted, converted to what the file name
asks for, and written atomically."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from grokterm.media import ImageError
from grokterm.media.generated import convert_for, inspect_picture, output_paths, save_picture


def encoded(fmt: str, mode: str = "RGB", size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 200, 30, 128)[: len(mode)]).save(out, format=fmt)
    return out.getvalue()


def test_inspect_picture_reads_png_and_jpeg_and_refuses_the_rest() -> None:
    info = inspect_picture(encoded("PNG", "RGBA"))
    assert (info.mime, info.width, info.height) == ("image/png", 40, 30)
    assert inspect_picture(encoded("JPEG")).mime == "image/jpeg"
    with pytest.raises(ImageError):
        inspect_picture(b"\xff\xd8\xff" + b"not really a jpeg")  # right magic, broken body
    with pytest.raises(ImageError, match="BMP"):
        inspect_picture(encoded("BMP"))


@pytest.mark.parametrize("name, source, mode, expected", [
    ("a.png", "JPEG", "RGB", "PNG"),
    ("a.jpg", "PNG", "RGBA", "JPEG"),  # transparency flattened: JPEG has none
    ("a.webp", "JPEG", "RGB", "WEBP"),
    ("a.jpeg", "JPEG", "RGB", "JPEG"),  # same format: bytes untouched
    ("a.bin", "JPEG", "RGB", "JPEG"),  # unknown extension: bytes untouched
])
def test_convert_for_follows_the_extension(name, source, mode, expected) -> None:
    data = encoded(source, mode)
    mime = inspect_picture(data).mime
    converted, new_mime = convert_for(Path(name), data, mime)
    assert Image.open(io.BytesIO(converted)).format == expected
    assert (converted == data) == (expected == source)
    assert new_mime == f"image/{expected.lower()}"


def test_save_picture_leaves_no_partial_file(tmp_path) -> None:
    target = tmp_path / "pic.jpg"
    save_picture(target, b"abc")
    assert target.read_bytes() == b"abc" and [p.name for p in tmp_path.iterdir()] == ["pic.jpg"]
    with pytest.raises(OSError):
        save_picture(tmp_path / "missing" / "pic.jpg", b"abc")
    assert [p.name for p in tmp_path.iterdir()] == ["pic.jpg"]


def test_output_paths_in_a_folder(tmp_path) -> None:
    (tmp_path / "grokterm-20260101-120000.png").write_bytes(b"x")
    now = __import__("time").mktime((2026, 1, 1, 12, 0, 0, 0, 0, -1))
    first = output_paths(None, 1, "image/png", folder=tmp_path, now=now)
    assert first == [tmp_path / "grokterm-20260101-120000-1.png"]
    several = output_paths(None, 2, "image/jpeg", folder=tmp_path, now=now)
    assert [p.name for p in several] == ["grokterm-20260101-120000-1.jpg", "grokterm-20260101-120000-2.jpg"]
