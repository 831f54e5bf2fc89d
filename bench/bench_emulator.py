"""How many SSE events per second the emulator serves at unlimited speed.

A ~20k-token reply (`!long 20000`, one event per token) is streamed from
/v1/chat/completions and /v1/responses and read by a plain httpx + httpx-sse
reader. Two set-ups: the emulator in a subprocess (`grokterm emulator`, its
own process and GIL: what the server can do) and in a thread of this process
(what the test suite sees). A raw-bytes read (no SSE parsing) shows how much
of the time is the reader's.

Run: .venv/bin/python bench/bench_emulator.py [--tokens 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx
from httpx_sse import connect_sse

KEY = "xai-bench-key"


def bodies(tokens: int) -> dict[str, dict]:
    prompt = f"!long {tokens} benchmark"
    return {
        "chat/completions": {"model": "grok-3", "stream": True, "stream_options": {"include_usage": True},
                             "messages": [{"role": "user", "content": prompt}]},
        "responses": {"model": "grok-3", "stream": True, "input": prompt},
    }


def read_sse(client: httpx.Client, url: str, body: dict) -> tuple[int, int, float]:
    """(events, bytes, seconds) for one streamed request parsed with httpx-sse."""
    started = time.perf_counter()
    events = size = 0
    with connect_sse(client, "POST", url, json=body) as source:
        source.response.raise_for_status()
        for sse in source.iter_sse():
            events += 1
            size += len(sse.data)
    return events, size, time.perf_counter() - started


def read_raw(client: httpx.Client, url: str, body: dict) -> tuple[int, int, float]:
    """(events, bytes, seconds) reading the bytes only (events counted by blank lines)."""
    started = time.perf_counter()
    size = events = 0
    last = b""
    with client.stream("POST", url, json=body) as reply:
        reply.raise_for_status()
        for chunk in reply.iter_raw():
            size += len(chunk)
            events += chunk.count(b"\n\n") + (last == b"\n" and chunk[:1] == b"\n")
            last = chunk[-1:]
    return events, size, time.perf_counter() - started


@contextmanager
def subprocess_emulator():
    process = subprocess.Popen(
        [sys.executable, "-m", "grokterm", "emulator", "--port", "0", "--speed", "0", "--api-key", KEY],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline()
        if "listening on" not in line:
            raise RuntimeError(f"emulator did not start: {line!r}")
        yield line.rsplit(" ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def thread_emulator():
    from grokterm.emulator.server import start_emulator

    with start_emulator(port=0, api_key=KEY, speed=0, first_token_delay=0) as emu:
        yield emu.base_url


def measure(base_url: str, tokens: int, repeat: int, label: str) -> None:
    with httpx.Client(headers={"Authorization": f"Bearer {KEY}"}, timeout=120) as client:
        for endpoint, body in bodies(tokens).items():
            url = f"{base_url}/{endpoint}"
            read_sse(client, url, body)  # warm-up
            for reader_name, reader in (("httpx-sse", read_sse), ("raw bytes", read_raw)):
                runs = [reader(client, url, body) for _ in range(repeat)]
                events, size, _ = runs[0]
                seconds = statistics.median(r[2] for r in runs)
                print(f"{label:10} {endpoint:17} {reader_name:9}  {events:6d} events  {size / 1e6:6.2f} MB  "
                      f"{seconds * 1000:7.1f} ms  {events / seconds:9.0f} events/s  {size / seconds / 1e6:6.1f} MB/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"emulator at unlimited speed, `!long {args.tokens}` reply, median of {args.repeat}")
    with subprocess_emulator() as url:
        measure(url, args.tokens, args.repeat, "subprocess")
    with thread_emulator() as url:
        measure(url, args.tokens, args.repeat, "thread")


if __name__ == "__main__":
    main()
