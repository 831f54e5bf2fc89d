"""SVG snapshot: the composer with attachment chips (half-cell thumbnails) and an image preview.

Update after an intended visual change with:
    .venv/bin/python -m pytest tests/test_ui_attach_snapshot.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw
from textual.app import App, ComposeResult
from textual.containers import Vertical

from grokterm.media import ImageLimits
from grokterm.ui.themes import install_themes
from grokterm.ui.thumbnails import prepare_for_ui
from grokterm.ui.widgets.attachment_chips import AttachmentChips
from grokterm.ui.widgets.composer import Composer
from grokterm.ui.widgets.image_preview import ImagePreview


def sunset(path: Path, size: tuple[int, int]) -> Path:
    """A deterministic picture with gradients and shapes, so the thumbnail has something to show."""
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        shade = y * 255 // max(height - 1, 1)
        draw.line([(0, y), (width, y)], fill=(255 - shade // 3, 120 + shade // 3, shade))
    draw.ellipse((width // 3, height // 4, 2 * width // 3, height // 4 + width // 3), fill=(255, 220, 40))
    draw.rectangle((0, 3 * height // 4, width, height), fill=(20, 60, 110))
    image.save(path)
    return path


class ComposerDemo(App):
    CSS = "Screen { padding: 0 1; } #preview { height: 16; border: round $accent; }"

    def __init__(self, images, preview_path: Path) -> None:
        super().__init__()
        self.images = images  # keeps the cached thumbnails alive
        self.preview_path = preview_path

    def compose(self) -> ComposeResult:
        with Vertical():
            yield ImagePreview(id="preview")
            yield AttachmentChips(id="chips")
            yield Composer("What changed between these two screenshots?", id="composer")

    def on_mount(self) -> None:
        install_themes(self, "grok-dark")
        self.query_one(AttachmentChips).show(self.images)
        composer = self.query_one(Composer)
        composer.cursor_blink = False
        composer.focus()
        self.query_one(ImagePreview).show_file(self.preview_path)


def test_composer_with_attachment_chips_and_preview(snap_compare, tmp_path) -> None:
    big = sunset(tmp_path / "sunset.png", (3200, 1800))
    small = sunset(tmp_path / "icon.png", (120, 120))
    limits = ImageLimits()
    images = [prepare_for_ui(big, limits), prepare_for_ui(small, limits)]

    async def wait_for_preview(pilot) -> None:
        await pilot.pause()
        preview = pilot.app.query_one(ImagePreview)
        for worker in [w for w in pilot.app.workers if w.node is preview]:
            await worker.wait()
        await pilot.pause()
        assert preview.query(".preview-picture"), "the preview did not load"

    assert snap_compare(ComposerDemo(images, big), terminal_size=(100, 28), run_before=wait_for_preview)
