"""The stream path without the UI: what reading a 20k-token reply costs our client, and client + runner
(real store in a temp dir), against a raw httpx + httpx-sse + json reader of the same stream.

Every figure is a fresh process; source trees (`--tree NAME=PATH`, imported through PYTHONPATH) and the
raw reader are interleaved in each run (raw, A client, B client, A runner, B runner, raw, …), so machine
noise hits them alike. Printed per tree and mode: wall time and this process's CPU time (median, min–max,
n), their ratio to the raw reader of the same run, the number of events the consumer saw and the number
of text/reasoning deltas they stand for; for the runner, the time from the last delta to `Completed` (the
final row is written in between). The emulator runs in its own process at unlimited speed (its
work does not share our GIL). Prints numbers, asserts nothing.

    .venv/bin/python bench/bench_stream_path.py --tree before=/tmp/base-2bf47df --tree after=. --runs 5
    .venv/bin/python bench/bench_stream_path.py --profile runner   # cProfile of one run in this tree
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY = "xai-bench-key"  # the same key as bench_ui (registered as a secret: the scrubber runs, as in the app)
MODEL = "grok-4-0709"


# ---------------------------------------------------------------------------------------------------------
# children: each runs with PYTHONPATH=<tree> and prints one JSON object on its last stdout line
# ---------------------------------------------------------------------------------------------------------

async def child_raw(base_url: str, tokens: int) -> dict:
    """bench_ui's baseline: nothing but httpx + httpx-sse + json, text deltas collected."""
    import httpx
    from httpx_sse import aconnect_sse

    body = {"model": MODEL, "input": [{"role": "user", "content": f"!long {tokens}"}], "stream": True}
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {KEY}"}, timeout=120) as client:
        wall, cpu = time.perf_counter(), time.process_time()
        text, events = [], 0
        async with aconnect_sse(client, "POST", f"{base_url}/responses", json=body) as source:
            async for event in source.aiter_sse():
                events += 1
                payload = json.loads(event.data)
                if payload.get("type") == "response.output_text.delta":
                    text.append(payload["delta"])
        return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "events": events,
                "deltas": len(text), "chars": len("".join(text))}


def _delta_count(event) -> int:
    return getattr(event, "count", 1)  # a coalesced delta stands for `count` deltas (1 in older trees)


async def child_client(base_url: str, tokens: int) -> dict:
    from grokterm.xai.client import XAIClient
    from grokterm.xai.events import Completed, Message, ReasoningDelta, TextDelta, TurnRequest

    request = TurnRequest(MODEL, (Message("user", f"!long {tokens}"),))
    async with XAIClient(KEY, base_url, max_retries=0, read_timeout=120) as client:
        wall, cpu = time.perf_counter(), time.process_time()
        events = deltas = chars = 0
        last = None
        async for event in client.stream_turn(request):
            events += 1
            if isinstance(event, TextDelta):
                deltas += _delta_count(event)
                chars += len(event.text)
            elif isinstance(event, ReasoningDelta):
                deltas += _delta_count(event)
            last = event
        result = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "events": events,
                  "deltas": deltas, "chars": chars}
    if not isinstance(last, Completed):
        raise RuntimeError(f"the stream ended with {last!r}")
    return result


async def child_runner(base_url: str, tokens: int) -> dict:
    from grokterm.chat.runner import TurnRunner
    from grokterm.store import Store
    from grokterm.xai.client import XAIClient
    from grokterm.xai.events import Completed, ReasoningDelta, TextDelta

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        conversation = store.create_conversation(title="bench", model=MODEL)
        async with XAIClient(KEY, base_url, max_retries=0, read_timeout=120) as client:
            runner = TurnRunner(store, client)
            wall, cpu = time.perf_counter(), time.process_time()
            events = deltas = chars = 0
            last = None
            last_delta = ended = 0.0
            async for event in runner.send(conversation.id, f"!long {tokens}", model=MODEL):
                events += 1
                if isinstance(event, TextDelta):
                    deltas += _delta_count(event)
                    chars += len(event.text)
                    last_delta = time.perf_counter()
                elif isinstance(event, ReasoningDelta):
                    deltas += _delta_count(event)
                elif isinstance(event, Completed):
                    ended = time.perf_counter()
                last = event
            result = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "events": events,
                      "deltas": deltas, "chars": chars, "end": ended - last_delta}
            runner.close()
        rows = store.list_messages(conversation.id)
        store.close()
    if not isinstance(last, Completed) or rows[-1].status != "complete" or len(rows[-1].text) != chars:
        raise RuntimeError(f"the turn ended with {type(last).__name__}, row {rows[-1].status}")
    return result


