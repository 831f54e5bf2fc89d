"""A generated picture at full size, one at a time, with save and attach for that one picture.

Why a screen: in the conversation a picture is a half-cell thumbnail (one cheap
renderable per message, drawn the same in every terminal); here textual-image
picks the best the terminal offers (kitty graphics, Sixel, else half-cells), at
the size of the screen. Decoding happens in a thread, so opening it never
stalls typing elsewhere.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from grokterm.ui.render import plain
from grokterm.ui.services import services
from grokterm.ui.widgets.image_preview import picture_widget

if TYPE_CHECKING:
    from grokterm.ui.message_data import MessageData

STYLES = Path(__file__).resolve().parent.parent / "styles"
HELP = "←/→ other image · s save this one · a attach this one to a question · esc close"
VIEW_BOX = 1024  # pixels: plenty for any terminal's cell grid, cheap to decode


def load_picture(store: Any, attachment: Any) -> Any:
    """The stored picture, decoded and shrunk to VIEW_BOX (runs in a thread)."""
    from grokterm.ui.thumbnails import make_thumbnail

    data = store.attachment_bytes(attachment)
    return None if data is None else make_thumbnail(data, VIEW_BOX)


class ImageViewer(ModalScreen[None]):
    """Shows `data`'s pictures; s / a act on the one shown through the pane's usual save/attach path."""

    CSS_PATH = STYLES / "image_viewer.tcss"
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="viewer.close", tooltip="close the viewer"),
        Binding("left", "move(-1)", "Previous", id="viewer.previous", tooltip="previous picture"),
        Binding("right", "move(1)", "Next", id="viewer.next", tooltip="next picture"),
        Binding("s", "save", "Save", id="viewer.save", tooltip="save this picture to a file"),
        Binding("a", "attach", "Attach", id="viewer.attach", tooltip="attach this picture to your next question"),
    ]

    def __init__(self, pane: Any, data: MessageData, index: int = 0) -> None:
        super().__init__()
        self.pane = pane
        self.data = data
        self.index = index

    def compose(self) -> ComposeResult:
        with Vertical(classes="viewer-box"):
            yield Static("", classes="viewer-title")
            yield Vertical(classes="viewer-picture")
            yield Static(plain(self.data.text and f"revised prompt: {self.data.text}"), classes="viewer-prompt")
            yield Static(plain(HELP), classes="viewer-help")

    def on_mount(self) -> None:
        self.show_picture()

    @property
    def count(self) -> int:
        return len(self.data.attachment_rows)

    def show_picture(self) -> None:
        chip = self.data.attachments[self.index] if self.index < len(self.data.attachments) else ""
        self.query_one(".viewer-title", Static).update(plain(f"image {self.index + 1}/{self.count} · {chip}"))
        self._load(self.index)

    @work(exclusive=True, group="viewer", exit_on_error=False)
    async def _load(self, index: int) -> None:
        holder = self.query_one(".viewer-picture", Vertical)
        picture = await asyncio.to_thread(load_picture, services(self.pane).store, self.data.attachment_rows[index])
        if index != self.index:
            return
        await holder.remove_children()
        if picture is None:
            await holder.mount(Static(plain("the stored picture is missing"), classes="viewer-error"))
            return
        rows = max(4, holder.content_region.height)
        cols = max(8, holder.content_region.width)
        await holder.mount(picture_widget(picture, rows=rows, max_cols=cols, headless=self.app.is_headless))

    def action_move(self, step: int) -> None:
        if self.count > 1:
            self.index = (self.index + step) % self.count
            self.show_picture()

    def _one(self) -> tuple:
        return (self.data.attachment_rows[self.index],)

    def action_save(self) -> None:
        from grokterm.ui import imagegen

        imagegen.save(self.pane, self.data, attachments=self._one())

    def action_attach(self) -> None:
        from grokterm.ui import imagegen

        imagegen.attach(self.pane, self.data, attachments=self._one())
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
