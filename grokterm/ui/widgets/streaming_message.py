"""The reply being streamed: Markdown rendered in a worker thread, a frame at a time.

Deltas arrive far faster than a terminal can redraw. They are collected, and a render loop turns
them into lines (`grokterm.ui.markdown_lines`) in a worker thread: blocks that are finished (cut at
blank lines outside code fences) are rendered once and kept; only the unfinished tail is rendered
again at each step. Only what can be on screen is rendered: the blocks filling the bottom screenful
(the view follows the end of the reply); blocks scrolled off above keep cheap drafts until the user
scrolls up to them (then the next step renders them) or the finished message renders them when idle.
The event loop only swaps the ready lines into one `LineView`, so a keystroke never waits behind
Markdown work, however long the reply.

Cadence adapts: a step starts at most every `interval` seconds (up to 4× that for a fast reply) and only
when text arrived; when a step takes longer (a long code block in the tail), the next one simply starts
later. When the reply ends the pane swaps this widget for a FinishedMessage that reuses the same blocks
(no re-render).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Collapsible, Static

from grokterm.sanitize import StreamSanitizer
from grokterm.ui.markdown_lines import MarkdownLines, View, block_strips, last_split_point, seam, split_blocks
from grokterm.ui.render import plain, safe_text
from grokterm.ui.widgets.layout_once import LayoutOnce
from grokterm.ui.widgets.line_view import LineView


def safe_split_point(text: str) -> int:
    """Where the finished blocks of a growing text end (kept for callers of the old name)."""
    return last_split_point(text)


BUDGET_MARGIN = 8  # lines rendered beyond the screen's height at the bottom of the live reply
MAX_GAP = 0.25  # seconds: the longest gap between render steps when the event loop is saturated
FAST_PACE = 60  # tokens per second above which the live reply is redrawn less often (see _least_gap)
SLOWEST_STEP = 4  # at most this many render intervals between steps of a fast reply
GROW_AHEAD = 0.5  # seconds of text the live reply's height makes room for at a time
STATS_EVERY = 0.25  # seconds between updates of the "first token … · N tok/s" line


class StreamingMessage(LayoutOnce, Vertical):
    """Header, collapsible live reasoning, the live reply's lines and a speed line."""

    def __init__(self, model: str | None, interval: float = 0.05, code_theme: str = "monokai") -> None:
        super().__init__(classes="message -assistant -streaming")
        self.model = model
        self.interval = interval
        self.code_theme = code_theme
        self.text = ""
        self.reasoning = ""
        self._pending_text: list[str] = []
        self._pending_reasoning = False
        self._safe = ""  # sanitised text handed to rendering so far
        self._sanitizer = StreamSanitizer()  # an escape sequence split across deltas is still removed whole
        self.doc = MarkdownLines("", code_theme)  # the finished blocks of _safe (rendered or drafts)
        self._wanted: set[int] = set()  # blocks drawn as drafts (the user scrolled up to them)
        self.renders = 0  # blocks rendered with Markdown (tests count them)
        self._tail: list[Strip] = []
        self._tail_text = ""
        self._width = 0  # the width the doc's bottom and _tail were rendered at
        self._started = time.monotonic()
        self._first_token: float | None = None
        self._first_line: float | None = None  # when the first lines were shown (the pace of lines)
        self._tokens = 0
        self.status_note = ""
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._loop_task: asyncio.Task | None = None
        self._finished = False
        self._step_lock = asyncio.Lock()  # one step at a time (the loop, flush() and finish())
        self._stats_shown = 0.0
        self._gap = interval  # current spacing of render steps (see _render_loop)
        self.steps = 0  # render steps taken (tests check the cadence is bounded)

    def compose(self) -> ComposeResult:
        header = Text("grok", style="bold")
        if self.model:
            header.append("  ")
            header.append_text(plain(self.model, "dim"))
        yield Static(header, classes="message-header")  # display-safe: a Text of literals and plain()
        with Collapsible(title="reasoning…", collapsed=True, classes="reasoning"):
            yield Static("", classes="reasoning-text")
        yield LineView(classes="reply-body", on_drafts_seen=self._drafts_seen)
        yield Static("waiting for the first token…", classes="stream-stats")

    @property
    def body(self) -> LineView:
        return self.query_one(".reply-body", LineView)

    def on_mount(self) -> None:
        self.query_one(".reasoning").display = False
        self._loop_task = asyncio.create_task(self._render_loop())

    def on_unmount(self) -> None:
        self._stop.set()
        self._wake.set()

    def on_resize(self) -> None:
        self._wake.set()  # the lines must be rendered again at the new width

    # -- fed by the pane -------------------------------------------------
    def add_text(self, delta: str, count: int = 1) -> None:
        """`count`: how many wire deltas `delta` merges (the client coalesces a fast stream's deltas)."""
        self._count_token(count)
        self.text += delta
        self._pending_text.append(delta)
        self._wake.set()

    def add_reasoning(self, delta: str, count: int = 1) -> None:
        self._count_token(count)
        self.reasoning += delta
        self._pending_reasoning = True
        self._wake.set()

    def set_status(self, note: str) -> None:
        self.status_note = note
        if not self._finished:
            self.query_one(".stream-stats", Static).update(plain(note, "yellow"))

    def _count_token(self, count: int = 1) -> None:
        now = time.monotonic()
        if self._first_token is None:
            self._first_token = now
        self._tokens += count

    @property
    def ttft_ms(self) -> int | None:
        return None if self._first_token is None else int((self._first_token - self._started) * 1000)

    @property
    def tokens_per_s(self) -> float | None:
        if self._first_token is None:
            return None
        elapsed = time.monotonic() - self._first_token
        return self._tokens / elapsed if elapsed > 0.05 else None

    # -- rendering ---------------------------------------------------------
    async def _render_loop(self) -> None:
        """One step per wake-up, spaced by `_gap`; ends when the reply does.

        The gap is `interval` while the event loop keeps up. When the loop wakes us late (it was busy
        drawing, handling keys, collecting garbage) the gap grows with the lateness, up to MAX_GAP, so
        a saturated loop gets fewer frames to draw and keystrokes keep their turn; it shrinks back
        as soon as the loop is idle again."""
        loop = asyncio.get_running_loop()
        while not self._stop.is_set():
            await self._wake.wait()
            self._wake.clear()
            if self._stop.is_set():
                break
            began = loop.time()
            await self._step()
            rest = max(0.0, self._gap - (loop.time() - began))
            planned = loop.time() + rest
            if not self._stop.is_set():
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), rest)
            late = max(0.0, loop.time() - planned)
            self._gap = min(MAX_GAP, max(self._least_gap(), self._gap / 2 + late * 4))

    def _least_gap(self) -> float:
        """`interval` for a reply up to FAST_PACE tok/s (it appears a token or two at a time), then longer
        in proportion to the pace, up to SLOWEST_STEP × `interval`: a fast reply, which nobody reads at 20
        updates a second, gets a handful of updates a second (8 at 150 tok/s, 5 from 240 tok/s with the
        default 50 ms), each a thread trip, a repaint and a write to the terminal fewer."""
        rate = self.tokens_per_s or 0.0
        return self.interval * min(SLOWEST_STEP, max(1.0, rate / FAST_PACE))

    async def flush(self) -> None:
        """Render everything received so far now (tests and the end of the reply use it)."""
        await self._step()

    async def _step(self, final: bool = False) -> None:
        async with self._step_lock:
            await self._locked_step(final)

    async def _locked_step(self, final: bool) -> None:
        self.steps += 1
        if self._pending_reasoning:
            self._pending_reasoning = False
            box = self.query_one(".reasoning", Collapsible)
            box.display = True
            box.title = f"reasoning… ({len(self.reasoning.split())} words)"
            # folded (the usual case), the text costs no layout; unfolded it must grow
            self.query_one(".reasoning-text", Static).update(plain(self.reasoning, "italic"),
                                                              layout=not box.collapsed)
        if self._pending_text:
            self._safe += self._sanitizer.feed("".join(self._pending_text))
            self._pending_text.clear()
        if final:
            self._safe += self._sanitizer.flush()
        await self._render_text(final)
        now = time.monotonic()
        if (self._first_token is not None and not self.status_note and not self._finished
                and now - self._stats_shown >= STATS_EVERY):
            self._stats_shown = now
            rate = self.tokens_per_s
            stats = f"first token {self.ttft_ms} ms"
            if rate:
                stats += f" · {rate:.0f} tok/s"
            # display-safe: our own numbers (one line, always: no layout)
            self.query_one(".stream-stats", Static).update(stats, layout=False)

    def _budget(self) -> int:
        """How many lines at the bottom can be on screen (the blocks there are rendered at each step;
        the others keep their drafts until drawn)."""
        return self.screen.size.height + BUDGET_MARGIN if self.is_attached else BUDGET_MARGIN

    def _drafts_seen(self, indices: list[int]) -> None:
        """The user scrolled up to blocks not rendered yet: render them at the next step."""
        self._wanted |= set(indices)
        self._wake.set()

    async def _render_text(self, final: bool) -> None:
        if not self.is_mounted:
            return
        body = self.body
        width = body.content_region.width
        if width <= 0:
            return  # not laid out yet: on_resize wakes the loop again
        doc = self.doc
        live = self._safe[len(doc.text):]
        cut = len(live) if final else last_split_point(live)
        new_text, tail_text = live[:cut], live[cut:]
        redo = width != self._width
        wanted = sorted(self._wanted)  # block indices: the same at any width
        self._wanted.clear()
        if not new_text and tail_text == self._tail_text and not redo and not wanted:
            return
        console, theme, height = self.app.console, self.code_theme, self._budget()
        first_tail = not (doc.text or new_text)

        def render() -> tuple[list[Strip], View]:
            if new_text:
                doc.extend(split_blocks(new_text))
            tail = block_strips(tail_text, console, width, theme, first=first_tail) if tail_text else []
            self.renders += doc.render_bottom(width, console, height, below=len(tail), also=wanted)
            return tail, doc.view(width)

        tail, view = await asyncio.to_thread(render)
        self._tail, self._tail_text, self._width = tail, tail_text, width
        if self.is_mounted:
            body = self.body
            below: list[Strip] = seam(view.lines, tail)
            body.grow_by = 1 if final else self._grow_by(len(view.lines) + len(below))
            body.show(view.lines, below, view=view)

    def _grow_by(self, lines: int) -> int:
        """How many lines the reply's height grows by at a time (see LineView.grow_by): about what
        arrives in GROW_AHEAD seconds at the pace seen so far, at most a third of the view. A slow
        reply grows line by line; a fast one changes height (a layout, and a scroll that repaints the
        whole view) a few times a second instead of at every line."""
        now = time.monotonic()
        if self._first_line is None:
            self._first_line = now
        elapsed = now - self._first_line
        pace = (lines - 1) / elapsed if elapsed > 0.15 else 0.0  # (the last line is still filling)
        view = self.parent.size.height if isinstance(self.parent, Widget) else 0
        return max(1, min(view // 3, math.ceil(pace * GROW_AHEAD)))

    async def finish(self) -> None:
        """Stop the render loop and render what is left; the pane replaces this widget afterwards."""
        self._stop.set()
        self._wake.set()
        if self._loop_task is not None:
            # our own task, never cancelled by anyone: waiting for it cannot raise into the turn
            await asyncio.wait({self._loop_task})
        if not self._finished:
            self._finished = True
            await self._step(final=True)

    @property
    def width(self) -> int:
        """The width the reply's lines were last rendered at (0: never)."""
        return self._width

    async def final_body(self, final_text: str) -> MarkdownLines:
        """The finished reply's body: the very blocks streaming rendered when the stored text is the
        text that streamed (otherwise rendered afresh, in a thread). Either way only the blocks at the
        bottom are rendered; the others are rendered when seen, or when the app is idle."""
        text = safe_text(final_text)
        if text == self.doc.text and not self._tail_text and not self._pending_text:
            return self.doc
        body = MarkdownLines(text, self.code_theme)
        if self._width and self.is_mounted:
            await asyncio.to_thread(body.render_bottom, self._width, self.app.console, self._budget())
        return body
