"""The row of images waiting to be sent: a thumbnail and before → after per image.

Why show "before → after": the model gets the downscaled, re-encoded image,
not the file the user picked, so the chip says exactly what will be sent
("shot.png 3840×2160 2.1 MB → 2048×1152 JPEG 242 KB"). A chip takes focus
(click, or shift+tab from the composer); delete or backspace removes it.

The owner (conversation pane or attach screen) keeps the list of images and
calls `show(images)` whenever it changes; removing a chip removes its image
from that same list, then posts `AttachmentChips.Changed`.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, HorizontalScroll, Vertical
from textual.message import Message
from textual.widgets import Static

from grokterm.ui.render import plain
from grokterm.ui.safe import literal
from grokterm.ui.thumbnails import cached_thumbnail, make_thumbnail
from grokterm.ui.widgets.image_preview import picture_widget

if TYPE_CHECKING:
    from grokterm.media import PreparedImage

THUMB_ROWS = 3
THUMB_MAX_COLS = 12


def chip_lines(image: PreparedImage) -> Text:
    """chip_text() on two lines, split before the arrow, plus a dim hint."""
    before, _, after = image.chip_text().partition(" → ")
    text = plain(before)
    text.append("\n")
    text.append_text(plain(f"→ {after}" if after else "", "bold"))
    text.append("\n")
    text.append("del removes", style="dim")
    return text


class AttachmentChip(Horizontal, can_focus=True):
    """One attached image; delete/backspace removes it."""

    BINDINGS = [Binding("delete,backspace", "remove", "Remove image", id="attachment.remove")]

    def __init__(self, image: PreparedImage) -> None:
        super().__init__(classes="attachment-chip")
        self.image = image
        self.chip_text = image.chip_text()
        self.tooltip = literal(self.chip_text)

    def compose(self) -> ComposeResult:
        picture = cached_thumbnail(self.image)
        if picture is not None:
            yield self._thumb(picture)
        else:
            yield Static("▨", classes="chip-thumb -placeholder")
        yield Static(chip_lines(self.image), classes="chip-text")

    def on_mount(self) -> None:
        if cached_thumbnail(self.image) is None:
            self._load_thumbnail()

    def _thumb(self, picture):
        return picture_widget(picture, rows=THUMB_ROWS, max_cols=THUMB_MAX_COLS,
                              headless=self.app.is_headless, classes="chip-thumb")

    @work(exit_on_error=False)
    async def _load_thumbnail(self) -> None:
        picture = await asyncio.to_thread(make_thumbnail, self.image)
        placeholder = self.query(".chip-thumb.-placeholder")
        if placeholder:
            await self.mount(self._thumb(picture), before=placeholder.first())
            await placeholder.remove()

    def action_remove(self) -> None:
        owner = self.parent
        while owner is not None and not isinstance(owner, AttachmentChips):
            owner = owner.parent
        if owner is not None:
            owner.remove_image(self.image)


class PendingChip(Static):
    """Shown while an image is being prepared in a thread."""

    def __init__(self, label: str) -> None:
        text = Text("⧗ preparing ", style="italic")
        text.append_text(plain(label, "italic"))
        text.append("…", style="italic")
        super().__init__(text, classes="pending-chip")


class AttachmentChips(HorizontalScroll):
    """A horizontal row of AttachmentChip (and PendingChip while preparing)."""

    DEFAULT_CSS = """
    AttachmentChips {
        height: auto;
        max-height: 6;
        scrollbar-size-horizontal: 1;
    }
    AttachmentChips > .attachment-chip {
        width: auto;
        height: 3;
        max-width: 60;
        margin-right: 1;
        background: $boost;
    }
    AttachmentChips > .attachment-chip:focus {
        background: $primary 30%;
    }
    AttachmentChips .chip-thumb {
        margin-right: 1;
    }
    AttachmentChips .chip-thumb.-placeholder {
        width: 6;
        height: 3;
        content-align: center middle;
        color: $text-muted;
    }
    AttachmentChips .chip-text {
        width: auto;
        max-width: 46;
        height: 3;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        padding-right: 1;
    }
    AttachmentChips > .pending-chip {
        width: auto;
        height: 3;
        margin-right: 1;
        padding: 0 1;
        content-align: left middle;
        color: $text-muted;
        background: $boost;
    }
    """

    class Changed(Message):
        """The user removed an image from the list."""

        def __init__(self, chips: AttachmentChips, removed: PreparedImage) -> None:
            super().__init__()
            self.chips = chips
            self.removed = removed

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.images: list[PreparedImage] = []
        self._pending: dict[int, PendingChip] = {}
        self._tokens = itertools.count(1)

    def on_mount(self) -> None:
        self._update_display()

    # -- the owner's API ----------------------------------------------------------------
    def show(self, images: list[PreparedImage]) -> None:
        """Show exactly `images` (kept by reference: removing a chip edits this list)."""
        self.images = images
        wanted = {id(image) for image in images}
        kept: set[int] = set()
        for chip in list(self.query_children(AttachmentChip)):
            if id(chip.image) in wanted:
                kept.add(id(chip.image))
            else:
                chip.remove()
        new = [AttachmentChip(image) for image in images if id(image) not in kept]
        if new:
            first_pending = next(iter(self._pending.values()), None)
            if first_pending is not None:
                self.mount_all(new, before=first_pending)
            else:
                self.mount_all(new)
        self._update_display()

    def add_pending(self, label: str) -> int:
        """A "preparing…" placeholder; returns the token for `remove_pending`."""
        token = next(self._tokens)
        chip = PendingChip(label)
        self._pending[token] = chip
        self.mount(chip)
        self._update_display()
        return token

    def remove_pending(self, token: int) -> None:
        chip = self._pending.pop(token, None)
        if chip is not None:
            chip.remove()
        self._update_display()

    @property
    def chips(self) -> list[AttachmentChip]:
        return [chip for chip in self.query_children(AttachmentChip) if chip.image in self.images]

    def remove_image(self, image: PreparedImage) -> None:
        """Take `image` out of the owner's list (as the delete key does) and move focus sensibly."""
        chips = self.chips
        position = next((i for i, chip in enumerate(chips) if chip.image is image), None)
        self.images[:] = [held for held in self.images if held is not image]
        self.show(self.images)
        rest = [chip for chip in chips if chip.image is not image]
        if rest:
            rest[min(position or 0, len(rest) - 1)].focus()
        else:
            self._focus_neighbour()
        self.post_message(self.Changed(self, image))

    # -- helpers -------------------------------------------------------------------------
    def _update_display(self) -> None:
        self.display = bool(self.images or self._pending)

    def _focus_neighbour(self) -> None:
        """With no chip left, focus the next focusable widget in the same container (the composer)."""
        parent = self.parent
        if parent is None:
            return
        for widget in parent.query("*"):
            if widget.focusable and not isinstance(widget, (AttachmentChip, AttachmentChips, Vertical)):
                widget.focus()
                return
