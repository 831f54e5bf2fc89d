"""One finished message as ONE cheap widget.

A conversation may hold a thousand messages: each is a single Static drawing a
Rich Markdown renderable (measured: ~8x faster first frame and ~3x less memory
than a Textual Markdown widget per message). Only the reply being streamed uses
the heavier live Markdown widget.
"""

from __future__ import annotations

from itertools import zip_longest

from rich.console import Group
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from grokterm.ui.message_data import MessageData
from grokterm.ui.render import RenderCache, markdown_renderable, plain
from grokterm.ui.widgets.image_preview import image_line

STATUS_NOTES = {
    "interrupted": "interrupted: the app stopped before the reply finished",
    "stopped": "stopped by you",
    "failed": "failed",
    "pending": "waiting for the reply…",
}


class FinishedMessage(Static, can_focus=True):
    """A message that no longer changes; focus it to act on it and see it in the sidebar."""

    BINDINGS = [
        Binding("c", "copy_message", "Copy", id="message.copy"),
        Binding("k", "copy_code", "Copy code", id="message.copy_code",
                tooltip="copy a code block (press again for the next one)"),
        Binding("r", "retry", "Retry", id="message.retry"),
        Binding("e", "edit", "Edit", id="message.edit", tooltip="edit and resend your last message"),
        Binding("delete", "delete", "Delete", id="message.delete"),
        Binding("t", "toggle_reasoning", "Reasoning", id="message.reasoning", tooltip="show or hide the reasoning"),
    ]

    show_reasoning: reactive[bool] = reactive(False)

    class Action(Message):
        """Asks the conversation pane to act on this message."""

        def __init__(self, widget: FinishedMessage, action: str) -> None:
            super().__init__()
            self.widget = widget
            self.action = action

    class Selected(Message):
        def __init__(self, widget: FinishedMessage) -> None:
            super().__init__()
            self.widget = widget

    def __init__(self, data: MessageData, code_theme: str = "monokai", body_parts: list | None = None) -> None:
        self.data = data
        self.body_parts = body_parts  # pre-rendered blocks handed over by the streaming widget
        self.code_theme = code_theme
        super().__init__(classes=f"message -{data.role} -status-{data.status}")

    def on_mount(self) -> None:
        self.refresh_body()

    def refresh_body(self) -> None:
        self.set_class(True, f"-status-{self.data.status}")
        self.update(self._renderable())

    def _renderable(self) -> RenderCache:
        """Everything this message shows, rendered once per width (see RenderCache)."""
        return RenderCache(self._parts())

    def _parts(self) -> Group:
        d = self.data
        parts = []
        label = "you" if d.role == "user" else ("grok" if d.role == "assistant" else d.role)
        header = Text(label, style="bold")
        if d.model and d.role == "assistant":
            header.append("  ")
            header.append_text(plain(d.model, "dim"))
        if d.reasoning and d.role == "assistant":
            marker = "▾" if self.show_reasoning else "▸"
            header.append(f"   {marker} reasoning (t)", style="dim italic")
        parts.append(header)
        if self.has_focus:  # under the header: focusing scrolls a message's top into view
            parts.append(self._actions_hint())
        if d.reasoning and self.show_reasoning:
            parts.append(plain(d.reasoning, "italic dim"))
        for chip, picture in zip_longest(d.attachments, d.thumbnails):
            if chip is not None:
                parts.append(image_line(picture, plain(f"[image] {chip}", "cyan")))
        if d.text and self.body_parts:
            parts.extend(self.body_parts)
        elif d.text:
            parts.append(markdown_renderable(d.text, self.code_theme).renderable)
        note = STATUS_NOTES.get(d.status)
        if d.status == "failed" and d.error:
            note = f"failed: {d.error}"
        elif d.error and d.status == "interrupted":
            note = f"interrupted: {d.error}"
        if note and d.role == "assistant":
            if d.status in ("failed", "stopped", "interrupted"):
                note += f" ({self._key('message.retry')} to retry)"
            parts.append(plain(note, "bold red" if d.status == "failed" else "yellow"))
        return Group(*parts)

    def _key(self, binding_id: str) -> str:
        keys_for = getattr(self.app, "keys_for", None)  # GrokApp: the user's [keymap] applied
        if keys_for is not None:
            return str(keys_for(binding_id))
        from grokterm.ui.keys import keys_for as default_keys_for

        return default_keys_for(binding_id)

    def _actions_hint(self) -> Text:
        """The keys that act on this message, shown while it has focus (with its live key names)."""
        d = self.data
        actions = [("message.copy", "copy")]
        if d.role == "assistant":
            actions.append(("message.copy_code", "copy code"))
        actions.append(("message.retry", "retry"))
        if d.role == "user":
            actions.append(("message.edit", "edit"))
        actions.append(("message.delete", "delete"))
        if d.reasoning and d.role == "assistant":
            actions.append(("message.reasoning", "reasoning"))
        hint = Text(style="italic")
        for i, (binding_id, label) in enumerate(actions):
            if i:
                hint.append(" · ", style="dim")
            hint.append(self._key(binding_id), style="bold")
            hint.append(f" {label}", style="dim")
        return hint

    def watch_show_reasoning(self) -> None:
        if self.is_mounted:
            self.refresh_body()

    def on_focus(self) -> None:
        self.post_message(self.Selected(self))

    def watch_has_focus(self, has_focus: bool) -> None:
        super().watch_has_focus(has_focus)
        if self.is_mounted:
            self.refresh_body()  # the actions hint shows only while focused

    def on_click(self) -> None:
        self.focus()

    def action_toggle_reasoning(self) -> None:
        self.show_reasoning = not self.show_reasoning

    def action_copy_message(self) -> None:
        self.post_message(self.Action(self, "copy"))

    def action_copy_code(self) -> None:
        self.post_message(self.Action(self, "copy_code"))

    def action_retry(self) -> None:
        self.post_message(self.Action(self, "retry"))

    def action_edit(self) -> None:
        self.post_message(self.Action(self, "edit"))

    def action_delete(self) -> None:
        self.post_message(self.Action(self, "delete"))
