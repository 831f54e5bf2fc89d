"""Limits on what a server can make us hold in memory or wait for (issue 10: hostile servers).

httpx would decompress a whole chunk at once and httpx-sse would buffer a line of
any length; a 200 MB SSE line cost 660 MB of RSS and a gzip bomb 3.2 GB. Here
the raw (still compressed) bytes are read and inflated at most `STEP` bytes at a
time, every byte counted against a ceiling, and SSE lines and events are cut at a
maximum size. Each limit raises `LimitExceeded` with a one-line reason; the
client turns it into a failed turn that keeps the partial reply.

Limits (also in the README):
- MAX_SSE_LINE  16 MiB: one SSE line (the biggest real ones, `response.completed`
  with a long reply and its reasoning, are well under 1 MiB);
- MAX_SSE_EVENT 32 MiB: one event's data lines together;
- MAX_BODY      64 MiB: a JSON body after decompression (model lists, stored
  responses, generated images as base64);
- MAX_ERROR_BODY 64 KiB: what we read of an error body;
- MAX_REPLY_CHARS 32 Mi characters: one reply's text and reasoning together (a
  stream of valid deltas, compressed or not, cannot grow a turn without end);
- idle: a stream that sends no *event* for the client's read timeout (default
  300 s, `ask --timeout`) fails as stalled, however many comments or keep-alives
  it sends meanwhile.
"""

from __future__ import annotations

import codecs
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING

from httpx_sse import ServerSentEvent
from httpx_sse._decoders import SSEDecoder, SSELineDecoder

if TYPE_CHECKING:
    import httpx

MiB = 1 << 20
MAX_SSE_LINE = 16 * MiB
MAX_SSE_EVENT = 32 * MiB
MAX_BODY = 64 * MiB
MAX_ERROR_BODY = 64 * 1024
MAX_REPLY_CHARS = 32 * MiB
STEP = 256 * 1024  # the most a compressed piece may inflate to at once


class LimitExceeded(Exception):
    """A server sent more than we accept; `str(e)` says which limit, for the user."""


class StreamIdle(Exception):
    """A stream sent no event (only comments, keep-alives or partial lines) for too long."""


def _size(n: int) -> str:
    return f"{n // MiB} MiB" if n >= MiB else f"{n // 1024} KiB"


class _Inflater:
    """Content-Encoding gzip/deflate/identity, inflated in bounded steps."""

    def __init__(self, encoding: str) -> None:
        encoding = encoding.strip().lower()
        self._encoding = encoding
        if encoding in ("", "identity"):
            self._zlib = None
        elif encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 32)  # zlib or gzip header, auto-detected
        else:
            raise LimitExceeded(f"unsupported reply encoding {encoding[:40]!r}")

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Inflated pieces of at most STEP bytes, produced lazily (the caller stops at its limit)."""
        if self._zlib is None:
            yield data
            return
        try:
            yield self._zlib.decompress(data, STEP)
            while self._zlib.unconsumed_tail:
                yield self._zlib.decompress(self._zlib.unconsumed_tail, STEP)
        except zlib.error as exc:
            raise LimitExceeded(f"unreadable {self._encoding} reply ({exc})") from None


def _encoding(response: httpx.Response) -> str:
    value = response.headers.get("content-encoding", "")
    parts = [p for p in (v.strip() for v in value.split(",")) if p and p.lower() != "identity"]
    if len(parts) > 1:
        raise LimitExceeded("unsupported reply encoding: more than one content-encoding")
    return parts[0] if parts else ""


async def aiter_bounded_bytes(response: httpx.Response, limit: int, what: str) -> AsyncIterator[bytes]:
    """The decoded body in pieces of at most STEP bytes; LimitExceeded past `limit` bytes."""
    inflater = _Inflater(_encoding(response))
    total = 0
    async for raw in response.aiter_raw():
        for piece in inflater.feed(raw):
            total += len(piece)
            if total > limit:
                raise LimitExceeded(f"{what} larger than {_size(limit)}: stopped reading")
            if piece:
                yield piece


async def read_bounded(response: httpx.Response, limit: int | None = None, what: str = "reply") -> bytes:
    """The whole decoded body, at most `limit` (default MAX_BODY) bytes; LimitExceeded beyond."""
    limit = MAX_BODY if limit is None else limit
    parts = [piece async for piece in aiter_bounded_bytes(response, limit, what)]
    return b"".join(parts)


async def read_prefix(response: httpx.Response, limit: int = MAX_ERROR_BODY) -> bytes:
    """At most the first `limit` decoded bytes of the body (an error text: the rest is not needed)."""
    parts: list[bytes] = []
    size = 0
    try:
        async for piece in aiter_bounded_bytes(response, 1 << 62, "error"):
            parts.append(piece[: limit - size])
            size += len(parts[-1])
            if size >= limit:
                break
    except LimitExceeded:
        pass
    return b"".join(parts)


async def aiter_sse_bounded(
    response: httpx.Response,
    *,
    idle_timeout: float,
    max_line: int | None = None,
    max_event: int | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> AsyncIterator[ServerSentEvent]:
    """httpx-sse's decoding (same line rules, same events) with every size and the idle time bounded."""
    async for batch in aiter_sse_batches(response, idle_timeout=idle_timeout, max_line=max_line,
                                         max_event=max_event, clock=clock):
        for sse in batch:
            yield sse


