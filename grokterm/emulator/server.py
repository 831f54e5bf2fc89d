"""Run the emulator: a real uvicorn HTTP server on loopback, in a background thread.

`start_emulator()` binds the socket itself (so port 0 works and the real port
is known at once), starts uvicorn on a thread with its own event loop, and
returns when the server accepts connections. `stop()` ends in-flight streams
(including stalls) right away, so test sessions never hang on it.
"""

from __future__ import annotations

import asyncio
import socket
import threading

import uvicorn

from grokterm.emulator.app import build_app
from grokterm.emulator.sse import StreamRegistry, quiet_uvicorn_about_cuts
from grokterm.emulator.state import EmulatorState
from grokterm.emulator.strict import strict_from_env

DEFAULT_API_KEY = "xai-emulator-key"
DEFAULT_SPEED = 80.0  # tokens per second, like a fast real model
DEFAULT_FIRST_TOKEN_DELAY = 0.3
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


class _ThreadedServer(uvicorn.Server):
    """uvicorn.Server that reports readiness and wakes up at once when asked to stop."""

    def __init__(self, config: uvicorn.Config, streams: StreamRegistry):
        super().__init__(config)
        self.streams = streams
        self.ready = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    async def startup(self, sockets=None) -> None:
        self.loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        await super().startup(sockets=sockets)
        self.ready.set()

    async def main_loop(self) -> None:
        counter = 0
        wake = self._wake or asyncio.Event()  # set by startup(), which always runs first
        while not await self.on_tick(counter):
            counter = (counter + 10) % 864000  # on_tick refreshes the Date header every 10 "ticks"
            try:
                await asyncio.wait_for(wake.wait(), 1.0)
            except TimeoutError:
                pass

    def request_stop(self) -> None:
        self.should_exit = True
        loop = self.loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._stop_in_loop)
            except RuntimeError:  # the loop closed meanwhile
                pass

    def _stop_in_loop(self) -> None:
        self.streams.abort_all()
        if self._wake is not None:
            self._wake.set()


class RunningEmulator:
    """A started emulator: its URL, key and state. Use as a context manager or call stop()."""

    def __init__(self, server: _ThreadedServer, thread: threading.Thread, host: str, port: int,
                 state: EmulatorState):
        self._server = server
        self._thread = thread
        self.host = host
        self.port = port
        self.state = state

    @property
    def api_key(self) -> str:
        return self.state.api_key

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop serving: end open streams, close connections, join the thread."""
        if not self._thread.is_alive():
            return
        self._server.request_stop()
        self._thread.join(timeout / 2)
        if self._thread.is_alive():  # a connection would not close: stop waiting for it
            self._server.force_exit = True
            self._thread.join(timeout / 2)
        if self._thread.is_alive():
            raise RuntimeError("the emulator thread did not stop")

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<RunningEmulator {self.base_url} running={self.running}>"


def start_emulator(
    port: int = 0,
    api_key: str = DEFAULT_API_KEY,
    speed: float = DEFAULT_SPEED,
    first_token_delay: float = DEFAULT_FIRST_TOKEN_DELAY,
    host: str = "127.0.0.1",
    state: EmulatorState | None = None,
    strict: bool | None = None,
) -> RunningEmulator:
    """Start the emulator on `host:port` (0 = any free port); returns once it accepts connections.

    speed is tokens per second (0 = unlimited, no sleeping at all); first_token_delay is the pause
    before the first streamed token. strict rejects request fields and headers that no document
    shows (grokterm/emulator/allowlist.py); None takes $GROKTERM_EMULATOR_STRICT.
    """
    if speed < 0 or first_token_delay < 0:
        raise ValueError("speed and first_token_delay must be >= 0")
    if strict is None:
        strict = strict_from_env()
    state = state or EmulatorState(api_key, speed=speed, first_token_delay=first_token_delay, strict=strict)
    streams = StreamRegistry()
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on sockets that say so, and without it
    # every reply (headers, then body) waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    real_port = sock.getsockname()[1]
    config = uvicorn.Config(
        build_app(state, streams),
        lifespan="off",
        http="h11",
        ws="none",
        log_config=None,
        access_log=False,
        timeout_keep_alive=30,
        timeout_graceful_shutdown=1,
    )
    quiet_uvicorn_about_cuts()
    server = _ThreadedServer(config, streams)

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        finally:
            sock.close()
            server.ready.set()  # never leave start_emulator() waiting

    thread = threading.Thread(target=serve, name=f"grokterm-emulator-{real_port}", daemon=True)
    thread.start()
    server.ready.wait(START_TIMEOUT)
    if not server.started:
        server.request_stop()
        thread.join(STOP_TIMEOUT)
        raise RuntimeError(f"the emulator failed to start on {host}:{real_port}")
    return RunningEmulator(server, thread, host, real_port, state)
