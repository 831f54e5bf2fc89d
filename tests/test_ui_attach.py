"""Attaching images in the real GrokApp against the emulator: paste, typed paths, chips, picker, screenshot.

Every wait is on a worker or a screen change, never a sleep. The helpers at the
top are shared with tests/test_vision.py.
"""

from __future__ import annotations

import os
import re
import types
from pathlib import Path
from types import SimpleNamespace

import pytest
import ui_helpers
from PIL import Image, ImageDraw
from textual import events
from ui_helpers import make_app as _make_app
from ui_helpers import notifications, wait_started, wait_until

from grokterm.media import ImageError, human_size, prepare_image
from grokterm.ui import attach
from grokterm.ui.app import GrokApp
from grokterm.ui.screens.attach_screen import AttachScreen
from grokterm.ui.widgets.attachment_chips import AttachmentChip, AttachmentChips
from grokterm.ui.widgets.conversation_pane import ConversationPane

# grokterm's default model, grok-4-0709, is text-only in xAI's /v1/language-models example (and so in the
# emulator): image tests run on a vision model.
VISION_MODEL = "grok-4-fast-reasoning"


def make_app(emulator, tmp_path: Path, **overrides) -> GrokApp:
    overrides.setdefault("default_model", VISION_MODEL)
    return _make_app(emulator, tmp_path, **overrides)

SIZE = (120, 40)


# -- helpers (also used by test_vision.py) ---------------------------------------------------
async def started(app: GrokApp, pilot) -> ConversationPane:
    """Wait for start-up, the first pane's history and the model list (vision checks need it)."""
    pane = await wait_started(app, pilot)
    for worker in [w for w in app.workers if w.group == "models"]:
        await worker.wait()
    await pilot.pause()
    assert app.models, "the model list did not load"
    return pane


async def settle(node, pilot, group: str = "attach") -> None:
    await ui_helpers.settle(node, pilot, group)


async def paste(app: GrokApp, pilot, pane: ConversationPane, text: str) -> None:
    """A bracketed paste into the focused composer, as a terminal sends it."""
    pane.composer.focus()
    await pilot.pause()
    app.post_message(events.Paste(text))
    await pilot.pause()
    await settle(pane, pilot)


def chip_texts(node) -> list[str]:
    return [chip.chip_text for chip in node.query(AttachmentChip)]


