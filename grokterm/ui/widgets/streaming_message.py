"""The reply being streamed: live Markdown fed by a short buffer.

Deltas arrive far faster than a terminal can redraw, so they are collected and
handed to Textual's MarkdownStream about every `interval` seconds. When the
reply ends the pane swaps this widget for a FinishedMessage, which renders the
whole text once (no partial-block artefacts left behind).

A live Markdown widget costs layout time in proportion to its blocks, so a long
reply would slow down as it grows. Finished blocks are therefore "frozen": once
the live part passes FREEZE_AT characters, everything up to the last blank line
outside a code fence moves into a cheap Static (Rich Markdown) above, and the
live widget restarts with just the tail. Per-flush cost stays flat.
"""

from __future__ import annotations

import asyncio
import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Collapsible, Markdown, Static

from grokterm.ui.render import markdown_renderable, plain, safe_text

FREEZE_AT = 2500  # characters of live Markdown before finished blocks are frozen


def safe_split_point(text: str) -> int:
    """Index just after the last blank line that is outside a fenced code block (0 if none)."""
    in_fence = False
    fence = ""
    best = 0
    position = 0
    lines = text.split("\n")
    for index, line in enumerate(lines[:-1]):  # the last line may be incomplete
        position += len(line) + 1
        stripped = line.lstrip()
        if len(line) - len(stripped) <= 3 and stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            if not in_fence:
                in_fence, fence = True, marker
            elif marker == fence:
                in_fence = False
        elif not in_fence and not line.strip() and index > 0:
            best = position
    return best


async def stop_stream(stream) -> None:
    """Stop a MarkdownStream without letting ITS cancellation escape into our task.

    `MarkdownStream.stop()` cancels its task and awaits it. A stream created in this loop iteration
    (right after a freeze) has a task that never started: cancelling it makes `await task` raise
    CancelledError in the caller, which the turn worker took for the user pressing esc.
    """
    try:
        await stream.stop()
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise  # we are being cancelled ourselves (esc): that one must propagate


class StreamingMessage(Vertical):
    """Header, collapsible live reasoning, live Markdown body and a speed line."""

    def __init__(self, model: str | None, interval: float = 0.05) -> None:
        super().__init__(classes="message -assistant -streaming")
        self.model = model
        self.interval = interval
        self.text = ""
        self.reasoning = ""
        self._pending_text: list[str] = []
        self._live_text = ""  # what the live Markdown widget holds (the unfrozen tail)
        self._frozen_text = ""
        self.frozen_parts: list = []  # RenderCache of each frozen block, reused by the finished message
        self._pending_reasoning = False
        self._stream = None
        self._started = time.monotonic()
        self._first_token: float | None = None
        self._tokens = 0
        self.status_note = ""
        self._lock = asyncio.Lock()
        self._finished = False

    def compose(self) -> ComposeResult:
        header = Text("grok", style="bold")
        if self.model:
            header.append("  ")
            header.append_text(plain(self.model, "dim"))
        yield Static(header, classes="message-header")
        with Collapsible(title="reasoning…", collapsed=True, classes="reasoning"):
            yield Static("", classes="reasoning-text")
        yield Vertical(classes="frozen-blocks")
        yield Markdown("", classes="reply-body")
        yield Static("waiting for the first token…", classes="stream-stats")

    def on_mount(self) -> None:
        self.query_one(".reasoning").display = False
        self._stream = Markdown.get_stream(self.query_one(".reply-body", Markdown))
        self._timer = self.set_interval(self.interval, self.flush)

    # -- fed by the pane -------------------------------------------------
    def add_text(self, delta: str) -> None:
        self._count_token()
        self.text += delta
        self._pending_text.append(delta)

    def add_reasoning(self, delta: str) -> None:
        self._count_token()
        self.reasoning += delta
        self._pending_reasoning = True

    def set_status(self, note: str) -> None:
        self.status_note = note
        if not self._finished:
            self.query_one(".stream-stats", Static).update(plain(note, "yellow"))

    def _count_token(self) -> None:
        now = time.monotonic()
        if self._first_token is None:
            self._first_token = now
        self._tokens += 1

    @property
    def ttft_ms(self) -> int | None:
        return None if self._first_token is None else int((self._first_token - self._started) * 1000)

    @property
    def tokens_per_s(self) -> float | None:
        if self._first_token is None:
            return None
        elapsed = time.monotonic() - self._first_token
        return self._tokens / elapsed if elapsed > 0.05 else None

    async def flush(self) -> None:
        """Hand buffered text to the Markdown stream (called on a timer).

        Serialised with `finish()`: a tick already in flight when the reply ends must not
        touch children that are being removed, nor restart a stream that was stopped.
        """
        async with self._lock:
            if not self._finished:
                await self._flush()

    async def _flush(self) -> None:
        if self._pending_reasoning:
            self._pending_reasoning = False
            box = self.query_one(".reasoning", Collapsible)
            box.display = True
            box.title = f"reasoning… ({len(self.reasoning.split())} words)"
            self.query_one(".reasoning-text", Static).update(plain(self.reasoning, "italic"))
        if self._pending_text and self._stream is not None:
            chunk = safe_text("".join(self._pending_text))
            self._pending_text.clear()
            self._live_text += chunk
            if len(self._live_text) > FREEZE_AT and (split := safe_split_point(self._live_text)):
                await self._freeze(split)
            else:
                await self._stream.write(chunk)
        if self._first_token is not None and not self.status_note:
            rate = self.tokens_per_s
            stats = f"first token {self.ttft_ms} ms"
            if rate:
                stats += f" · {rate:.0f} tok/s"
            self.query_one(".stream-stats", Static).update(stats)

    async def _freeze(self, split: int) -> None:
        """Move finished blocks out of the live widget into a static block above it."""
        done, self._live_text = self._live_text[:split], self._live_text[split:]
        await stop_stream(self._stream)
        body = self.query_one(".reply-body", Markdown)
        code_theme = getattr(self.app, "code_theme", "monokai")
        block = markdown_renderable(done, code_theme)
        self.frozen_parts.append(block)
        self._frozen_text += done
        await self.query_one(".frozen-blocks", Vertical).mount(Static(block, classes="frozen-block"))
        await body.update(self._live_text)
        self._stream = Markdown.get_stream(body)

    def body_parts(self, final_text: str) -> list | None:
        """The finished reply as already-rendered frozen blocks plus the tail, or None when the
        final text differs from what streamed (then the whole text is rendered afresh)."""
        tail = self._live_text + safe_text("".join(self._pending_text))
        if not self.frozen_parts or self._frozen_text + tail != safe_text(final_text):
            return None
        code_theme = getattr(self.app, "code_theme", "monokai")
        return [*self.frozen_parts, markdown_renderable(tail, code_theme)]

    async def finish(self) -> None:
        """Stop the live stream; the pane replaces this widget afterwards."""
        self._timer.stop()
        async with self._lock:
            self._finished = True
            if self._stream is not None:
                await stop_stream(self._stream)
                self._stream = None
