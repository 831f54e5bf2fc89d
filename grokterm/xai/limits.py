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

from httpx_sse._decoders import SSELineDecoder

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


class SSEDataDecoder:
    """The SSE event-stream interpretation (WHATWG HTML §9.2.6, as httpx-sse's `SSEDecoder`), reduced to what
    a reader of JSON events needs: the data of each dispatched event, with the size limits applied per line.

    Why not httpx-sse's decoder: it costs a method call and an object per line and per event, ~2 µs of
    the ~5 µs a 20k-token stream spends per token; this loop over a piece's lines is ~5× cheaper. The line
    splitting (CR, LF, CRLF) is still httpx-sse's `SSELineDecoder`. Same dispatch rule: a blank line ends
    an event when it set any of event, data, id (which, per the spec, is never reset) or retry; its data is
    the data lines joined with LF ("" when it had none). `tests/test_stream_coalescing.py` checks it
    against httpx-sse on random streams.
    """

    def __init__(self, max_line: int, max_event: int) -> None:
        self.max_line = max_line
        self.max_event = max_event
        self.event_size = 0  # characters of the current event's field lines
        self._data: list[str] = []
        self._event = False  # an `event:` field set a type
        self._id = False  # the last event id is not empty (never reset, as in httpx-sse)
        self._retry = False
        self.data_seen = False  # an event with data was dispatched (the idle clock restarts)

    def decode(self, lines: list[str]) -> tuple[list[str], LimitExceeded | None]:
        """The data of the events these complete lines dispatch, and the limit a line broke (the events
        before it stand)."""
        out: list[str] = []
        data = self._data
        max_line, max_event = self.max_line, self.max_event
        for line in lines:
            if not line:
                self.event_size = 0
                if data or self._event or self._id or self._retry:
                    out.append(data[0] if len(data) == 1 else "\n".join(data))
                    if out[-1]:
                        self.data_seen = True
                    data = self._data = []
                    self._event = self._retry = False
                continue
            if len(line) > max_line:
                return out, LimitExceeded(f"stream line longer than {_size(max_line)}: stopped reading")
            if line[0] == ":":  # a comment (keep-alive)
                continue
            self.event_size += len(line)
            if self.event_size > max_event:
                return out, LimitExceeded(f"stream event larger than {_size(max_event)}: stopped reading")
            field, _, value = line.partition(":")
            if value[:1] == " ":
                value = value[1:]
            if field == "data":
                data.append(value)
            elif field == "event":
                self._event = bool(value)
            elif field == "id":
                if "\0" not in value:
                    self._id = bool(value)
            elif field == "retry":
                try:
                    int(value)
                except ValueError:
                    continue
                self._retry = True
        return out, None


async def aiter_sse_batches(
    response: httpx.Response,
    *,
    idle_timeout: float,
    max_line: int | None = None,
    max_event: int | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> AsyncIterator[list[str]]:
    """The data of each SSE event in the body, in lists: all the events one piece of the body completed.

    Every size and the idle time are bounded (LimitExceeded, StreamIdle). A fast stream's events arrive
    many to a network read; handing them over together lets the reader merge them
    (grokterm.xai.events.coalesce) instead of paying every layer above per token.
    """
    max_line = MAX_SSE_LINE if max_line is None else max_line  # read now: tests lower the module's limits
    max_event = MAX_SSE_EVENT if max_event is None else max_event
    text_decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    lines = SSELineDecoder()
    events = SSEDataDecoder(max_line, max_event)
    last_event = clock()
    pending = 0  # characters of the line not yet ended
    async for piece in aiter_bounded_bytes(response, limit=1 << 62, what="stream"):
        text = text_decoder.decode(piece)
        if not text:
            continue
        ended = lines.decode(text)
        batch, error = events.decode(ended)
        if events.data_seen:
            events.data_seen, last_event = False, clock()
        if batch:
            yield batch
        if error is not None:
            raise error
        pending = sum(map(len, lines.buffer)) if ended else pending + len(text)
        if pending > max_line:
            raise LimitExceeded(f"stream line longer than {_size(max_line)}: stopped reading")
        if events.event_size + pending > max_event:
            raise LimitExceeded(f"stream event larger than {_size(max_event)}: stopped reading")
        if clock() - last_event > idle_timeout:
            raise StreamIdle(f"reply stalled: no event for {idle_timeout:g} s (only keep-alives)")
    tail = text_decoder.decode(b"", final=True)
    batch, error = events.decode((lines.decode(tail) if tail else []) + lines.flush())
    if batch:
        yield batch
    if error is not None:
        raise error
