"""The reply being streamed: live Markdown fed by a short buffer.

Deltas arrive far faster than a terminal can redraw, so they are collected and
handed to Textual's MarkdownStream about every `interval` seconds. When the
reply ends the pane swaps this widget for a FinishedMessage, which renders the
whole text once (no partial-block artefacts left behind).
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Collapsible, Markdown, Static

from grokterm.ui.render import plain, safe_text


class StreamingMessage(Vertical):
    """Header, collapsible live reasoning, live Markdown body and a speed line."""

    def __init__(self, model: str | None, interval: float = 0.05) -> None:
        super().__init__(classes="message -assistant -streaming")
        self.model = model
        self.interval = interval
        self.text = ""
        self.reasoning = ""
        self._pending_text: list[str] = []
        self._pending_reasoning = False
        self._stream = None
        self._started = time.monotonic()
        self._first_token: float | None = None
        self._tokens = 0
        self.status_note = ""

    def compose(self) -> ComposeResult:
        header = Text("grok", style="bold")
        if self.model:
            header.append("  ")
            header.append_text(plain(self.model, "dim"))
        yield Static(header, classes="message-header")
        with Collapsible(title="reasoning…", collapsed=True, classes="reasoning"):
            yield Static("", classes="reasoning-text")
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
        """Hand buffered text to the Markdown stream (called on a timer)."""
        if self._pending_reasoning:
            self._pending_reasoning = False
            box = self.query_one(".reasoning", Collapsible)
            box.display = True
            box.title = f"reasoning… ({len(self.reasoning.split())} words)"
            self.query_one(".reasoning-text", Static).update(plain(self.reasoning, "italic"))
        if self._pending_text and self._stream is not None:
            chunk = safe_text("".join(self._pending_text))
            self._pending_text.clear()
            await self._stream.write(chunk)
        if self._first_token is not None and not self.status_note:
            rate = self.tokens_per_s
            stats = f"first token {self.ttft_ms} ms"
            if rate:
                stats += f" · {rate:.0f} tok/s"
            self.query_one(".stream-stats", Static).update(stats)

    async def finish(self) -> None:
        """Stop the live stream; the pane replaces this widget afterwards."""
        self._timer.stop()
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
