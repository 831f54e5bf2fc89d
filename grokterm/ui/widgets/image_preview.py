"""Pictures in the terminal: chip thumbnails, the attach screen's preview, history thumbnails.

Drawing goes through textual-image, with the best method the terminal offers
(Sixel, the kitty graphics protocol, else coloured half-cells) as the launcher
found it before Textual took the terminal (grokterm.ui.terminal_graphics).
textual-image and Pillow are imported when the first picture is drawn, not at
start-up. Headless apps (tests, snapshots) always use half-cells, which draw
the same everywhere. Widgets get small, already decoded thumbnails (made in threads by
grokterm.ui.thumbnails), so drawing a frame never decodes a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from grokterm.media import ImageError
from grokterm.ui.render import plain
from grokterm.ui.terminal_graphics import image_widget_class, import_textual_image

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage
    from textual_image.renderable.halfcell import Image as HalfcellRenderable


def cell_size(picture: PILImage, rows: int, max_cols: int) -> tuple[int, int]:
    """(cols, rows) showing the whole picture undistorted, assuming cells twice as tall as wide."""
    width, height = max(picture.width, 1), max(picture.height, 1)
    cols = max(1, round(rows * 2 * width / height))
    if cols > max_cols:
        cols = max_cols
        rows = max(1, round(cols * height / (2 * width)))
    return cols, rows


def picture_widget(picture: PILImage, *, rows: int, max_cols: int, headless: bool,
                   classes: str | None = None) -> Widget:
    """A textual-image widget of exactly the size `cell_size` gives (half-cells when headless)."""
    kind = image_widget_class(headless)
    widget = kind(picture, classes=classes)
    cols, rows = cell_size(picture, rows, max_cols)
    widget.styles.width = cols
    widget.styles.height = rows
    return widget


def picture_renderable(picture: PILImage, *, rows: int, max_cols: int) -> HalfcellRenderable:
    """A Rich renderable (half-cells) for places that draw one renderable, like finished messages."""
    import_textual_image()
    from textual_image.renderable.halfcell import Image as HalfcellRenderable

    cols, rows = cell_size(picture, rows, max_cols)
    return HalfcellRenderable(picture, width=cols, height=rows)


def image_line(picture: PILImage | None, text: Text, *, rows: int = 3, max_cols: int = 12) -> RenderableType:
    """A thumbnail with `text` beside it (just `text` without a picture): one attachment in history."""
    if picture is None:
        return text
    grid = Table.grid(padding=(0, 1))
    grid.add_row(picture_renderable(picture, rows=rows, max_cols=max_cols), text)  # display-safe: image + Text
    return grid


class ImagePreview(Vertical):
    """A bigger look at one file: the picture and a line about it, loaded in a thread."""

    DEFAULT_CSS = """
    ImagePreview {
        height: 1fr;
        padding: 0 1;
    }
    ImagePreview > .preview-name {
        text-style: bold;
        height: auto;
    }
    ImagePreview > .preview-info {
        color: $text-muted;
        height: auto;
    }
    ImagePreview > .preview-error {
        color: $error;
        height: auto;
    }
    ImagePreview > .preview-picture {
        margin-top: 1;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.path: Path | None = None

    def compose(self) -> ComposeResult:
        yield Static("", classes="preview-name")
        yield Static(plain("Highlight an image to preview it."), classes="preview-info")

    def show_file(self, path: Path | None) -> None:
        """Preview `path` (None clears); a newer call wins over one still loading."""
        self.path = path
        self._load(path)

    @work(exclusive=True, group="preview", exit_on_error=False)
    async def _load(self, path: Path | None) -> None:
        import asyncio

        from grokterm.ui.thumbnails import preview_file

        await self.remove_children()
        if path is None:
            return
        await self.mount(Static(plain(path.name), classes="preview-name"),
                         Static(plain("loading…"), classes="preview-info"))
        try:
            preview = await asyncio.to_thread(preview_file, path)
        except ImageError as error:
            await self.remove_children()
            await self.mount(Static(plain(path.name), classes="preview-name"),
                             Static(plain(str(error)), classes="preview-error"))
            return
        if path != self.path:
            return
        rows = max(4, self.content_region.height - 3)
        cols = max(8, self.content_region.width)
        await self.remove_children()
        await self.mount(
            Static(plain(path.name), classes="preview-name"),
            Static(plain(preview.description), classes="preview-info"),
            picture_widget(preview.picture, rows=rows, max_cols=cols, headless=self.app.is_headless,
                           classes="preview-picture"),
        )