def diagram(path: Path, size: tuple[int, int] = (300, 200)) -> Path:
    """A PNG with four flat colours: prepare_image keeps it PNG at the same size."""
    image = Image.new("RGB", size, (250, 250, 250))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rectangle((0, 0, w // 2, h // 2), fill=(200, 40, 40))
    draw.rectangle((w // 2, h // 2, w - 1, h - 1), fill=(40, 40, 200))
    draw.ellipse((w // 4, h // 4, 3 * w // 4, 3 * h // 4), fill=(40, 160, 60))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def corrupt(path: Path) -> Path:
    """A truncated PNG: the header promises an image, the data stops early."""
    good = diagram(path.with_name("source-" + path.name)).read_bytes()
    path.write_bytes(good[: len(good) // 3])
    return path


# -- paste -------------------------------------------------------------------------------
async def test_pasted_quoted_path_with_spaces_becomes_a_chip_and_the_rest_stays(emulator, tmp_path):
    image = diagram(tmp_path / "my pictures" / "team chart.png", (640, 480))
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(app, pilot)
        await paste(app, pilot, pane, f"'{image}' what does this chart say?")
        assert pane.composer.text == "what does this chart say?"
        assert len(pane.attachments) == 1
        assert pane.attachments[0].original_name == "team chart.png"
        assert chip_texts(pane) == [pane.attachments[0].chip_text()]
        assert chip_texts(pane)[0].startswith("team chart.png 640×480 ") and "→ 640×480 PNG" in chip_texts(pane)[0]
        assert pane.query_one(AttachmentChips).display


async def test_pasted_backslash_escaped_path_keeps_the_text_around_it(emulator, tmp_path):
    image = diagram(tmp_path / "shots" / "screen shot 1.png")
    (tmp_path / "notes.txt").write_text("hi")
    escaped = str(image).replace(" ", "\\ ")
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(app, pilot)
        pane.composer.load_text("Compare ")
        pane.composer.move_cursor(pane.composer.document.end)
        await paste(app, pilot, pane, f"{escaped} with the old one")
        assert pane.composer.text == "Compare with the old one"
        assert [a.original_name for a in pane.attachments] == ["screen shot 1.png"]
        # a paste that names no image file is plain text
        pane.composer.load_text("")
        await paste(app, pilot, pane, f"{tmp_path / 'notes.txt'} is a text file")
        assert pane.composer.text == f"{tmp_path / 'notes.txt'} is a text file"
        assert len(pane.attachments) == 1


async def test_corrupt_image_is_reported_and_nothing_else_changes(emulator, tmp_path):
    good = diagram(tmp_path / "good.png")
    bad = corrupt(tmp_path / "broken [/b].png")  # a name that is invalid Textual markup
    with pytest.raises(ImageError) as expected:
        prepare_image(bad)
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(app, pilot)
        await paste(app, pilot, pane, str(good))
        pane.composer.load_text("my draft")
        pane.composer.move_cursor(pane.composer.document.end)
        await paste(app, pilot, pane, f"'{bad}'")
        await pilot.pause()  # the notification is drawn: literal text, no markup error
        assert str(expected.value) in notifications(app)
        assert pane.composer.text == "my draft"
        assert [a.original_name for a in pane.attachments] == ["good.png"]
        assert len(chip_texts(pane)) == 1


async def test_a_vanished_file_is_reported_and_the_same_image_is_attached_once(emulator, tmp_path):
    image = diagram(tmp_path / "soon gone.png")
    twice = diagram(tmp_path / "once.png")
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(app, pilot)
        image.unlink()
        attach.attach_paths(pane, [image])
        await settle(pane, pilot)
        assert pane.attachments == []
        assert any("soon gone.png" in message for message in notifications(app))
        await paste(app, pilot, pane, str(twice))
        await paste(app, pilot, pane, str(twice))
        assert len(pane.attachments) == 1
        assert "once.png is already attached." in notifications(app)


# -- chips -------------------------------------------------------------------------------
async def test_chips_show_a_thumbnail_and_delete_or_backspace_removes_the_focused_one(emulator, tmp_path):
    first, second = diagram(tmp_path / "first.png", (400, 200)), diagram(tmp_path / "second.png", (100, 80))
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(app, pilot)
        await paste(app, pilot, pane, f"{first} {second}")
        assert [a.original_name for a in pane.attachments] == ["first.png", "second.png"]
        thumb = pane.query(AttachmentChip).first().query_one(".chip-thumb")
        assert "-placeholder" not in thumb.classes
        assert (thumb.size.width, thumb.size.height) == (12, 3)  # a 2:1 picture in 3 rows of half-cells
        lines = [strip.text for strip in thumb.render_lines(thumb.region.reset_offset)]
        assert len(lines) == 3 and all(set(line) == {"▀"} for line in lines)
        await pilot.press("shift+tab")  # from the composer to the last chip
        assert isinstance(app.focused, AttachmentChip) and app.focused.image.original_name == "second.png"
        await pilot.press("delete")
        await pilot.pause()
        assert [a.original_name for a in pane.attachments] == ["first.png"]
        assert isinstance(app.focused, AttachmentChip) and app.focused.image.original_name == "first.png"
        await pilot.press("backspace")
        await pilot.pause()
        assert pane.attachments == [] and chip_texts(pane) == []
        assert not pane.query_one(AttachmentChips).display
        assert app.focused is pane.composer


# -- typed paths -----------------------------------------------------------------------------
async def test_a_typed_path_is_attached_on_enter_and_a_second_enter_sends(emulator, tmp_path):
    image = diagram(tmp_path / "typed.png")
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(app, pilot)
        pane.composer.focus()
        pane.composer.load_text("!echo see /nowhere/logo.png")  # names no existing file: sent as typed
        await pilot.press("enter")
        await settle(pane, pilot)
        await pane.turn_worker.wait()
        await pilot.pause()
        assert pane.messages[-1].text == "see /nowhere/logo.png"
        pane.turn_worker = None
        pane.composer.load_text(f"what is in {image} ?")
        await pilot.press("enter")
        await settle(pane, pilot)
        assert pane.turn_worker is None  # nothing sent yet: the user sees the chip first
        assert [a.original_name for a in pane.attachments] == ["typed.png"]
        assert pane.composer.text == "what is in ?"
        assert any("Press enter to send" in message for message in notifications(app))
        await pilot.press("enter")
        await pilot.pause()
        await pane.turn_worker.wait()
        await pilot.pause()
        assert pane.messages[-1].status == "complete"
        assert "Image 1: PNG, 300×200 px" in pane.messages[-1].text


# -- the picker screen -----------------------------------------------------------------------------
async def open_picker(app: GrokApp, pilot) -> AttachScreen:
    await pilot.press("ctrl+o")
    await wait_until(pilot, lambda: isinstance(app.screen, AttachScreen), what="the attach screen")
    screen = app.screen
    assert isinstance(screen, AttachScreen)
    await tree_loaded(screen, pilot)
    return screen


async def tree_loaded(screen: AttachScreen, pilot) -> None:
    """Wait until the tree shows its folder (reload() resolves when the loading queue is done)."""
    await pilot.pause()
    await screen.file_tree.reload()
    await pilot.pause()


async def highlight(pilot, screen: AttachScreen, name: str) -> None:
    tree = screen.file_tree
    for line in range(tree.last_line + 1):
        node = tree.get_node_at_line(line)
        if node is not None and node.data is not None and node.data.path.name == name:
            tree.move_cursor(node)
            # the preview starts its worker when the tree's highlight message arrives: wait for that first
            await wait_until(pilot, lambda path=node.data.path: screen.preview.path == path,
                             what=f"{name} previewed")
            await settle(screen.preview, pilot, "preview")
            return
    raise AssertionError(f"{name} is not in the tree")


async def test_picker_lists_folders_and_images_previews_and_attaches(emulator, tmp_path, monkeypatch):
    folder = tmp_path / "pick"
    diagram(folder / "chart.png", (320, 160))
    diagram(folder / "photo.png", (90, 90))
    (folder / "notes.txt").write_text("not an image")
    (folder / "sub").mkdir()
    (folder / ".hidden.png").write_bytes(b"x")
    monkeypatch.chdir(folder)
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(app, pilot)
        screen = await open_picker(app, pilot)
        names = [child.data.path.name for child in screen.file_tree.root.children]
        assert names == ["sub", "chart.png", "photo.png"]
        await highlight(pilot, screen, "chart.png")
        info = screen.preview.query_one(".preview-info").render()
        assert str(info) == f"320×160 PNG · {human_size((folder / 'chart.png').stat().st_size)}"
        assert screen.preview.query(".preview-picture")
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(screen.picked) == 1, what="chart.png picked")
        await settle(screen, pilot)
        await highlight(pilot, screen, "photo.png")
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(screen.picked) == 2, what="photo.png picked")
        await settle(screen, pilot)
        assert [image.original_name for image in screen.picked] == ["chart.png", "photo.png"]
        assert "Attach 2 images" in str(screen.query_one("#attach-done").label)
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: app.screen is not screen and len(pane.attachments) == 2,
                         what="the picker closed with its images attached")
        assert [a.original_name for a in pane.attachments] == ["chart.png", "photo.png"]
        assert len(chip_texts(pane)) == 2


# -- latest screenshot and clipboard -------------------------------------------------------------
def screenshots(folder: Path) -> Path:
    older = diagram(folder / "Screenshot 1.png", (200, 100))
    newer = diagram(folder / "Screenshot 2.png", (160, 120))
    os.utime(older, (1_000_000, 1_000_000))
    os.utime(newer, (2_000_000, 2_000_000))
    return newer




async def test_latest_screenshot_from_the_env_folder_or_an_explicit_one(emulator, tmp_path, monkeypatch):
    screenshots(tmp_path / "shots")
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("GROKTERM_SCREENSHOT_DIR", str(tmp_path / "shots"))
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(app, pilot)
        attach.attach_latest_screenshot(pane)  # what the app's global key runs
        await settle(pane, pilot)
        assert [(a.original_name, a.width, a.height) for a in pane.attachments] == [("Screenshot 2.png", 160, 120)]
        attach.attach_latest_screenshot(pane, tmp_path / "empty")  # an explicit folder wins over the env
        await settle(pane, pilot)
        assert len(pane.attachments) == 1
        assert f"No screenshots found in {tmp_path / 'empty'}." in notifications(app)


async def test_images_alone_can_be_sent_and_an_empty_enter_sends_nothing(emulator, tmp_path):
    picture = tmp_path / "alone.png"
    Image.new("RGB", (40, 30), "orange").save(picture)
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        pane.composer.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert pane.turn_worker is None and pane.messages == []
        pane.add_attachment(prepare_image(picture))
        await pilot.press("enter")
        await pilot.pause()
        await pane.turn_worker.wait()
        await pilot.pause()
        assert pane.messages[-1].status == "complete"
        assert "40×30" in pane.messages[-1].text


def test_the_attachment_glue_keeps_no_state_of_its_own():
    """What a send check remembers belongs to its pane (ConversationPane.submit_check), not to
    module-level tables in ui/attach.py."""
    stateless = (types.ModuleType, types.FunctionType, type, str, int, float, tuple, frozenset, re.Pattern)
    state = {name: type(value).__name__ for name, value in vars(attach).items()
             if not name.startswith("__") and not isinstance(value, stateless) and name != "annotations"}
    assert state == {}
    one, two = ConversationPane(SimpleNamespace(id=1)), ConversationPane(SimpleNamespace(id=2))
    assert isinstance(one.submit_check, attach.SubmitCheck) and one.submit_check is not two.submit_check
