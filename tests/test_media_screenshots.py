"""latest_screenshot: newest image by modification time, in a given folder or the platform's usual ones."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from grokterm.media import ImageError, latest_screenshot
from grokterm.media.screenshot_folders import default_screenshot_folders


def make(folder: Path, name: str, mtime: int, data: bytes = b"png") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))
    return path


def test_newest_image_in_given_folder(tmp_path: Path) -> None:
    make(tmp_path, "a.png", 1_000)
    newest = make(tmp_path, "b.jpg", 3_000)
    make(tmp_path, "c.webp", 2_000)
    make(tmp_path, "notes.txt", 9_000)  # newer, but not an image
    make(tmp_path, ".hidden.png", 9_000)  # newer, but hidden (e.g. a tool's temp file)
    make(tmp_path, "writing.png", 9_000, data=b"")  # newer, still empty: being written
    (tmp_path / "folder.png").mkdir()  # a folder with an image-like name
    assert latest_screenshot(tmp_path) == newest


def test_given_folder_counts_any_image_name(tmp_path: Path) -> None:
    only = make(tmp_path, "IMG_0001.PNG", 1_000)
    assert latest_screenshot(str(tmp_path)) == only


def test_empty_folder_is_a_clear_error(tmp_path: Path) -> None:
    make(tmp_path, "readme.md", 1_000)
    with pytest.raises(ImageError, match=r"^No screenshots found in .+"):
        latest_screenshot(tmp_path)


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match=r"screenshot folder .*gone does not exist"):
        latest_screenshot(tmp_path / "gone")


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="Linux/BSD folder layout")
def test_default_folders_on_linux(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("XDG_PICTURES_DIR", raising=False)
    pictures = home / "Pictures"
    assert default_screenshot_folders()[:2] == [(pictures / "Screenshots", True), (pictures, False)]

    with pytest.raises(ImageError, match="No screenshot folder found"):
        latest_screenshot()

    dedicated = make(pictures / "Screenshots", "Screenshot from 2024-05-01.png", 2_000)
    make(pictures, "holiday.jpg", 5_000)  # newer, but a photo in the shared Pictures folder
    assert latest_screenshot() == dedicated
    newer = make(pictures, "Screenshot_20240502.png", 3_000)  # older desktops save straight into Pictures
    assert latest_screenshot() == newer


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="Linux/BSD folder layout")
def test_xdg_pictures_dir_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_PICTURES_DIR", str(tmp_path / "Bilder"))
    shot = make(tmp_path / "Bilder" / "Screenshots", "x.png", 1_000)
    assert default_screenshot_folders()[0] == (tmp_path / "Bilder" / "Screenshots", True)
    assert latest_screenshot() == shot
