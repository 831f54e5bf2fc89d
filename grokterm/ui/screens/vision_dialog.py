"""Asks what to do when images are attached but the conversation's model cannot see them.

Why a dialog and not a silent fix: switching the model changes price and
behaviour, and dropping the images changes the question; the user decides.
The draft and the attachments stay as they are until a choice is made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from grokterm.ui.render import plain

VisionChoice = Literal["switch", "remove"]
STYLES = Path(__file__).resolve().parent.parent / "styles"


class VisionDialog(ModalScreen["VisionChoice | None"]):
    """Returns "switch" (to `vision_model`, then send), "remove" (drop the images, then send) or None."""

    CSS_PATH = STYLES / "attach.tcss"
    BINDINGS = [
        Binding("escape", "choose('cancel')", "Cancel", id="vision.cancel"),
        Binding("s", "choose('switch')", "Switch model", show=False, id="vision.switch"),
        Binding("r", "choose('remove')", "Remove images", show=False, id="vision.remove"),
    ]

    def __init__(self, model: str, image_count: int, vision_model: str | None) -> None:
        super().__init__()
        self.model = model
        self.image_count = image_count
        self.vision_model = vision_model

    def compose(self) -> ComposeResult:
        noun = "image" if self.image_count == 1 else "images"
        with Vertical(id="vision-box"):
            yield Static(plain(f"{self.model} cannot see images"), id="vision-title")
            yield Static(plain(
                f"{self.image_count} {noun} attached, but {self.model} takes text only. "
                "Sending them would fail."
            ), id="vision-text")
            with Horizontal(id="vision-buttons"):
                if self.vision_model is not None:
                    yield Button(plain(f"Switch to {self.vision_model} and send (s)"), variant="primary",
                                 id="vision-switch")
                yield Button(plain(f"Remove the {noun} and send (r)"), id="vision-remove")
                yield Button("Cancel (esc)", id="vision-cancel")

    def on_mount(self) -> None:
        self.query_one("#vision-buttons Button", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_choose((event.button.id or "").removeprefix("vision-"))

    def action_choose(self, choice: str) -> None:
        if choice == "switch" and self.vision_model is None:
            return
        self.dismiss(choice if choice in ("switch", "remove") else None)  # type: ignore[arg-type]
