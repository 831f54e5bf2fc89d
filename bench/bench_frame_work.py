"""Work per second while a reply streams, counted: layouts, frames, render steps, CPU.

Timings on a shared machine are noisy; counts are not. For each source tree (a fresh child process with
`PYTHONPATH=<tree>`, trees interleaved run by run) a reply streams from the emulator at a fixed pace into a
conversation with earlier messages (Pilot, 120×40), and the child counts, from the moment the live reply
is mounted until it finishes: full-screen layouts (`Screen._refresh_layout`) and their CPU, frames
(`App._display`), the live reply's render steps, the process's CPU (all threads) and the main thread's.
Printed: median (min–max) per tree, with the load average. Never asserted.

    .venv/bin/python bench/bench_frame_work.py [--tree NAME=PATH ...] [--runs 3] [--speed 150] [--tokens 900]
        [--earlier 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parent.parent


async def child(base_url: str, tokens: int, earlier: int) -> dict:
    from bench_responsive import Frames, seeded_db, started_app
    from textual.screen import Screen

    from grokterm.ui.widgets.streaming_message import StreamingMessage

    counts = {"layouts": 0, "layout_cpu": 0.0, "frames": 0}
    live: dict = {}
    original_layout = Screen._refresh_layout

    def refresh_layout(screen, *args, **kwargs):
        if not live.get("on"):
            return original_layout(screen, *args, **kwargs)
        began = time.thread_time()
        try:
            return original_layout(screen, *args, **kwargs)
        finally:
            counts["layouts"] += 1
            counts["layout_cpu"] += time.thread_time() - began

    Screen._refresh_layout = refresh_layout  # type: ignore[method-assign]
    frames = Frames()
    frames.hooks.append(lambda: counts.__setitem__("frames", counts["frames"] + bool(live.get("on"))))
    mount, finish = StreamingMessage.on_mount, StreamingMessage.finish

    def on_mount(message):
        live.update(on=True, message=message, t0=time.perf_counter(), cpu0=time.process_time(),
                    main0=time.thread_time())
        return mount(message)

    async def on_finish(message):
        if live.get("on"):
            live.update(on=False, t1=time.perf_counter(), cpu1=time.process_time(), main1=time.thread_time())
        return await finish(message)

    StreamingMessage.on_mount = on_mount  # type: ignore[method-assign]
    StreamingMessage.finish = on_finish  # type: ignore[method-assign]
    app = await started_app(seeded_db(earlier, "frame-work"), base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.wait_ready()
        await pilot.pause()
        pane = app.active_pane()
        pane.composer.load_text(f"!long {tokens}")
        pane.composer.focus()
        await pilot.pause()
        await pilot.press("enter")
        while pane.turn_worker is None:
            await asyncio.sleep(0.01)
        await pane.turn_worker.wait()
        await pilot.pause()
    seconds = live["t1"] - live["t0"]
    return {"seconds": seconds,
            "layouts_per_s": counts["layouts"] / seconds,
            "layout_ms": 1000 * counts["layout_cpu"] / max(1, counts["layouts"]),
            "frames_per_s": counts["frames"] / seconds,
            "steps_per_s": getattr(live["message"], "steps", 0) / seconds,
            "cpu": (live["cpu1"] - live["cpu0"]) / seconds,
            "main_cpu": (live["main1"] - live["main0"]) / seconds}


def run_child(tree: Path, args: dict) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
               GROKTERM_CONFIG=str(Path(tree) / "no-such-config.toml"))
    out = subprocess.run([sys.executable, __file__, "--child", json.dumps(args)], capture_output=True, text=True,
                         env=env, timeout=600)
    if out.returncode != 0:
        print(f"    ! child in {tree} failed: {out.stderr.strip().splitlines()[-1:]}", flush=True)
        return {}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--tree", action="append", default=[], help="NAME=PATH of a source tree (repeatable)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--speed", type=float, default=150.0, help="tokens per second")
    parser.add_argument("--tokens", type=int, default=900)
    parser.add_argument("--earlier", type=int, default=200, help="earlier messages in the conversation")
    args = parser.parse_args()
    if args.child:
        a = json.loads(args.child)
        print(json.dumps(asyncio.run(child(a["base_url"], a["tokens"], a["earlier"]))))
        return
    from bench_responsive import load, start_emulator, summary

    trees = [(name, Path(path).resolve()) for name, path in (t.split("=", 1) for t in args.tree)] or [("this", ROOT)]
    emulator, base_url = start_emulator(args.speed)
    print(f"load at start: {load()}; {args.tokens} tokens at {args.speed:g} tok/s, {args.earlier} earlier messages")
    results: dict[str, list[dict]] = {name: [] for name, _ in trees}
    try:
        for run in range(args.runs):
            for name, tree in trees:
                result = run_child(tree, {"base_url": base_url, "tokens": args.tokens, "earlier": args.earlier})
                if result:
                    results[name].append(result)
            print(f"  run {run + 1}/{args.runs} done, load {load()}", flush=True)
    finally:
        emulator.terminate()
        emulator.wait()
    print(f"load at end: {load()}")
    for name, runs in results.items():
        def figure(key: str, unit: str = "", scale: float = 1.0, runs=runs) -> str:
            return summary([r[key] for r in runs], unit, scale)

        print(f"== {name}")
        print(f"  CPU {figure('cpu', '%', 100)} (main thread {figure('main_cpu', '%', 100)})")
        print(f"  layouts/s {figure('layouts_per_s', '')}, each {figure('layout_ms', 'ms')} CPU;"
              f" frames/s {figure('frames_per_s', '')}; render steps/s {figure('steps_per_s', '')}")


if __name__ == "__main__":
    main()