async def aiter_sse_batches(
    response: httpx.Response,
    *,
    idle_timeout: float,
    max_line: int | None = None,
    max_event: int | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> AsyncIterator[list[ServerSentEvent]]:
    """As `aiter_sse_bounded`, but the events come in lists: all those one piece of the body completed.

    A fast stream's events arrive many to a network read; handing them over together lets the
    reader merge them (grokterm.xai.events.coalesce) instead of paying every layer per token.
    """
    max_line = MAX_SSE_LINE if max_line is None else max_line  # read now: tests lower the module's limits
    max_event = MAX_SSE_EVENT if max_event is None else max_event
    text_decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    lines = SSELineDecoder()
    events = SSEDecoder()
    event_size = 0
    last_event = clock()

    def check_idle() -> None:
        if clock() - last_event > idle_timeout:
            raise StreamIdle(f"reply stalled: no event for {idle_timeout:g} s (only keep-alives)")

    def decode(line: str) -> ServerSentEvent | None:
        nonlocal event_size, last_event
        if len(line) > max_line:
            raise LimitExceeded(f"stream line longer than {_size(max_line)}: stopped reading")
        if line and not line.startswith(":"):
            event_size += len(line)
            if event_size > max_event:
                raise LimitExceeded(f"stream event larger than {_size(max_event)}: stopped reading")
        elif not line:
            event_size = 0
        sse = events.decode(line)
        if sse is not None and sse.data:
            last_event = clock()
        return sse

    def decode_all(ended: list[str]) -> tuple[list[ServerSentEvent], LimitExceeded | None]:
        """The events these lines complete, and the limit one of them broke (the events before it stand)."""
        batch = []
        try:
            for line in ended:
                sse = decode(line.rstrip("\n"))
                if sse is not None:
                    batch.append(sse)
        except LimitExceeded as exc:
            return batch, exc
        return batch, None

    pending = 0  # characters of the line not yet ended
    async for piece in aiter_bounded_bytes(response, limit=1 << 62, what="stream"):
        text = text_decoder.decode(piece)
        if not text:
            continue
        ended = lines.decode(text)
        batch, error = decode_all(ended)
        if batch:
            yield batch
        if error is not None:
            raise error
        pending = sum(map(len, lines.buffer)) if ended else pending + len(text)
        if pending > max_line:
            raise LimitExceeded(f"stream line longer than {_size(max_line)}: stopped reading")
        if event_size + pending > max_event:
            raise LimitExceeded(f"stream event larger than {_size(max_event)}: stopped reading")
        check_idle()
    tail = text_decoder.decode(b"", final=True)
    batch, error = decode_all((lines.decode(tail) if tail else []) + lines.flush())
    if batch:
        yield batch
    if error is not None:
        raise error
