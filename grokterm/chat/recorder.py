"""Writes one reply to the store as its events arrive: checkpoints, then the final row.

Shared by the TUI's TurnRunner (which calls the final write from a thread) and
`grokterm ask` (which records its one-shot turns unless --no-save). Keeping the
rules in one place means both agree on what "interrupted", "failed" and
"stopped" mean and on what lands in the response index.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from grokterm.chat.sources import sources_record
from grokterm.store import Store
from grokterm.store.checkpoint import StreamCheckpointer
from grokterm.xai.errors import StreamInterruptedError
from grokterm.xai.events import Completed, Failed, ReasoningDelta, TextDelta, TurnEvent
from grokterm.xai.usage import cost_ticks


class TurnRecorder:
    """Feed it every TurnEvent of one reply; `final_write()` says what to commit at the end."""

    def __init__(self, store: Store, reply_id: int, *, model: str,
                 write: Callable[[int, str, str | None], bool] | None = None,
                 model_info: Callable[[str], Any] | None = None) -> None:
        self.store = store
        self.reply_id = reply_id
        self.model = model
        self.model_info = model_info or (lambda _model: None)
        self.checkpointer = StreamCheckpointer(store, reply_id, write=write)
        self.started = time.monotonic()
        self.first_token: float | None = None
        self.tokens = 0
        self.finished = False

    def on_event(self, event: TurnEvent) -> TurnEvent:
        """Checkpoint deltas; for the final event, fill in a missing cost and return it."""
        if isinstance(event, (TextDelta, ReasoningDelta)):
            if self.first_token is None:
                self.first_token = time.monotonic()
            self.tokens += 1
            if isinstance(event, TextDelta):
                self.checkpointer.feed(event.text, "")
            else:
                self.checkpointer.feed("", event.text)
        elif isinstance(event, Completed) and event.usage is not None and event.usage.cost_ticks is None:
            ticks = cost_ticks(event.usage, self.model_info(event.model or self.model))
            if ticks is not None:
                event = replace(event, usage=replace(event.usage, cost_ticks=ticks))
        return event

    def final_fields(self, event: Completed | Failed | None) -> tuple[str, dict[str, Any]]:
        """(status, finish_message keyword arguments) for how the turn ended; None = stopped."""
        partial_text, partial_reasoning = self.checkpointer.text, self.checkpointer.reasoning
        if isinstance(event, Completed):
            return "complete", dict(text=event.text, reasoning=event.reasoning, usage=event.usage,
                                    model=event.model, response_id=event.response_id, stored=event.stored,
                                    sources=sources_record(event.citations, event.tool_calls, event.tool_usage))
        if isinstance(event, Failed):
            text = event.partial_text or partial_text
            status = "interrupted" if isinstance(event.error, StreamInterruptedError) and text else "failed"
            return status, dict(text=text, reasoning=event.partial_reasoning or partial_reasoning,
                                error=str(event.error), response_id=event.response_id, index_response=False,
                                sources=sources_record(tool_calls=event.tool_calls))
        return "stopped", dict(text=partial_text, reasoning=partial_reasoning, index_response=False)

    def stop_checkpoints(self) -> None:
        """Write what is unsaved and stop checkpointing (the final row comes next)."""
        self.checkpointer.flush()
        self.checkpointer.stopped = True
        self.finished = True

    def finish(self, event: Completed | Failed | None) -> None:
        """Commit the final row (call after stop_checkpoints, from any thread)."""
        status, fields = self.final_fields(event)
        rate = None
        if self.first_token is not None and self.tokens > 1:
            elapsed = time.monotonic() - self.first_token
            rate = self.tokens / elapsed if elapsed > 0 else None
        ttft = None if self.first_token is None else int((self.first_token - self.started) * 1000)
        self.store.finish_message(self.reply_id, status, ttft_ms=ttft, tokens_per_s=rate, **fields)
