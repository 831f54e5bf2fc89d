"""The attach screen on its own (a tiny host app, no API): browsing, errors, clipboard, screenshots."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from test_ui_attach import corrupt, diagram, highlight, screenshots, settle
from textual.app import App
from ui_helpers import notifications

from grokterm.media import ImageError, prepare_image
from grokterm.ui.screens.attach_screen import AttachScreen

MISSING = object()


class PickerHost(App):
    """Opens the attach screen on `folder` and keeps what it returns."""

    def __init__(self, folder: Path, screenshot_dir: Path | None = None) -> None:
        super().__init__()
        self.folder = folder
        self.screenshot_dir = screenshot_dir
        self.result: object = MISSING

    def on_mount(self) -> None:
        self.push_screen(AttachScreen(self.folder, screenshot_dir=self.screenshot_dir), self._done)

    def _done(self, images) -> None:
        self.result = images


async def opened(app: PickerHost, pilot) -> AttachScreen:
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, AttachScreen)
    await screen.file_tree.reload()  # resolves once the folder is listed
    await pilot.pause()
    return screen


async def test_escape_attaches_nothing_and_chips_can_be_removed(tmp_path):
    diagram(tmp_path / "a.png")
    diagram(tmp_path / "b.png", (50, 40))
    app = PickerHost(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        for name in ("a.png", "b.png"):
            await highlight(pilot, screen, name)
            await pilot.press("enter")
            await settle(screen, pilot)
        assert [image.original_name for image in screen.picked] == ["a.png", "b.png"]
        screen.chips.chips[0].focus()
        await pilot.press("delete")
        await pilot.pause()
        assert [image.original_name for image in screen.picked] == ["b.png"]
        assert str(screen.query_one("#attach-done").label) == "Attach 1 image (ctrl+o)"
        await pilot.press("escape")
        await pilot.pause()
        assert app.result == []


async def test_a_corrupt_file_shows_why_in_the_preview_and_is_not_picked(tmp_path):
    bad = corrupt(tmp_path / "broken.png")
    with pytest.raises(ImageError) as expected:
        prepare_image(bad)
    app = PickerHost(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        await highlight(pilot, screen, "broken.png")
        assert str(screen.preview.query_one(".preview-error").render()) == str(expected.value)
        await pilot.press("enter")
        await settle(screen, pilot)
        assert screen.picked == []
        assert str(expected.value) in notifications(app)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert app.result == []


async def test_path_box_and_backspace_move_between_folders(tmp_path):
    diagram(tmp_path / "inner" / "deep.png")
    app = PickerHost(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        path_box = screen.query_one("#attach-path")
        path_box.focus()
        path_box.value = str(tmp_path / "inner")
        await pilot.press("enter")
        screen = await opened(app, pilot)
        assert [c.data.path.name for c in screen.file_tree.root.children] == ["deep.png"]
        assert app.focused is screen.file_tree
        await pilot.press("backspace")
        screen = await opened(app, pilot)
        assert Path(screen.file_tree.path) == tmp_path
        assert [c.data.path.name for c in screen.file_tree.root.children] == ["inner"]
        # an image file typed into the path box is picked
        path_box.value = str(tmp_path / "inner" / "deep.png")
        path_box.focus()
        await pilot.press("enter")
        await settle(screen, pilot)
        assert [image.original_name for image in screen.picked] == ["deep.png"]


async def test_ctrl_s_picks_the_latest_screenshot_and_ctrl_o_returns_it(tmp_path):
    screenshots(tmp_path / "shots")
    app = PickerHost(tmp_path, screenshot_dir=tmp_path / "shots")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("ctrl+s")
        await settle(screen, pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert [(i.original_name, i.width, i.height) for i in app.result] == [("Screenshot 2.png", 160, 120)]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux clipboard tools")
async def test_clipboard_without_a_tool_says_what_to_install(tmp_path, monkeypatch):
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    app = PickerHost(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("ctrl+v")
        await settle(screen, pilot)
        assert "Pasting images needs xclip: install the xclip package." in notifications(app)
        assert screen.picked == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux clipboard tools")
async def test_clipboard_image_through_a_fake_xclip(tmp_path, monkeypatch):
    png = diagram(tmp_path / "clip-source.png", (64, 32))
    fake = tmp_path / "bin" / "xclip"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        'for a in "$@"; do last="$a"; done\n'
        'if [ "$last" = TARGETS ]; then printf "TARGETS\\nimage/png\\n"; else cat "$CLIP_FILE"; fi\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("CLIP_FILE", str(png))
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    app = PickerHost(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("ctrl+v")
        await settle(screen, pilot)
        assert [(i.original_name, i.width, i.height) for i in screen.picked] == [("clipboard.png", 64, 32)]
