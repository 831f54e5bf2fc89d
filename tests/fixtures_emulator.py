"""Emulator fixtures, loaded by conftest.py as a pytest plugin.

One emulator serves the whole test session (starting uvicorn per test would
cost time); the function-scoped `emulator` fixture resets its state so every
test starts clean. Tests that need their own server (custom speed, stopping
it) use `emulator_factory`, which stops whatever it started.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable, Iterator

import httpx
import pytest

from grokterm.emulator.server import RunningEmulator, start_emulator

TEST_API_KEY = "xai-test-key"
# httpx builds a fresh SSL context (~50-100 ms) per client unless given one; loopback tests share this one.
_SHARED_SSL_CONTEXT = ssl.create_default_context()

__all__ = [
    "TEST_API_KEY", "emulator", "emulator_factory", "emulator_http", "emulator_server", "http_client",
    "sse_data_lines", "sse_json_events",
]


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[RunningEmulator]:
    """The session's shared emulator (unlimited speed). Prefer `emulator`, which resets it."""
    emu = start_emulator(port=0, api_key=TEST_API_KEY, speed=0.0, first_token_delay=0.0)
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def emulator(emulator_server: RunningEmulator) -> Iterator[RunningEmulator]:
    """The shared emulator with faults, request log, stored responses, clock and speed reset."""
    emulator_server.state.reset()
    yield emulator_server
    emulator_server.state.reset()


@pytest.fixture
def emulator_factory() -> Iterator[Callable[..., RunningEmulator]]:
    """Start extra emulators (defaults: key "xai-test-key", unlimited speed); all are stopped afterwards."""
    started: list[RunningEmulator] = []

    def factory(**kwargs) -> RunningEmulator:
        kwargs.setdefault("api_key", TEST_API_KEY)
        kwargs.setdefault("speed", 0.0)
        kwargs.setdefault("first_token_delay", 0.0)
        emu = start_emulator(**kwargs)
        started.append(emu)
        return emu

    yield factory
    for emu in started:
        emu.stop()


@pytest.fixture
def emulator_http(emulator: RunningEmulator) -> Iterator[httpx.Client]:
    """A plain httpx client for the emulator's /v1 API with the test key."""
    with http_client(base_url=emulator.base_url, headers={"Authorization": f"Bearer {emulator.api_key}"}) as client:
        yield client


def http_client(**kwargs) -> httpx.Client:
    """An httpx.Client that starts fast (shared SSL context); 10 s timeout unless given."""
    kwargs.setdefault("timeout", 10)
    return httpx.Client(verify=_SHARED_SSL_CONTEXT, **kwargs)


def sse_data_lines(raw: bytes) -> list[bytes]:
    """Split a raw SSE body into the values of its `data: ` lines, checking the framing strictly."""
    assert raw.endswith(b"\n\n"), raw[-80:]
    events = raw[:-2].split(b"\n\n")
    values = []
    for event in events:
        assert event.startswith(b"data: "), event[:80]
        assert b"\n" not in event and b"\r" not in event, event[:80]
        values.append(event[len(b"data: "):])
    return values


def sse_json_events(raw: bytes) -> list[dict]:
    """The JSON payloads of a raw SSE body (a trailing `[DONE]` is left out)."""
    return [json.loads(value) for value in sse_data_lines(raw) if value != b"[DONE]"]
