"""The attachment picker: files (with a preview), the clipboard image, the latest screenshot.

Why a screen of its own: choosing a file in a terminal needs browsing and a
look at the picture before sending it to a paid API. Everything picked lands
in a list of chips first (remove with delete), and only "attach" hands the
list to the conversation; escape cancels and attaches nothing. Images are
prepared in threads as soon as they are picked, so attaching is instant.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text, TextType
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Input, Static, Tree

from grokterm.media import IMAGE_EXTENSIONS, ImageError
from grokterm.ui import attach
from grokterm.ui.render import plain
from grokterm.ui.safe import literal
from grokterm.ui.thumbnails import clipboard_for_ui
from grokterm.ui.widgets.attachment_chips import AttachmentChips
from grokterm.ui.widgets.image_preview import ImagePreview

if TYPE_CHECKING:
    from grokterm.media import PreparedImage

log = logging.getLogger(__name__)

STYLES = Path(__file__).resolve().parent.parent / "styles"
HELP = ("enter add · backspace parent folder · ctrl+v clipboard image · ctrl+s latest screenshot · "
        "ctrl+o attach · esc cancel")


class ImageTree(DirectoryTree):
    """A DirectoryTree showing folders and image files only (no hidden entries), names as literal text."""

    def process_label(self, label: TextType) -> Text:
        return super().process_label(literal(label) if isinstance(label, str) else label)  # display-safe: file names

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [
            path for path in paths
            if not path.name.startswith(".")
            and (self._safe_is_dir(path) or path.suffix.lower() in IMAGE_EXTENSIONS)
        ]


class AttachScreen(ModalScreen["list[PreparedImage]"]):
    """Returns the picked images (prepared), or an empty list when cancelled."""

    CSS_PATH = STYLES / "attach.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="attach.cancel"),
        Binding("ctrl+o", "done", "Attach", id="attach.done", priority=True),
        Binding("ctrl+v", "clipboard", "Clipboard image", id="attach.clipboard", priority=True),
        Binding("ctrl+s", "screenshot", "Latest screenshot", id="attach.screenshot", priority=True),
    ]

    def __init__(self, start: Path | str | None = None, *, screenshot_dir: Path | str | None = None) -> None:
        super().__init__()
        self.start = Path(start).expanduser() if start else Path.cwd()
        self.screenshot_dir = screenshot_dir
        self.picked: list[PreparedImage] = []

    # -- layout ----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="attach-box"):
            yield Static("Attach images", id="attach-title")
            yield Input(str(self.start), placeholder="a folder or an image file; enter goes there",
                        id="attach-path")
            with Horizontal(id="attach-main"):
                yield ImageTree(self.start, id="attach-tree")
                yield ImagePreview(id="attach-preview")
            yield AttachmentChips(id="attach-picked")
            yield Static(plain(HELP), id="attach-help")
            with Horizontal(id="attach-buttons"):
                yield Button("Attach (ctrl+o)", variant="primary", id="attach-done")
                yield Button("Clipboard image (ctrl+v)", id="attach-clipboard")
                yield Button("Latest screenshot (ctrl+s)", id="attach-screenshot")
                yield Button("Cancel (esc)", id="attach-cancel")

    def on_mount(self) -> None:
        self.chips.show(self.picked)
        self._update_done_label()
        self.file_tree.focus()

    @property
    def file_tree(self) -> ImageTree:  # not `tree`: that is DOMNode.tree
        return self.query_one("#attach-tree", ImageTree)

    @property
    def preview(self) -> ImagePreview:
        return self.query_one("#attach-preview", ImagePreview)

    @property
    def chips(self) -> AttachmentChips:
        return self.query_one("#attach-picked", AttachmentChips)

    # -- browsing ----------------------------------------------------------------------
    @on(Tree.NodeHighlighted, "#attach-tree")
    def _highlighted(self, event: Tree.NodeHighlighted) -> None:
        entry = event.node.data
        is_file = entry is not None and not event.node.allow_expand
        self.preview.show_file(entry.path if entry is not None and is_file else None)

    @on(DirectoryTree.FileSelected, "#attach-tree")
    def _file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.add_paths([event.path])

    def key_backspace(self) -> None:
        if self.focused is self.file_tree:
            self.go_to(Path(self.file_tree.path).expanduser().resolve().parent)

    def go_to(self, folder: Path) -> None:
        self.file_tree.path = folder
        self.query_one("#attach-path", Input).value = str(folder)
        self.preview.show_file(None)

    @on(Input.Submitted, "#attach-path")
    async def _path_entered(self, event: Input.Submitted) -> None:
        raw = event.value.strip()
        if not raw:
            return
        path = Path(raw).expanduser()  # noqa: ASYNC240 - reads $HOME only; the disk check below runs in a thread
        if await asyncio.to_thread(path.is_dir):
            self.go_to(path)
            self.file_tree.focus()
        else:
            self.add_paths([path])

    # -- picking -------------------------------------------------------------------------
    def add_paths(self, paths: list[Path]) -> None:
        self._collect(attach.path_jobs(self.app, paths))

    def action_clipboard(self) -> None:
        limits = attach.image_limits(self.app)
        self._collect([("clipboard", lambda: clipboard_for_ui(limits))])

    def action_screenshot(self) -> None:
        from grokterm.media import latest_screenshot

        folder = attach.screenshot_folder(self.app, self.screenshot_dir)

        async def run() -> None:
            try:
                path = await asyncio.to_thread(latest_screenshot, folder)
            except ImageError as error:
                attach.report_image_error(self.app, error)
                return
            self._add(await attach.prepare_many(self, attach.path_jobs(self.app, [path])))

        self.run_worker(run(), group="attach", exit_on_error=False)

    def _collect(self, jobs) -> None:
        async def run() -> None:
            self._add(await attach.prepare_many(self, jobs))

        self.run_worker(run(), group="attach", exit_on_error=False)

    def _add(self, images: list[PreparedImage]) -> None:
        held = {image.sha256 for image in self.picked}
        for image in images:
            if image.sha256 in held:
                attach.say(self.app, f"{image.original_name} is already picked.", severity="warning")
                continue
            held.add(image.sha256)
            self.picked.append(image)
        self.chips.show(self.picked)
        self._update_done_label()

    @on(AttachmentChips.Changed)
    def _chip_removed(self) -> None:
        self._update_done_label()

    def _update_done_label(self) -> None:
        count = len(self.picked)
        label = "Attach (ctrl+o)" if not count else f"Attach {count} image{'s' if count > 1 else ''} (ctrl+o)"
        self.query_one("#attach-done", Button).label = label  # display-safe: counts only

    # -- closing ---------------------------------------------------------------------------
    @on(Button.Pressed)
    async def _button(self, event: Button.Pressed) -> None:
        actions = {
            "attach-done": self.action_done, "attach-clipboard": self.action_clipboard,
            "attach-screenshot": self.action_screenshot, "attach-cancel": self.action_cancel,
        }
        action = actions.get(event.button.id or "")
        if action is not None:
            result = action()
            if asyncio.iscoroutine(result):
                await result

    async def action_done(self) -> None:
        """Attach what was picked, after images still being prepared are ready."""
        for worker in [w for w in self.workers if w.node is self and w.group == "attach" and not w.is_finished]:
            try:
                await worker.wait()
            except Exception:  # a failed or cancelled pick was already reported
                log.debug("an image pick ended with an error (already reported)", exc_info=True)
        self.dismiss(list(self.picked))

    def action_cancel(self) -> None:
        self.dismiss([])
