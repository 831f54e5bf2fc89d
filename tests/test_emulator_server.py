"""Emulator server lifecycle: port 0, stop, context manager, pacing, the `grokterm emulator` command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from fixtures_emulator import http_client
from httpx_sse import connect_sse

from grokterm.emulator.server import start_emulator


def test_port_zero_gets_a_real_port_and_stop_is_fast_and_idempotent():
    emu = start_emulator(port=0, api_key="xai-k-123456", speed=0)
    assert emu.port > 0 and emu.base_url == f"http://127.0.0.1:{emu.port}/v1"
    with http_client() as client:
        assert client.get(f"{emu.base_url}/models", headers={"Authorization": "Bearer xai-k-123456"}).status_code == 200
        started = time.monotonic()
        emu.stop()
        assert time.monotonic() - started < 2
        assert not emu.running
        emu.stop()  # a second stop is harmless
        with pytest.raises(httpx.ConnectError):
            client.get(f"{emu.base_url}/models")


def test_context_manager_and_two_servers_at_once(emulator_factory):
    other = emulator_factory(api_key="xai-other-key")
    with start_emulator(port=0, api_key="xai-ctx-key", speed=0) as emu:
        assert emu.port != other.port
        with http_client() as client:
            assert client.get(f"{emu.base_url}/models",
                              headers={"Authorization": "Bearer xai-ctx-key"}).status_code == 200
            assert client.get(f"{other.base_url}/models",
                              headers={"Authorization": "Bearer xai-ctx-key"}).status_code == 400
    assert not emu.running


def test_busy_port_raises():
    with start_emulator(port=0, speed=0) as emu, pytest.raises(OSError):
        start_emulator(port=emu.port, speed=0)


def test_streams_are_paced_by_speed_and_first_token_delay(emulator_factory):
    emu = emulator_factory(speed=100, first_token_delay=0.2)
    times: list[float] = []
    with http_client(headers={"Authorization": f"Bearer {emu.api_key}"}) as client:
        started = time.monotonic()
        with connect_sse(client, "POST", f"{emu.base_url}/chat/completions", json={
                "model": "grok-3", "stream": True,
                "messages": [{"role": "user", "content": "!echo a b c d e f g h i j k"}]}) as source:
            for _ in source.iter_sse():
                times.append(time.monotonic() - started)
    assert len(times) == 11 + 2
    assert times[0] >= 0.2  # first token delay
    assert times[10] - times[0] >= 10 / 100 * 0.9  # 10 more tokens at 100 tokens/s


def test_speed_can_change_at_runtime_and_reset_restores_it(emulator):
    emulator.state.speed = 40
    assert emulator.state.speed == 40
    emulator.state.reset()
    assert emulator.state.speed == 0


def test_start_rejects_negative_speed():
    with pytest.raises(ValueError):
        start_emulator(speed=-1)


def test_grokterm_emulator_command_runs_in_the_foreground():
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("GROKTERM_EMULATOR_STRICT", None)  # --strict alone must turn it on
    process = subprocess.Popen(
        [sys.executable, "-m", "grokterm", "emulator", "--port", "0", "--speed", "0", "--api-key", "xai-cli-key",
         "--strict"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        first = process.stdout.readline()
        assert first.startswith("grokterm emulator listening on http://127.0.0.1:")
        base_url = first.rsplit(" ", 1)[1].strip()
        assert "xai-cli-key" in process.stdout.readline()
        with http_client() as client:
            reply = client.post(f"{base_url}/chat/completions", headers={"Authorization": "Bearer xai-cli-key"},
                                json={"model": "grok-3", "messages": [{"role": "user", "content": "!echo cli"}]})
            assert reply.json()["choices"][0]["message"]["content"] == "cli"
            bogus = client.post(f"{base_url}/chat/completions", headers={"Authorization": "Bearer xai-cli-key"},
                                json={"model": "grok-3", "messages": [{"role": "user", "content": "x"}],
                                      "bogus_field": 1})
        assert bogus.status_code == 400 and "bogus_field" in bogus.json()["error"]
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
        assert process.returncode == 0, err
        assert "grokterm emulator stopped." in out
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
