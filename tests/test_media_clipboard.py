"""grab_clipboard_image on Linux, without touching the real clipboard.

The "no tool" path runs with an empty PATH; the tool paths run fake `wl-paste`
/ `xclip` scripts (small Python programs) placed first on PATH.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from PIL import Image

from grokterm.media import ImageError, grab_clipboard_image

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fake tools are POSIX scripts")


@pytest.fixture
def linux(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Pretend to be on Linux with an empty PATH; returns the PATH folder for fake tools."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("PATH", str(bin_dir))
    for var in ("WAYLAND_DISPLAY", "DISPLAY"):
        monkeypatch.delenv(var, raising=False)
    return bin_dir


def fake_tool(bin_dir: Path, name: str, types: str, payload: Path | None, exit_code: int = 0) -> None:
    """A stand-in for wl-paste/xclip: lists `types`, prints `payload`'s bytes for any other request."""
    script = bin_dir / name
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"args = sys.argv[1:]\n"
        f"if {exit_code}:\n"
        f"    sys.stderr.write('Error: Nothing is copied\\n'); sys.exit({exit_code})\n"
        f"if '--list-types' in args or 'TARGETS' in args:\n"
        f"    print({types!r})\n"
        f"else:\n"
        f"    sys.stdout.buffer.write(open({str(payload)!r}, 'rb').read())\n"
    )
    script.chmod(0o755)


def png_file(path: Path, size=(120, 80)) -> Path:
    image = Image.new("RGB", size, (20, 120, 220))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_no_clipboard_tool_names_what_to_install(linux: Path) -> None:
    with pytest.raises(ImageError) as caught:
        grab_clipboard_image()
    message = str(caught.value)
    assert "install wl-clipboard (Wayland) or xclip (X11)" in message


def test_no_tool_on_wayland_names_wl_clipboard(linux: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    with pytest.raises(ImageError, match="install the wl-clipboard package"):
        grab_clipboard_image()


def test_no_tool_on_x11_names_xclip(linux: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    with pytest.raises(ImageError, match="install the xclip package"):
        grab_clipboard_image()


def test_wayland_image_is_prepared(linux: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    fake_tool(linux, "wl-paste", "text/plain\nimage/png", png_file(tmp_path / "c.png"))
    result = grab_clipboard_image(detail="low")
    assert (result.width, result.height, result.mime, result.detail) == (120, 80, "image/png", "low")
    assert result.original_name == "clipboard.png"


def test_x11_copied_file_uses_first_image(linux: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    picture = png_file(tmp_path / "copied picture.png", size=(64, 32))
    listing = tmp_path / "uris.txt"
    listing.write_text(f"# copied in a file manager\nfile://{tmp_path}/readme.txt\n{picture.as_uri()}\n")
    fake_tool(linux, "xclip", "TARGETS\ntext/uri-list", listing)
    result = grab_clipboard_image()
    assert result.original_name == "copied picture.png" and (result.width, result.height) == (64, 32)


def test_clipboard_without_image(linux: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    fake_tool(linux, "wl-paste", "text/plain\nUTF8_STRING", None)
    with pytest.raises(ImageError, match="The clipboard holds no image"):
        grab_clipboard_image()


def test_empty_clipboard_error_from_tool(linux: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    fake_tool(linux, "wl-paste", "", None, exit_code=1)
    with pytest.raises(ImageError, match="The clipboard holds no image"):
        grab_clipboard_image()
