"""A hostile OpenAI/xAI-compatible server on loopback, for the trust-boundary tests (issue 10).

Unlike the emulator (faithful to the API), this server does what an attacker's
or a broken proxy's would: it puts escape sequences, Rich/Textual markup and
click actions in error texts, model ids and replies; echoes the caller's key
back; sends one endless SSE line, a gzip bomb, or SSE comments forever. It is a
raw socket server (threads, `Connection: close`) so every byte on the wire is
ours to choose. Endless bodies are produced lazily and stop as soon as the
client hangs up, so a test that passes never makes it do much work.

Usage: `with HostileServer() as server: server.scenario = "error"; ... server.base_url`.
"""

from __future__ import annotations

import json
import re
import socketserver
import threading
import time
import zlib
from collections.abc import Iterator

# Hostile text: markup that would crash Rich (`[/]`), click actions, OSC 52 (writes the clipboard),
# a window title, a hyperlink, an *unterminated* OSC, bidi override and zero-width characters.
CLIPBOARD = "\x1b]52;c;SGFja2Vk\x07"  # OSC 52: set the clipboard to "Hacked"
EVIL = (
    "[/] [@click=app.quit]quit[/] [@click=app.screenshot('/tmp','pwn.svg')]shot[/] [bold red]loud "
    + CLIPBOARD + "\x1b]0;pwned title\x07\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\ "
    "\x1b[2J\x1b[31mred\x9b0m safe\u202eevil\u200bhidden"
)
HOSTILE_MODEL = "grok-[/]-[@click=app.quit]x[/]\x1b]52;c;SGFja2Vk\x07"