CHILDREN = {"raw": child_raw, "client": child_client, "runner": child_runner}


def child_main(mode: str, base_url: str, tokens: int, profile: bool = False) -> None:
    asyncio.run(CHILDREN[mode](base_url, 200))  # warm up: imports, connection set-up code paths
    if not profile:
        print(json.dumps(asyncio.run(CHILDREN[mode](base_url, tokens))))
        return
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    result = asyncio.run(CHILDREN[mode](base_url, tokens))
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    print(json.dumps(result))


# ---------------------------------------------------------------------------------------------------------
# the orchestrator
# ---------------------------------------------------------------------------------------------------------

def start_emulator() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "grokterm", "emulator", "--port", "0", "--speed", "0", "--api-key", KEY,
         "--first-token-delay", "0"], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None
    base_url = process.stdout.readline().split()[-1]
    return process, base_url if base_url.endswith("/v1") else base_url.rstrip("/") + "/v1"


def run_child(tree: Path, mode: str, base_url: str, tokens: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    command = [sys.executable, __file__, "--child", mode, base_url, str(tokens)]
    out = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, cwd=tempfile.gettempdir())
    if out.returncode != 0:
        print(f"    ! {mode} in {tree} failed: {out.stderr.strip().splitlines()[-1:]}", flush=True)
        return {"error": True}
    return json.loads(out.stdout.strip().splitlines()[-1])


def load() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])


def spread(values: list[float], scale: float = 1.0, unit: str = "") -> str:
    if not values:
        return "n/a"
    values = [v * scale for v in values]
    return f"{statistics.median(values):.2f}{unit} ({min(values):.2f}–{max(values):.2f}, {len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", default=[], help="NAME=PATH of a source tree (default: this one)")
    parser.add_argument("--tokens", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--modes", default="client,runner")
    parser.add_argument("--profile", choices=sorted(CHILDREN), help="cProfile one run of this mode in this tree")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "URL", "TOKENS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child[0], args.child[1], int(args.child[2]))
        return
    process, base_url = start_emulator()
    try:
        if args.profile:
            child_main(args.profile, base_url, args.tokens, profile=True)
            return
        trees = [(name, Path(path).resolve()) for name, path in (t.split("=", 1) for t in args.tree)] or [
            ("this", ROOT)]
        modes = args.modes.split(",")
        print(f"load average at start: {load()}", flush=True)
        results: dict[tuple[str, str], list[dict]] = {}
        for run in range(args.runs):
            raw = run_child(ROOT, "raw", base_url, args.tokens)
            results.setdefault(("raw", "raw"), []).append(raw)
            for mode in modes:
                for name, tree in trees:
                    result = run_child(tree, mode, base_url, args.tokens)
                    if "error" not in result and "error" not in raw:
                        result["wall_ratio"] = result["wall"] / raw["wall"]
                        result["cpu_ratio"] = result["cpu"] / raw["cpu"]
                    results.setdefault((name, mode), []).append(result)
            print(f"  run {run + 1}/{args.runs} done, load {load()}", flush=True)
        print(f"load average at end: {load()}")
        print(f"{args.tokens} tokens at unlimited speed; median (min–max, n); "
              "ratios against the raw run of the same round")
        for (name, mode), rows in results.items():
            ok = [r for r in rows if "error" not in r]
            label = "raw reader" if mode == "raw" else f"{name} {mode}"
            line = (f"  {label:18s} wall {spread([r['wall'] for r in ok], 1000, ' ms')}  "
                    f"cpu {spread([r['cpu'] for r in ok], 1000, ' ms')}")
            if mode == "runner":
                line += f"  last delta→Completed {spread([r['end'] for r in ok], 1000, ' ms')}"
            if mode != "raw":
                line += (f"  ÷raw wall {spread([r['wall_ratio'] for r in ok if 'wall_ratio' in r], unit='×')}"
                         f"  cpu {spread([r['cpu_ratio'] for r in ok if 'cpu_ratio' in r], unit='×')}")
            if ok:
                line += f"  events {ok[-1]['events']}, deltas {ok[-1]['deltas']}"
            if len(ok) < len(rows):
                line += f"  FAILED {len(rows) - len(ok)}"
            print(line)
    finally:
        process.terminate()
        process.wait(10)


if __name__ == "__main__":
    main()
