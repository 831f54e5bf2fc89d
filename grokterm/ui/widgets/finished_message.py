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

from grokterm.ui.citations import has_inline_citations, reply_body, sources_block
from grokterm.ui.message_data import MessageData
from grokterm.ui.render import RenderCache, markdown_renderable, plain
from grokterm.ui.widgets.image_preview import image_line

STATUS_NOTES = {
    "interrupted": "interrupted: the app stopped before the reply finished (r to retry)",
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
        if d.reasoning and self.show_reasoning:
            parts.append(plain(d.reasoning, "italic dim"))
        for chip, picture in zip_longest(d.attachments, d.thumbnails):
            if chip is not None:
                parts.append(image_line(picture, plain(f"[image] {chip}", "cyan")))
        citations = d.sources.citations if d.sources is not None else ()
        if d.text and citations and has_inline_citations(d.text):
            parts.append(reply_body(d.text, citations, self.code_theme))  # [k] markers link to sources
        elif d.text and self.body_parts:
            parts.extend(self.body_parts)
        elif d.text:
            parts.append(markdown_renderable(d.text, self.code_theme).renderable)
        if d.sources is not None and d.role == "assistant":
            block = sources_block(d.sources)
            if block is not None:
                parts.append(block)
        note = STATUS_NOTES.get(d.status)
        if d.status == "failed" and d.error:
            note = f"failed: {d.error}"
        elif d.error and d.status == "interrupted":
            note = f"interrupted: {d.error} (r to retry)"
        if note and d.role == "assistant":
            parts.append(plain(note, "bold red" if d.status == "failed" else "yellow"))
        return Group(*parts)

    def watch_show_reasoning(self) -> None:
        if self.is_mounted:
            self.refresh_body()

    def on_focus(self) -> None:
        self.post_message(self.Selected(self))

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