def _sse(payload: dict) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def _response_object(text: str, model: str, response_id: str = "resp_hostile") -> dict:
    return {
        "id": response_id, "object": "response", "created_at": int(time.time()), "model": model,
        "status": "completed", "store": True,
        "output": [{"type": "message", "role": "assistant", "status": "completed", "id": "msg_1",
                    "content": [{"type": "output_text", "text": text, "annotations": []}]}],
        "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2},
    }


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        try:
            self._handle()
        except (TimeoutError, BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
            pass  # the client hung up: exactly what a bounded client should do

    def _handle(self) -> None:
        line = self.rfile.readline(65536).decode("latin-1")
        if not line:
            return
        method, path, _ = [*line.split(" ", 2), "", ""][:3]
        headers: dict[str, str] = {}
        while (header := self.rfile.readline(65536).decode("latin-1").strip()):
            name, _, value = header.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = self.rfile.read(int(headers.get("content-length", "0") or 0))
        key = re.sub(r"^Bearer\s+", "", headers.get("authorization", ""))
        self.server.requests.append((method, path, headers, body))
        outer = self.server.owner
        route = path.split("?", 1)[0]
        if route.endswith(("/language-models", "/models")):
            return self._json(200, {"models": [
                {"id": HOSTILE_MODEL, "input_modalities": ["text", "[/]\x1b[2J"], "output_modalities": ["text"],
                 "aliases": ["[@click=app.quit]alias"]},
                {"id": "grok-plain", "input_modalities": ["text"], "output_modalities": ["text"]},
            ]})
        if route.endswith("/tokenize-text"):
            return self._json(200, {"token_ids": []})
        if method != "POST" or not route.endswith("/responses"):
            return self._json(404, {"error": f"no route {route} " + EVIL})
        scenario = outer.scenario
        if scenario == "error":
            return self._json(400, {"code": "bad", "error": "Bad request: " + EVIL})
        if scenario == "echo_key":
            return self._json(400, {"error": f"Incorrect API key provided: {key} (key={key})"})
        if scenario == "stream":
            return self._stream(self._reply_events(outer.reply or EVIL))
        if scenario == "stream_echo_key":
            return self._stream(self._reply_events(f"your key is {key}!", fail=f"key {key} rejected"))
        if scenario == "huge_line":
            return self._stream(self._huge_line(outer.size))
        if scenario == "gzip_bomb":
            return self._gzip(self._bomb_json(outer.size), content_type="application/json")
        if scenario == "gzip_bomb_sse":
            return self._gzip(self._bomb_sse(outer.size), content_type="text/event-stream")
        if scenario == "comments":
            return self._stream(self._comments(outer.partial))
        return self._json(500, {"error": "unknown scenario"})

    # -- bodies ------------------------------------------------------------------------------
    def _reply_events(self, text: str, fail: str | None = None) -> Iterator[bytes]:
        model = HOSTILE_MODEL
        response = _response_object(text, model)
        yield _sse({"type": "response.created", "response": {**response, "status": "in_progress", "output": []}})
        for start in range(0, len(text), 7):
            yield _sse({"type": "response.output_text.delta", "output_index": 0, "content_index": 0,
                        "delta": text[start:start + 7]})
        if fail is not None:
            yield _sse({"type": "error", "code": "bad", "message": fail})
            return
        yield _sse({"type": "response.reasoning_summary_text.delta", "output_index": 0, "summary_index": 0,
                    "delta": EVIL})
        yield _sse({"type": "response.completed", "response": response})

    def _huge_line(self, size: int) -> Iterator[bytes]:
        yield _sse({"type": "response.created", "response": {**_response_object("", "m"), "status": "in_progress"}})
        yield _sse({"type": "response.output_text.delta", "output_index": 0, "content_index": 0,
                    "delta": "partial before the flood. "})
        yield b'data: {"type": "response.output_text.delta", "delta": "'
        chunk = b"A" * 65536
        for _ in range(size // len(chunk)):  # one line that never ends (within `size`)
            yield chunk

    def _comments(self, partial: str) -> Iterator[bytes]:
        yield _sse({"type": "response.created", "response": {**_response_object("", "m"), "status": "in_progress"}})
        if partial:
            yield _sse({"type": "response.output_text.delta", "output_index": 0, "content_index": 0,
                        "delta": partial})
        while not self.server.owner.stopping.is_set():
            yield b": keep-alive\n\n"
            time.sleep(0.02)

    @staticmethod
    def _bomb_json(size: int) -> Iterator[bytes]:
        yield b'{"models": [], "pad": "'
        zeros = b"0" * (1 << 20)
        for _ in range(size >> 20):
            yield zeros

    @staticmethod
    def _bomb_sse(size: int) -> Iterator[bytes]:
        yield _sse({"type": "response.created", "response": {**_response_object("", "m"), "status": "in_progress"}})
        delta = _sse({"type": "response.output_text.delta", "output_index": 0, "content_index": 0,
                      "delta": "bomb " * 200})
        for _ in range(size // len(delta)):
            yield delta

    # -- framing -----------------------------------------------------------------------------
    def _head(self, status: int, content_type: str, extra: str = "") -> None:
        self.wfile.write(f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n{extra}Connection: close\r\n"
                         .encode())

    def _json(self, status: int, value: object) -> None:
        body = json.dumps(value).encode()
        self._head(status, "application/json", f"Content-Length: {len(body)}\r\n")
        self.wfile.write(b"\r\n" + body)

    def _stream(self, parts: Iterator[bytes]) -> None:
        self._head(200, "text/event-stream", "Cache-Control: no-cache\r\n")
        self.wfile.write(b"\r\n")
        for part in parts:
            self.wfile.write(part)
            self.wfile.flush()

    def _gzip(self, parts: Iterator[bytes], content_type: str) -> None:
        self._head(200, content_type, "Content-Encoding: gzip\r\n")
        self.wfile.write(b"\r\n")
        packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        for part in parts:
            packed = packer.compress(part)
            if packed:
                self.wfile.write(packed)
        self.wfile.write(packer.flush())


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: HostileServer
    requests: list


class HostileServer:
    """Start on 127.0.0.1 (free port); set `scenario` (and `size`, `reply`, `partial`) per test."""

    def __init__(self) -> None:
        self.scenario = "stream"
        self.size = 256 << 20  # bytes an endless body may reach before the server gives up by itself
        self.reply = ""
        self.partial = "partial reply kept. "
        self.stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._server.requests = []
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def requests(self) -> list:
        return self._server.requests

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
