"""Client overhead: our `stream_turn` vs a bare httpx + httpx-sse reader of the same stream, and CLI start-up.

Runs the emulator in its own process (unlimited speed) so its work does not share
our GIL, asks for a ~20k-token reply on both wire APIs, and reports wall time and
this process's CPU time for each reader (best of N alternating runs), plus the wall time of
`grokterm --help` and `grokterm ask --help`. Prints numbers; asserts nothing.

    .venv/bin/python bench/bench_client.py [--tokens 20000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time

import httpx
from httpx_sse import aconnect_sse

from grokterm.xai.client import XAIClient
from grokterm.xai.events import Completed, Message, TextDelta, TurnRequest

KEY = "xai-bench-key"


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "grokterm", "emulator", "--port", "0", "--speed", "0", "--api-key", KEY],
        stdout=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    base_url = process.stdout.readline().split()[-1]
    return process, base_url if base_url.endswith("/v1") else base_url.rstrip("/") + "/v1"


def request(tokens: int) -> TurnRequest:
    return TurnRequest("grok-3", (Message("user", f"!long {tokens}"),))


async def ours(base_url: str, style: str, tokens: int) -> int:
    async with XAIClient(KEY, base_url, api_style=style) as client:
        deltas = 0
        async for event in client.stream_turn(request(tokens)):
            if isinstance(event, TextDelta):
                deltas += 1
            elif isinstance(event, Completed):
                return deltas
    raise RuntimeError("the stream did not complete")


async def raw(base_url: str, style: str, tokens: int) -> int:
    """The least a correct reader must do: decode SSE, json.loads every event, pick the text deltas."""
    if style == "chat":
        path, body = "/chat/completions", {"model": "grok-3", "stream": True,
                                           "messages": [{"role": "user", "content": f"!long {tokens}"}],
                                           "stream_options": {"include_usage": True}}
    else:
        path, body = "/responses", {"model": "grok-3", "stream": True,
                                    "input": [{"role": "user", "content": f"!long {tokens}"}]}
    parts: list[str] = []
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as client:
        async with aconnect_sse(client, "POST", base_url + path, json=body) as source:
            async for sse in source.aiter_sse():
                if not sse.data or sse.data == "[DONE]":
                    continue
                data = json.loads(sse.data)
                if style == "chat":
                    for choice in data.get("choices", ()):
                        if text := choice.get("delta", {}).get("content"):
                            parts.append(text)
                elif data.get("type") == "response.output_text.delta":
                    parts.append(data["delta"])
    return len(parts)


def timed(reader, *args) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process, text deltas) of one run."""
    wall, cpu = time.perf_counter(), time.process_time()
    deltas = asyncio.run(reader(*args))
    return time.perf_counter() - wall, time.process_time() - cpu, deltas


def best_of_interleaved(runs: int, readers, *args) -> list[tuple[float, float, int]]:
    """Best (lowest wall) run of each reader, alternating them so machine noise hits both alike."""
    best = [(float("inf"), 0.0, 0)] * len(readers)
    for _ in range(runs):
        for i, reader in enumerate(readers):
            result = timed(reader, *args)
            if result[0] < best[i][0]:
                best[i] = result
    return best


def cli_wall(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "grokterm", *args], capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    process, base_url = start_emulator()
    try:
        for style in ("responses", "chat"):
            asyncio.run(raw(base_url, style, 100))  # warm up both paths
            asyncio.run(ours(base_url, style, 100))
            (raw_wall, raw_cpu, raw_n), (our_wall, our_cpu, our_n) = best_of_interleaved(
                options.runs, (raw, ours), base_url, style, options.tokens)
            print(f"{style:9s} {options.tokens} tokens ({our_n} text deltas, raw saw {raw_n})")
            print(f"  raw httpx+httpx-sse : wall {raw_wall * 1000:7.1f} ms   cpu {raw_cpu * 1000:7.1f} ms")
            print(f"  XAIClient.stream_turn: wall {our_wall * 1000:7.1f} ms   cpu {our_cpu * 1000:7.1f} ms")
            print(f"  ratio ours/raw       : wall {our_wall / raw_wall:5.2f}x    cpu {our_cpu / raw_cpu:5.2f}x")
    finally:
        process.terminate()
        process.wait(10)
    print(f"grokterm --help      : {cli_wall(['--help'], options.runs) * 1000:6.0f} ms (median of {options.runs})")
    ask_help = cli_wall(['ask', '--help'], options.runs)
    print(f"grokterm ask --help  : {ask_help * 1000:6.0f} ms (median of {options.runs})")


if __name__ == "__main__":
    main()
