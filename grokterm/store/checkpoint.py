"""Save a streaming reply's partial text every so often, so a crash loses at most ~1 s of it.

Writing on every token would turn a fast stream into thousands of commits; never
writing until the end would lose everything on kill -9. The checkpointer writes
the first delta at once (the row becomes 'streaming'), then at most once per
`interval` seconds, or sooner when `max_chars` unsaved characters pile up. The
clock is injectable so tests need no sleeps; the writer is injectable so the UI
can hand the write to a worker thread instead of its event loop.

A background writer also says when it is `busy` with this reply's last checkpoint:
then no new one is started until it is done. Each checkpoint rewrites the whole text
(and its full-text index), so without this a fast long reply queued checkpoints
faster than they were written: a 200k-token reply at full speed queued 286 of them,
1.3 s of CPU and a 4 s wait for the final row after the last token.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol


class _Checkpointing(Protocol):
    def checkpoint(self, message_id: int, text: str, reasoning: str | None = None) -> bool: ...


class StreamCheckpointer:
    """Accumulates deltas of one reply and writes them through `store.checkpoint`."""

    def __init__(
        self, store: _Checkpointing, message_id: int, *, interval: float = 1.0, max_chars: int = 2000,
        clock: Callable[[], float] = time.monotonic,
        write: Callable[[int, str, str | None], bool] | None = None,
        busy: Callable[[], bool] | None = None,
    ) -> None:
        self.message_id = message_id
        self.interval = interval
        self.max_chars = max_chars
        self._clock = clock
        self._write = write or store.checkpoint
        self._busy = busy  # True while the previous checkpoint is still being written
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._unsaved = 0
        self._last_write: float | None = None
        self.writes = 0
        self.stopped = False  # the row became final elsewhere: stop writing

    @property
    def text(self) -> str:
        return "".join(self._text)

    @property
    def reasoning(self) -> str:
        return "".join(self._reasoning)

    def feed(self, text: str = "", reasoning: str = "") -> bool:
        """Add a delta; returns True when this call wrote a checkpoint."""
        if text:
            self._text.append(text)
        if reasoning:
            self._reasoning.append(reasoning)
        self._unsaved += len(text) + len(reasoning)
        if not self._unsaved or self.stopped:
            return False
        due = (
            self._last_write is None
            or self._unsaved >= self.max_chars
            or self._clock() - self._last_write >= self.interval
        )
        if due and self._busy is not None and self._busy():
            return False  # the next delta after the writer is done saves all of it
        return self.flush() if due else False

    def flush(self) -> bool:
        """Write now if anything is unsaved; returns True when it wrote."""
        if not self._unsaved or self.stopped:
            return False
        text, reasoning = self.text, self.reasoning
        self._text, self._reasoning = [text], [reasoning]  # keep the joins cheap
        if not self._write(self.message_id, text, reasoning):
            self.stopped = True
            return False
        self._unsaved = 0
        self._last_write = self._clock()
        self.writes += 1
        return True
