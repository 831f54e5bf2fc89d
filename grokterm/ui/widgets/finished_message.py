"""One finished message as ONE cheap widget drawing ready lines.

A conversation may hold a thousand messages. Each is a single widget whose lines (header, reasoning,
thumbnails, the Markdown body, a status note) are rendered once per width and kept; its height is
their number, so layout never renders Markdown. The body's lines come ready-made from the streaming
widget for a reply that just ended, or are rendered in a thread by the pane before mounting
(`prerender`); only an unexpected width (a resize) renders on the spot.
"""

from __future__ import annotations

import asyncio
import logging
from itertools import zip_longest

from rich.console import Console, Group, RenderableType
from rich.markdown import Markdown as RichMarkdown
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from grokterm.ui.citations import has_inline_citations, reply_body, sources_block
from grokterm.ui.markdown_lines import MarkdownLines, render_strips
from grokterm.ui.message_data import MessageData
from grokterm.ui.render import plain
from grokterm.ui.widgets.image_preview import image_line
from grokterm.ui.widgets.line_view import fit

log = logging.getLogger(__name__)

GENERATED_ROWS = 12  # a generated picture in the conversation: 12 rows × up to 40 columns (half-cells)
GENERATED_COLS = 40

RENDER_IN_THREAD_FROM = 2000  # characters: a shorter message renders in about a millisecond, on the spot

STATUS_NOTES = {
    "interrupted": "interrupted: the app stopped before the reply finished",
    "stopped": "stopped by you",
    "failed": "failed",
    "pending": "waiting for the reply…",
}


