"""Server-sent events with pacing, batching and stream faults.

Frames are produced lazily and written in batches (one ASGI message per
~32 KiB) so unlimited speed is limited by the client, not by per-event
overhead. Token frames are paced against a schedule (first token after
`first_token_delay`, then `speed` tokens per second). Every wait can be cut
short by the client disconnecting or the emulator stopping, so a stalled or
slow stream never holds up shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from grokterm.emulator.faults import Fault

BATCH_BYTES = 32 * 1024
MALFORMED_FRAME = b'data: {"emulator": "malformed event (injected fault), not valid JSON\n\n'
SSE_HEADERS = [
    (b"content-type", b"text/event-stream"),
    (b"cache-control", b"no-cache"),
]

# (encoded event, is_token): token frames are the ones paced by `speed`.
Frame = tuple[bytes, bool]


def data_frame(payload: str) -> bytes:
    return b"data: " + payload.encode("utf-8") + b"\n\n"


@dataclass(frozen=True)
class Pacing:
    speed: float  # tokens per second; 0 = unlimited
    first_token_delay: float  # seconds before the first token frame


class StreamRegistry:
    """The streams in flight, so stopping the emulator can end them all at once."""

    def __init__(self) -> None:
        self._aborts: set[asyncio.Event] = set()
        self.stopping = False

    def add(self, abort: asyncio.Event) -> None:
        if self.stopping:
            abort.set()
        self._aborts.add(abort)

    def discard(self, abort: asyncio.Event) -> None:
        self._aborts.discard(abort)

    def abort_all(self) -> None:
        """Called on the server loop when the emulator stops."""
        self.stopping = True
        for abort in list(self._aborts):
            abort.set()


class SSEResponse:
    """An ASGI response that streams `frames`, applying `fault` after `fault.after` events.

    A fault whose `after` is beyond the end of the stream is applied just before
    the last frame, so `cut`/`end`/`error_event` always suppress the terminator.
    `error_frame(n)` builds the error event to send when n events were sent.
    """

    def __init__(
        self,
        frames: Iterable[Frame],
        pacing: Pacing,
        registry: StreamRegistry,
        fault: Fault | None = None,
        error_frame: Callable[[int], bytes] | None = None,
    ):
        self.frames = frames
        self.pacing = pacing
        self.registry = registry
        self.fault = fault
        self.error_frame = error_frame

    async def __call__(self, scope, receive, send) -> None:
        abort = asyncio.Event()
        self.registry.add(abort)
        watcher = asyncio.create_task(_watch_disconnect(receive, abort))
        try:
            await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
            complete = await self._pump(send, abort)
            if complete:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            # otherwise return without finishing the body: uvicorn closes the connection
        finally:
            watcher.cancel()
            self.registry.discard(abort)

    async def _pump(self, send, abort: asyncio.Event) -> bool:
        """Send every frame; False when the connection must be dropped (cut, abort)."""
        loop = asyncio.get_running_loop()
        speed, first_delay = self.pacing.speed, self.pacing.first_token_delay
        paced = speed > 0 or first_delay > 0
        start = loop.time() + first_delay
        tokens_sent = 0
        batch: list[bytes] = []
        size = 0
        sent = 0
        fault = self.fault

        async def flush() -> None:
            nonlocal batch, size
            if batch:
                body, batch, size = b"".join(batch), [], 0
                await send({"type": "http.response.body", "body": body, "more_body": True})

        frames = iter(self.frames)
        pending = next(frames, None)
        while pending is not None:
            following = next(frames, None)
            if fault is not None and (sent >= fault.after or following is None):
                kind, stall_seconds, fault = fault.kind, fault.seconds, None
                if kind == "cut":
                    await flush()
                    return False
                if kind == "end":  # a clean end of the body, without the terminator
                    await flush()
                    return True
                if kind == "error_event":
                    assert self.error_frame is not None
                    batch.append(self.error_frame(sent))
                    await flush()
                    return True
                if kind == "malformed":
                    batch.append(MALFORMED_FRAME)
                elif kind == "stall":
                    await flush()
                    if await _wait(abort, stall_seconds):
                        return False
            frame, is_token = pending
            if paced and is_token:
                due = start + (tokens_sent / speed if speed > 0 else 0.0)
                tokens_sent += 1
                if due > loop.time():
                    await flush()
                    if await _wait(abort, due - loop.time()):
                        return False
                elif speed <= 0:
                    paced = False  # the one first-token delay is over
            batch.append(frame)
            size += len(frame)
            sent += 1
            if size >= BATCH_BYTES:
                await flush()
                if abort.is_set():
                    return False
            pending = following
        await flush()
        return not abort.is_set()


async def _wait(abort: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds`; True if the stream was aborted meanwhile."""
    if abort.is_set():
        return True
    try:
        await asyncio.wait_for(abort.wait(), seconds)
    except TimeoutError:
        return False
    return True


async def _watch_disconnect(receive, abort: asyncio.Event) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            abort.set()
            return


class _DropIntentionalCuts(logging.Filter):
    """uvicorn logs every dropped stream as an error; ours are on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("ASGI callable returned without completing response")


def quiet_uvicorn_about_cuts() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DropIntentionalCuts) for f in logger.filters):
        logger.addFilter(_DropIntentionalCuts())
