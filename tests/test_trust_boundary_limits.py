"""Issue 10: a hostile server cannot make us hold unbounded memory or wait forever.

Each case ends the turn with a clear one-line message and keeps the partial reply.
The limits are in grokterm/xai/limits.py and the README. Before this, a 200 MB SSE
line took 660 MB of RSS, a gzip bomb 3.2 GB, and SSE comments kept `ask --timeout
10` alive forever.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from hostile_server import HostileServer

from grokterm.xai import limits
from grokterm.xai.client import XAIClient
from grokterm.xai.errors import MalformedResponseError, StreamInterruptedError, StreamStalledError
from grokterm.xai.events import Completed, Failed, Message, TextDelta, TurnRequest

KEY = "sk-limits-test-key-000000000000"

# Runs `grokterm ask` in this process and reports its peak RSS (KiB) on the last stderr line. VmHWM, not
# getrusage: ru_maxrss survives exec and would count the parent (pytest) at fork time.
MEASURED = textwrap.dedent("""
    import runpy, sys

    def peak_kib():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    sys.argv = ["grokterm", *sys.argv[1:]]
    code = 0
    try:
        runpy.run_module("grokterm", run_name="__main__")
    except SystemExit as exit:
        code = exit.code or 0
    finally:
        print("maxrss", peak_kib(), file=sys.stderr)
    sys.exit(code)
""")


@pytest.fixture
def hostile():
    with HostileServer() as server:
        yield server


def ask_measured(server: HostileServer, *args: str, timeout: float = 60) -> tuple[subprocess.CompletedProcess, int]:
    result = subprocess.run(
        [sys.executable, "-c", MEASURED, "ask", "--base-url", server.base_url, "--api-style", "responses",
         "--retries", "0", "--no-save", *args],
        capture_output=True, timeout=timeout, env={**os.environ, "XAI_API_KEY": KEY},
    )
    last = result.stderr.decode().strip().splitlines()[-1]
    assert last.startswith("maxrss"), result.stderr[-2000:]
    return result, int(last.split()[1]) // 1024  # MiB


def test_an_endless_sse_line_is_cut_with_bounded_memory(hostile) -> None:
    hostile.scenario, hostile.size = "huge_line", 200 << 20
    result, rss_mib = ask_measured(hostile, "hi")
    assert result.returncode == 13, result.stderr
    assert result.stdout.decode().startswith("partial before the flood.")  # the partial reply is kept
    assert "stream line longer than 16 MiB" in result.stderr.decode()
    assert rss_mib < 250, f"peak RSS {rss_mib} MiB for a 200 MB line (limit 16 MiB)"


def test_a_gzip_bomb_is_not_inflated_past_the_body_limit(hostile) -> None:
    hostile.scenario, hostile.size = "gzip_bomb", 2 << 30  # 2 GiB of zeros, a few MB on the wire
    result, rss_mib = ask_measured(hostile, "--no-stream", "hi")
    assert result.returncode == 14, result.stderr
    assert "larger than 64 MiB" in result.stderr.decode()
    assert rss_mib < 300, f"peak RSS {rss_mib} MiB for a 2 GiB gzip bomb (limit 64 MiB)"


def test_endless_comments_do_not_keep_a_reply_alive(hostile) -> None:
    hostile.scenario = "comments"
    result, _ = ask_measured(hostile, "--timeout", "1", "hi", timeout=30)
    assert result.returncode == 13, result.stderr
    assert result.stdout.decode().startswith("partial reply kept.")
    assert "no event for 1 s" in result.stderr.decode()


async def _turn(server: HostileServer) -> tuple[str, Failed | Completed]:
    text = []
    async with XAIClient(KEY, base_url=server.base_url, api_style="responses", max_retries=0,
                         read_timeout=5) as client:
        async for event in client.stream_turn(TurnRequest(model="m", history=(Message("user", "hi"),))):
            if isinstance(event, TextDelta):
                text.append(event.text)
            elif isinstance(event, (Failed, Completed)):
                return "".join(text), event
    raise AssertionError("no final event")


async def test_a_compressed_stream_of_valid_deltas_stops_at_the_reply_limit(hostile, monkeypatch) -> None:
    monkeypatch.setattr(limits, "MAX_REPLY_CHARS", 1 << 20)
    hostile.scenario, hostile.size = "gzip_bomb_sse", 64 << 20
    text, final = await _turn(hostile)
    assert isinstance(final, Failed) and isinstance(final.error, StreamInterruptedError)
    assert "reply longer than 1M characters" in str(final.error)
    assert 1 << 20 <= len(final.partial_text) <= (1 << 20) + 2000 and text.startswith("bomb bomb")


async def test_limits_on_events_and_json_bodies(hostile, monkeypatch) -> None:
    monkeypatch.setattr(limits, "MAX_SSE_EVENT", 1 << 20)
    hostile.scenario, hostile.size = "huge_line", 8 << 20
    text, final = await _turn(hostile)  # the line limit is 16 MiB; the event limit (1 MiB) ends it first
    assert isinstance(final, Failed) and "stream event larger than 1 MiB" in str(final.error)
    assert text == "partial before the flood. "
    monkeypatch.setattr(limits, "MAX_BODY", 1 << 20)
    hostile.scenario, hostile.size = "gzip_bomb", 8 << 20
    async with XAIClient(KEY, base_url=hostile.base_url, api_style="responses", max_retries=0) as client:
        with pytest.raises(MalformedResponseError, match="larger than 1 MiB"):
            await client.complete_turn(TurnRequest(model="m", history=(Message("user", "hi"),)))


async def test_keep_alives_never_reset_the_idle_limit(hostile) -> None:
    hostile.scenario = "comments"
    async with XAIClient(KEY, base_url=hostile.base_url, api_style="responses", max_retries=0,
                         read_timeout=0.5) as client:
        events = [e async for e in client.stream_turn(TurnRequest(model="m", history=(Message("user", "hi"),)))]
    final = events[-1]
    assert isinstance(final, Failed) and isinstance(final.error, StreamStalledError)
    assert final.partial_text == "partial reply kept. "
