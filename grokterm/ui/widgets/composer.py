"""The multi-line prompt editor.

Enter sends. A newline needs a key every terminal can report: ctrl+j always
works (it is a literal line feed), shift+enter and alt+enter where the terminal
distinguishes them (see oterm#234). Up on the first line recalls the last prompt.
Pasted or dropped image paths become attachments instead of text.
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea


class Composer(TextArea):
    """TextArea whose Enter submits instead of inserting a newline."""

    BINDINGS = [
        Binding("ctrl+j,shift+enter,alt+enter", "newline", "Newline", show=False, id="composer.newline"),
    ]

    class Submitted(Message):
        def __init__(self, composer: Composer, text: str) -> None:
            super().__init__()
            self.composer = composer
            self.text = text

    class RecallRequested(Message):
        """Up on an empty composer: the pane fills in the last prompt."""

    class PastedText(Message):
        """A paste, offered to the pane first so file paths can become attachments."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, text: str = "", **kwargs) -> None:
        super().__init__(text, soft_wrap=True, show_line_numbers=False, tab_behavior="focus", **kwargs)
        self.placeholder = "Message grok — enter sends, ctrl+j newline, ctrl+o attach, esc stops"

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            # Even an empty composer submits: the pane sends attached images without text.
            self.post_message(self.Submitted(self, self.text))
            return
        if event.key == "up" and self.cursor_location == (0, 0) and not self.text:
            event.stop()
            event.prevent_default()
            self.post_message(self.RecallRequested())
            return
        await super()._on_key(event)

    async def _on_paste(self, event: events.Paste) -> None:
        if looks_like_paths(event.text):
            event.stop()
            event.prevent_default()
            self.post_message(self.PastedText(event.text))
            return
        await super()._on_paste(event)

    def insert_plain(self, text: str) -> None:
        """Insert text at the cursor (used after a paste's paths were taken out)."""
        if text:
            self.replace(text, *self.selection)

    def action_newline(self) -> None:
        self.replace("\n", *self.selection)


def looks_like_paths(text: str) -> bool:
    """Cheap check before touching the disk: does a paste start like a file path?"""
    stripped = text.strip()
    return stripped.startswith(("/", "~", "'", '"', "file://", "./", "../")) or (
        len(stripped) > 2 and stripped[1:3] in (":\\", ":/")
    )
