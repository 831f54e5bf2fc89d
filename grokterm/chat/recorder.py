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
                 busy: Callable[[], bool] | None = None,
                 model_info: Callable[[str], Any] | None = None,
                 price_model: Callable[[str | None, str], Any] | None = None) -> None:
        """`price_model(reply_model, requested_model)` finds the prices for a reply (chat.models.model_for_cost);
        without it, `model_info(name)` is tried with the reply's model, then the requested one."""
        self.store = store
        self.reply_id = reply_id
        self.model = model
        self.model_info = model_info or (lambda _model: None)
        self.price_model = price_model
        self.checkpointer = StreamCheckpointer(store, reply_id, write=write, busy=busy)
        self.started = time.monotonic()
        self.first_token: float | None = None
        self.tokens = 0  # delta events (chunks); the final rate uses the usage's token counts instead
        self.saw_reasoning = False
        self.last_delta: float | None = None
        self.usage_tokens: int | None = None
        self.finished = False

    def on_event(self, event: TurnEvent) -> TurnEvent:
        """Checkpoint deltas; for the final event, fill in a missing cost and return it."""
        if isinstance(event, (TextDelta, ReasoningDelta)):
            now = time.monotonic()
            if self.first_token is None:
                self.first_token = now
            self.last_delta = now
            self.tokens += event.count  # a coalesced delta stands for several
            if isinstance(event, TextDelta):
                self.checkpointer.feed(event.text, "")
            else:
                self.saw_reasoning = True
                self.checkpointer.feed("", event.text)
        elif isinstance(event, Completed) and event.usage is not None:
            # tokens streamed between the first and the last delta: the visible completion, plus the
            # reasoning when it streamed too (otherwise it happened before the first token)
            self.usage_tokens = event.usage.output_tokens + (event.usage.reasoning_tokens if self.saw_reasoning else 0)
            if event.usage.cost_ticks is None:
                ticks = cost_ticks(event.usage, self._prices_for(event.model))
                if ticks is not None:
                    event = replace(event, usage=replace(event.usage, cost_ticks=ticks))
        return event

    def _prices_for(self, reply_model: str | None) -> Any:
        if self.price_model is not None:
            return self.price_model(reply_model, self.model)
        return (self.model_info(reply_model) if reply_model else None) or self.model_info(self.model)

    def tokens_per_second(self) -> float | None:
        """Tokens (from the reply's usage when it came, else delta events) per second of streaming."""
        if self.first_token is None or self.last_delta is None:
            return None
        tokens = self.usage_tokens if self.usage_tokens is not None else self.tokens
        elapsed = self.last_delta - self.first_token
        return tokens / elapsed if tokens > 1 and elapsed > 0 else None

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

    def stop_checkpoints(self, flush: bool = True) -> None:
        """Stop checkpointing (the final row comes next); with `flush`, write what is unsaved first."""
        if flush:
            self.checkpointer.flush()
        self.checkpointer.stopped = True
        self.finished = True

    def finish(self, event: Completed | Failed | None) -> None:
        """Commit the final row (call after stop_checkpoints, from any thread)."""
        status, fields = self.final_fields(event)
        rate = self.tokens_per_second()
        ttft = None if self.first_token is None else int((self.first_token - self.started) * 1000)
        self.store.finish_message(self.reply_id, status, ttft_ms=ttft, tokens_per_s=rate, **fields)
