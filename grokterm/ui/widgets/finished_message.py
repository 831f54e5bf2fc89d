"""One finished message as ONE cheap widget drawing ready lines.

A conversation may hold a thousand messages. Each is a single widget whose lines (header, reasoning,
thumbnails, the Markdown body, a status note) are rendered once per width and kept; its height is
their number, so layout never renders Markdown. The body's lines come ready-made from the streaming
widget for a reply that just ended, or are rendered in a thread by the pane before mounting
(`prerender`). A long body is virtualised: blocks never shown (the top of a long reply, everything
after a resize) are drafts until drawn on screen, then rendered in a thread, or rendered when idle.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from itertools import zip_longest
from weakref import WeakKeyDictionary

from rich.console import Console, Group, RenderableType
from rich.markdown import Markdown as RichMarkdown
from rich.style import Style
from rich.text import Text
from textual.app import App
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from grokterm.ui.citations import has_inline_citations, reply_body, sources_block
from grokterm.ui.markdown_lines import Line, MarkdownLines, View, render_strips
from grokterm.ui.message_data import MessageData
from grokterm.ui.render import plain
from grokterm.ui.widgets.image_preview import image_line
from grokterm.ui.widgets.line_view import fit

log = logging.getLogger(__name__)

GENERATED_ROWS = 12  # a generated picture in the conversation: 12 rows × up to 40 columns (half-cells)
GENERATED_COLS = 40

RENDER_IN_THREAD_FROM = 2000  # characters: a shorter message renders in about a millisecond, on the spot

_IDLE_LOCKS: WeakKeyDictionary[App, asyncio.Lock] = WeakKeyDictionary()


def _idle_lock(app: App) -> asyncio.Lock:
    """The app's one idle renderer: messages render their drafts in turn, never side by side."""
    lock = _IDLE_LOCKS.get(app)
    if lock is None:
        lock = _IDLE_LOCKS[app] = asyncio.Lock()
    return lock


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

    IDLE_AFTER: float | None = 0.5  # seconds after a body with drafts is drawn before idle rendering
    # starts (None: never, tests)
    IDLE_GAP = 0.02  # seconds left to the event loop between two idle batches
    IDLE_BATCH = 4  # blocks rendered per idle batch (a few milliseconds of work)

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
        self._frame: tuple[int, list[Strip], list[Strip] | None, list[Strip]] = (-1, [], None, [])
        self._cited: tuple[int, list[Strip] | None] = (-1, None)  # (width, the cited body's lines)
        self._rendered: tuple[tuple[int, int], list[Line]] = ((-1, -1), [])  # ((width, body version), lines)
        self._view: View | None = None  # the body's view when it holds drafts
        self._body_at = 0  # the body's first line
        self._wanted: set[int] = set()  # blocks drawn as drafts, to render now
        self._rendering = False
        self._idle = False
        self._style = Style()  # this widget's style, read once per frame in render_lines
        self.block_renders = 0  # blocks this widget rendered after it was mounted (tests count them)
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

    def has_cited_body(self) -> bool:
        """The body is rendered whole with its citation markers (not block by block)."""
        d = self.data
        return bool(d.text and d.sources is not None and d.sources.citations and has_inline_citations(d.text))

    def _sources(self) -> RenderableType | None:
        d = self.data
        return sources_block(d.sources) if d.sources is not None and d.role == "assistant" else None

    def _key(self, binding_id: str) -> str:
        """The live keys of a binding (the user's [keymap]); the defaults where there is no GrokApp.
        This widget's own bindings are looked up here: the whole key table imports every screen
        (50 ms the first time, which esc stopping a reply had to wait for)."""
        from grokterm.ui.keys import display_keys, keys_for, split_keys

        own = next((b.key for b in self.BINDINGS if isinstance(b, Binding) and b.id == binding_id), None)
        if own is not None:
            try:
                keymap = getattr(getattr(self.app, "context", None), "keymap", None) or {}
            except Exception:  # no active app in this thread (a prerender): the default keys
                log.debug("no live keymap for %s; showing the default keys", binding_id, exc_info=True)
                keymap = {}
            return display_keys(split_keys(keymap.get(binding_id, own)))
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
    # A message's lines are its frame (head, citations, sources, note: small, rendered once per width)
    # around its body, a virtualised `MarkdownLines`: blocks not rendered yet show as drafts, and a
    # draft drawn on screen is rendered in a thread and swapped in (so are the rest, when idle).

    def lines_for(self, width: int, console: Console) -> list[Line]:
        """This message's lines at `width`, its body fully rendered. Touches no DOM: safe in a thread
        before the widget is mounted (see `prerender`)."""
        if self.body.text and self._cited_body() is None:
            self.body.lines(width, console)
        return self._assemble(width, console)

    def _frame_at(self, width: int, console: Console) -> tuple[list[Strip], list[Strip] | None, list[Strip]]:
        """(head lines, the cited body's lines or None, lines after the body) at `width`."""
        if self._frame[0] != width:
            head = render_strips(Group(*self._head()), console, width)
            if self._cited[0] != width:  # kept when only the head changes (focus): it is the whole reply
                cited = self._cited_body()
                self._cited = (width, render_strips(cited, console, width) if cited is not None else None)
            cited_lines = self._cited[1]
            after: list[Strip] = []
            sources = self._sources()
            if sources is not None:
                after += render_strips(sources, console, width)
            note = self._note()
            if note is not None:
                after += render_strips(note, console, width)
            self._frame = (width, head, cited_lines, after)
        return self._frame[1], self._frame[2], self._frame[3]

    def _assemble(self, width: int, console: Console) -> list[Line]:
        """Head + body (drafts included) + the rest, rebuilt only when the width or the body changed."""
        key = (width, self.body.version)
        if self._rendered[0] == key:
            return self._rendered[1]
        head, cited, after = self._frame_at(width, console)
        view: View | None = None
        body: list[Line]
        if cited is not None:
            body = list(cited)
        elif self.body.text:
            view = self.body.view(width)
            body = view.lines
        else:
            body = []
        self._view, self._body_at = (view if view is not None and view.drafts else None), len(head)
        lines = head + body + after
        self._rendered = (key, lines)
        return lines

    def prerender(self, width: int, console: Console) -> None:
        """Render the lines ahead (in a worker thread, before mounting) at the width expected."""
        if width > 0:
            self.lines_for(width, console)

    def _lines_at(self, width: int) -> list[Line]:
        """Lines to lay out and draw at `width`. A short body is rendered on the spot; a long one shows
        drafts for the blocks not rendered at this width yet (after a resize, or the blocks of a long
        reply that were never on screen), and the blocks drawn are rendered in a thread."""
        console = self.app.console
        if (self.body.text and self._rendered[0][0] != width and len(self.body.text) < RENDER_IN_THREAD_FROM
                and not self.body.has(width)):
            self.body.lines(width, console)
        lines = self._assemble(width, console)
        if self._view is not None and self.is_mounted:
            self._start_idle_rendering()
        return lines

    def _note_drawn(self, y: int) -> None:
        view = self._view
        if view is None:
            return
        seen = view.drafts_between(y - self._body_at, y - self._body_at + 1)
        if seen and not self._wanted.issuperset(seen):
            self._wanted |= set(seen)
            if not self._rendering:
                self._rendering = True
                self.run_worker(self._render_wanted(), group="blocks")

    async def _render_wanted(self) -> None:
        """Render the drafts drawn on screen (in a thread), then swap them in."""
        try:
            while self._wanted and self.is_mounted:
                width = self._rendered[0][0]
                missing = set(self.body.missing(width))
                indices = [index for index in sorted(self._wanted) if index in missing]
                self._wanted.clear()
                if indices:
                    result = await asyncio.to_thread(self.body.render_blocks, width, self.app.console, indices)
                    self.block_renders += len(result)
                    self._swap_in(width, result)
        finally:
            self._rendering = False

    def _start_idle_rendering(self) -> None:
        if not self._idle and self.IDLE_AFTER is not None:
            self._idle = True
            self.run_worker(self._render_when_idle(), group="blocks-idle")

    async def _render_when_idle(self) -> None:
        """Render the blocks never drawn, nearest the screen first, a few at a time while the app is
        idle, so scrolling up later finds them ready (drafts are only a fallback)."""
        try:
            await asyncio.sleep(self.IDLE_AFTER or 0)
            async with _idle_lock(self.app):  # one message at a time (a resize leaves many with drafts)
                while self.is_mounted:
                    width = self._rendered[0][0]
                    if width <= 0 or self._view is None:
                        return
                    if self._rendering or self.screen.query("StreamingMessage"):  # the screen comes first
                        await asyncio.sleep(self.IDLE_AFTER or self.IDLE_GAP)
                        continue
                    top = self._viewport_top()
                    indices = self.body.nearest_missing(width, max(0, top - self._body_at), self.IDLE_BATCH)
                    if not indices:
                        return
                    result = await asyncio.to_thread(self.body.render_blocks, width, self.app.console, indices)
                    self.block_renders += len(result)
                    if self._rendered[0][0] == width:
                        self._swap_in(width, result)
                    await asyncio.sleep(self.IDLE_GAP)
        finally:
            self._idle = False

    def _scroller(self) -> Widget | None:
        parent = self.parent
        return parent if isinstance(parent, Widget) and parent.allow_vertical_scroll else None

    def _viewport_top(self) -> int:
        """The first line of this widget's content at the top of its scroll container's window."""
        scroller = self._scroller()
        if scroller is None:
            return 0
        return round(scroller.scroll_y) - self.virtual_region.y - self.gutter.top

    def _swap_in(self, width: int, rendered: list[tuple[int, list[Strip]]]) -> None:
        """Put rendered blocks in place of their drafts without moving what the user looks at: when
        the blocks above the window change height, the window follows (a view anchored to the
        bottom is kept there by Textual itself)."""
        old = self.body.view(width)
        top = self._viewport_top() - self._body_at
        self.body.put(width, rendered)
        if self._rendered[0][0] != width:
            return
        new = self.body.view(width)
        scroller = self._scroller()
        following = scroller is not None and scroller.is_anchored and not scroller._anchor_released
        shift = 0
        if scroller is not None and not following and top > 0:
            if top >= len(old.lines):
                shift = len(new.lines) - len(old.lines)
            else:
                block = bisect.bisect_right(old.starts, top) - 1
                shift = new.starts[block] - old.starts[block]
        self.refresh(layout=True)
        if shift and scroller is not None:
            y = scroller.scroll_y + shift
            scroller.set_reactive(Widget.scroll_y, y)
            scroller.set_reactive(Widget.scroll_target_y, y)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines_at(width)) if width > 0 else 0

    def render_lines(self, crop: Region) -> list[Strip]:
        self._style = self.rich_style  # once per frame, not per line (it walks every ancestor's styles)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        lines = self._lines_at(width) if width > 0 else []
        if self._view is not None:
            self._note_drawn(y)
        if y < len(lines):
            return fit(lines[y], width).apply_style(self._style)
        return Strip.blank(width, self._style)

    def refresh_body(self) -> None:
        self.set_class(True, f"-status-{self.data.status}")
        self._frame = (-1, [], None, [])
        self._rendered = ((-1, -1), [])
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
