"""The multi-line prompt editor.

Enter sends. A newline needs a key every terminal can report: ctrl+j always
works (it is a literal line feed), shift+enter and alt+enter where the terminal
distinguishes them (see oterm#234; alt+enter sent as ESC+enter works too, see
ui/keys.py). Up on the first line recalls the last prompt.

Two rules keep the user's typing safe:
- one paste path: every bracketed paste goes through `_on_paste` once (TextArea's own handler
  is kept from running a second time); its text goes through `grokterm.sanitize.pasted_text`
  (escape sequences and controls removed, hidden characters shown), image paths become
  attachments, text over PASTE_LIMIT is refused with a message instead of making every keystroke lag;
- nothing is cleared from under the user: after a send only the text that was sent is taken
  out (`remove_sent`), so keys typed between enter and the send being accepted stay.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widgets import TextArea

from grokterm.sanitize import pasted_text

# Bigger pastes are refused: ~125k tokens, half of grok-4's 256k context window. Measured by
# bench/bench_paste.py (key to repaint, median, load 9): empty 29 ms, 500k 57 ms, 5 MB 422 ms.
PASTE_LIMIT = 500_000  # characters
NEWLINE_KEYS = "ctrl+j,shift+enter,alt+enter"


class Composer(TextArea):
    """TextArea whose Enter submits instead of inserting a newline."""

    BINDINGS = [
        Binding(NEWLINE_KEYS, "newline", "Newline", show=False, id="composer.newline"),
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

    class PasteRefused(Message):
        """A paste bigger than PASTE_LIMIT: nothing was inserted (the clipboard still has it)."""

        def __init__(self, size: int) -> None:
            super().__init__()
            self.size = size

    def render_lines(self, crop: Region) -> list[Strip]:
        """Blank once removed. Closing a tab and opening a modal (the finder) at once leaves the
        closed tab's composer in the map of the screen drawn below the modal until its next layout;
        TextArea's own render_lines needs the component styles that removal has cleared (KeyError
        'text-area--gutter', which killed the app)."""
        if not self.is_attached:
            return [Strip.blank(crop.width)] * crop.height
        return super().render_lines(crop)

    def __init__(self, text: str = "", **kwargs) -> None:
        super().__init__(text, soft_wrap=True, show_line_numbers=False, tab_behavior="focus", **kwargs)
        self.placeholder = "Message grok · enter sends · ctrl+j newline · shift+tab selects messages"

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            # Even an empty composer submits: the pane sends attached images without text.
            self.submit(self.text)
            return
        if event.key in self._newline_keys():
            # Handled here, not left to the binding: a binding runs only once the key has bubbled
            # up to the app, and a key typed right after it would be inserted first.
            event.stop()
            event.prevent_default()
            self.action_newline()
            return
        if event.key == "up" and self.cursor_location == (0, 0) and not self.text:
            event.stop()
            event.prevent_default()
            self.post_message(self.RecallRequested())
            return
        await super()._on_key(event)

    def _newline_keys(self) -> tuple[str, ...]:
        from grokterm.ui.keys import split_keys

        keymap = getattr(getattr(self.app, "context", None), "keymap", None) or {}
        return split_keys(keymap.get("composer.newline", NEWLINE_KEYS))

    async def _on_paste(self, event: events.Paste) -> None:
        # The one paste path. prevent_default keeps TextArea._on_paste (the next handler in the
        # MRO that Textual would call) from inserting the same text a second time.
        event.stop()
        event.prevent_default()
        if self.read_only or not event.text:
            return
        if len(event.text) > PASTE_LIMIT:
            self.post_message(self.PasteRefused(len(event.text)))
            return
        text = pasted_text(event.text)  # pasted escape sequences and controls never reach the draft
        if looks_like_paths(text):
            self.post_message(self.PastedText(text))
        else:
            self.insert_plain(text)

    def submit(self, text: str) -> None:
        """Ask the pane to send `text` (what enter does; also a send that was held back, again)."""
        self.post_message(self.Submitted(self, text))

    def insert_plain(self, text: str) -> None:
        """Insert text at the cursor, replacing the selection (one undoable edit)."""
        if text:
            result = self.replace(text, *self.selection)
            self.move_cursor(result.end_location)

    def remove_sent(self, sent: str) -> None:
        """Take out the text that was just sent, keeping anything typed since enter was pressed.

        Keys pressed right after enter reach the composer before the pane has accepted the
        send; clearing the whole composer then would lose them. The current text is `sent` with
        the new keys inserted at one place (where the cursor was); if it was changed any other
        way, it is left alone rather than guessed at.
        """
        current = self.text
        if current == sent:
            self.clear()
            return
        prefix = 0
        limit = min(len(current), len(sent))
        while prefix < limit and current[prefix] == sent[prefix]:
            prefix += 1
        suffix = 0
        while (suffix < len(sent) - prefix and suffix < len(current) - prefix
               and current[-1 - suffix] == sent[-1 - suffix]):
            suffix += 1
        if prefix + suffix != len(sent):
            return
        if suffix:
            self.delete(self._location(len(current) - suffix), self.document.end)
        if prefix:
            self.delete((0, 0), self._location(prefix))

    def _location(self, index: int) -> tuple[int, int]:
        document: Any = self.document  # a Document (TextArea without a language), which has this method
        return document.get_location_from_index(index)

    def action_newline(self) -> None:
        self.replace("\n", *self.selection)


def looks_like_paths(text: str) -> bool:
    """Cheap check before touching the disk: does a paste start like a file path?"""
    stripped = text.strip()
    return stripped.startswith(("/", "~", "'", '"', "file://", "./", "../")) or (
        len(stripped) > 2 and stripped[1:3] in (":\\", ":/")
    )