class FinishedMessage(Widget, can_focus=True):
    """A message that no longer changes; focus it to act on it and see it in the sidebar."""

    DEFAULT_CSS = """
    FinishedMessage {
        height: auto;
        width: 1fr;
    }
    """

    BINDINGS = [
        Binding("c", "copy_message", "Copy", id="message.copy"),
        Binding("k", "copy_code", "Copy code", id="message.copy_code",
                tooltip="copy a code block (press again for the next one)"),
        Binding("r", "retry", "Retry", id="message.retry"),
        Binding("e", "edit", "Edit", id="message.edit", tooltip="edit and resend your last message"),
        Binding("delete", "delete", "Delete", id="message.delete"),
        Binding("t", "toggle_reasoning", "Reasoning", id="message.reasoning", tooltip="show or hide the reasoning"),
        Binding("s", "save_image", "Save image", id="message.save_image", tooltip="save a generated picture to a file"),
        Binding("a", "attach_image", "Attach image", id="message.attach_image",
                tooltip="attach a generated picture to your next question"),
        Binding("v", "view_image", "View image", id="message.view_image",
                tooltip="view generated pictures full size"),
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

    def __init__(self, data: MessageData, code_theme: str = "monokai", body: MarkdownLines | None = None) -> None:
        self.data = data
        self.code_theme = code_theme
        # a generation's text is its revised prompt, shown in the head as such, not as Markdown
        text = "" if data.kind == "image" else data.text
        self.body = body if body is not None else MarkdownLines.of(text, code_theme)
        self._rendered: tuple[int, list[Strip]] = (-1, [])  # (width, lines)
        self._pending_width: int | None = None  # a width being rendered in a thread
        self._style = Style()  # this widget's style, read once per frame in render_lines
        super().__init__(classes=f"message -{data.role} -status-{data.status}")

    # -- what it shows -------------------------------------------------------------
    def _head(self) -> list[RenderableType]:
        d = self.data
        parts: list[RenderableType] = []
        label = "you" if d.role == "user" else ("grok" if d.role == "assistant" else d.role)
        if d.kind == "image_prompt":
            label = "you · /image"
        elif d.kind == "image":
            label = "grok imagine"
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
        if d.kind == "image":
            parts.extend(self._generated_parts())
            if d.text:
                parts.append(plain("revised prompt: " + d.text, "italic dim"))
        else:
            for chip, picture in zip_longest(d.attachments, d.thumbnails):
                if chip is not None:
                    parts.append(image_line(picture, plain(f"[image] {chip}", "cyan")))
        return parts

    def _note(self) -> Text | None:
        d = self.data
        note = STATUS_NOTES.get(d.status)
        if d.status == "failed" and d.error:
            note = f"failed: {d.error}"
        elif d.error and d.status == "interrupted":
            note = f"interrupted: {d.error}"
        if note and d.role == "assistant":
            if d.status in ("failed", "stopped", "interrupted"):
                note += f" ({self._key('message.retry')} to retry)"
            return plain(note, "bold red" if d.status == "failed" else "yellow")
        return None

    def _cited_body(self) -> RenderableType | None:
        """A reply whose inline citations `[[n]](url)` become `[k]` markers linked to its sources."""
        d = self.data
        citations = d.sources.citations if d.sources is not None else ()
        if d.text and citations and has_inline_citations(d.text):
            return reply_body(d.text, citations, self.code_theme)
        return None

    def _sources(self) -> RenderableType | None:
        d = self.data
        return sources_block(d.sources) if d.sources is not None and d.role == "assistant" else None

    def _key(self, binding_id: str) -> str:
        """The live keys of a binding (the user's [keymap]); the defaults where there is no GrokApp."""
        from grokterm.ui.keys import keys_for

        try:
            return str(self.app.keys_for(binding_id))  # type: ignore[attr-defined]
        except Exception:  # not under GrokApp (a test host), or no active app in this thread
            log.debug("no live keymap for %s; showing the default keys", binding_id, exc_info=True)
            return keys_for(binding_id)

    def _actions_hint(self) -> Text:
        """The keys that act on this message, shown while it has focus (with their live names)."""
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

    def _renderable(self) -> Group:
        """Everything this message shows as one Rich renderable (tests print it)."""
        parts = self._head()
        cited = self._cited_body()
        if cited is not None:
            parts.append(cited)
        elif self.body.text:
            parts.append(RichMarkdown(self.body.text, code_theme=self.code_theme, hyperlinks=False))
        sources = self._sources()
        if sources is not None:
            parts.append(sources)
        note = self._note()
        if note is not None:
            parts.append(note)
        return Group(*parts)

    # -- lines -----------------------------------------------------------------------
    def lines_for(self, width: int, console: Console) -> list[Strip]:
        """This message's lines at `width` (rendered once per width). Touches no DOM: safe in a thread
        before the widget is mounted (see `prerender`)."""
        rendered_width, lines = self._rendered
        if width != rendered_width:
            lines = self._render_lines(width, console)
            self._rendered = (width, lines)
        return lines

    def _render_lines(self, width: int, console: Console) -> list[Strip]:
        lines = render_strips(Group(*self._head()), console, width)
        cited = self._cited_body()
        if cited is not None:
            lines += render_strips(cited, console, width)
        elif self.body.text:
            lines += self.body.lines(width, console)
        sources = self._sources()
        if sources is not None:
            lines += render_strips(sources, console, width)
        note = self._note()
        if note is not None:
            lines += render_strips(note, console, width)
        return lines

    def prerender(self, width: int, console: Console) -> None:
        """Render the lines ahead (in a worker thread, before mounting) at the width expected."""
        if width > 0:
            self.lines_for(width, console)

    def _lines_at(self, width: int) -> list[Strip]:
        """Lines to lay out and draw at `width`. After a resize (sidebar toggled, window resized) the
        old lines stay on screen, fitted to the new width, while a thread renders the new ones: a
        resize never renders a whole conversation's Markdown on the event loop."""
        rendered_width, lines = self._rendered
        if (rendered_width == width or not lines or not self.is_mounted
                or len(self.body.text) < RENDER_IN_THREAD_FROM):
            return self.lines_for(width, self.app.console)
        if self._pending_width != width:
            self._pending_width = width
            self.run_worker(self._render_in_thread(width), group="rerender", exclusive=True)
        return lines

    async def _render_in_thread(self, width: int) -> None:
        lines = await asyncio.to_thread(self._render_lines, width, self.app.console)
        if self._pending_width == width:
            self._pending_width = None
            self._rendered = (width, lines)
            self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines_at(width)) if width > 0 else 0

    def render_lines(self, crop: Region) -> list[Strip]:
        self._style = self.rich_style  # once per frame, not per line (it walks every ancestor's styles)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.content_region.width
        lines = self._lines_at(width) if width > 0 else []
        if y < len(lines):
            return fit(lines[y], width).apply_style(self._style)
        return Strip.blank(width, self._style)

    def refresh_body(self) -> None:
        self.set_class(True, f"-status-{self.data.status}")
        self._rendered = (-1, [])
        self._pending_width = None
        self.refresh(layout=True)

    def _generated_parts(self) -> list:
        """Each generated picture large enough to see, with what it is and what s / a do."""
        d = self.data
        parts: list = []
        for index, (chip, picture) in enumerate(zip_longest(d.attachments, d.thumbnails), 1):
            if chip is None:
                continue
            caption = plain(f"image {index} · {chip}\nv view · s save · a attach to a question", "cyan")
            parts.append(image_line(picture, caption, rows=GENERATED_ROWS, max_cols=GENERATED_COLS))
        return parts

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Save/attach only exist on a generated picture (hidden from the footer elsewhere)."""
        if action in ("save_image", "attach_image", "view_image"):
            return self.data.kind == "image" and bool(self.data.attachments)
        return True

    def action_save_image(self) -> None:
        self.post_message(self.Action(self, "save_image"))

    def action_attach_image(self) -> None:
        self.post_message(self.Action(self, "attach_image"))

    def action_view_image(self) -> None:
        self.post_message(self.Action(self, "view_image"))

    def watch_show_reasoning(self) -> None:
        if self.is_mounted:
            self.refresh_body()

    # -- actions -------------------------------------------------------------------------
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
