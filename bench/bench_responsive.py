"""Does the TUI ever make you wait? Issue #11's figures, measured the way a user feels them.

Every figure is measured in a fresh child process whose `PYTHONPATH` points at a source tree, so the same
script compares two trees (e.g. `--tree before=/tmp/before --tree after=.`) run INTERLEAVED with their
baseline (raw reader, A, B, raw reader, A, B, ...). Printed: median and spread (min–max) of each figure,
with the load average at the start and end, because the machine is shared and noisy. Never asserted.

Figures (`--only` picks some):
  ratio     20k-token reply at unlimited speed, Enter → final frame, against a raw httpx + httpx-sse
            reader of the same stream; with 0 and 200 earlier messages. Also the longest event-loop
            stall while streaming and after the last token (the final render), in-process (Pilot).
  keys      keystroke → echo latency while a fast reply streams (1,000 tok/s), p50/p99, in-process:
            a key event is posted every ~40 ms; echo = first frame drawn after the composer holds it.
  cpu       CPU used by the app while a reply streams at 150 tok/s with 200 earlier messages
            (process CPU time / wall time, all threads; the emulator runs in its own process).
  start     cold start to first frame in-process (headless) and in a real terminal (tmux 160×48:
            process start → the composer's placeholder is on screen; config.toml as validated at an
            earlier start, the usual case: see warm_settings).
  open      open a 100 / 1,000 / 100,000-message conversation from inside the running app
            (the finder's path: `open_conversation_by_id` → the first frame showing its newest message;
            also → the whole first page loaded, and the CPU used by then).
  esc       esc 3 s into a 1,000 tok/s reply → the stopped reply is drawn (in-process).
  tmuxkeys  keystroke → echo in a real terminal (tmux send-keys, capture-pane polled) idle and while
            a fast reply streams.

    .venv/bin/python bench/bench_responsive.py [--tree NAME=PATH ...] [--runs 3] [--only ratio,keys]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_ui import KEY, SAMPLE_REPLY, raw_reader  # the same key, sample reply and raw baseline as bench_ui

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(tempfile.gettempdir()) / "grokterm-bench-responsive"



# ---------------------------------------------------------------------------------------------------------
# children: each runs with PYTHONPATH=<tree> and prints one JSON object on its last stdout line
# ---------------------------------------------------------------------------------------------------------

def seeded_db(messages: int, tag: str) -> Path:
    """A database holding one conversation of `messages` messages (built once per tree, then copied)."""
    CACHE.mkdir(exist_ok=True)
    master = CACHE / f"{tag}-{messages}.db"
    if not master.exists():
        from grokterm.store import Store

        store = Store(master)
        conv = store.create_conversation(title="bench", model="grok-4-0709")
        store.ui_set("open_tabs", [conv.id])
        store.close()
        conn = sqlite3.connect(master, isolation_level=None)
        now = time.time() - messages
        rows = []
        for i in range(messages):
            role = "user" if i % 2 == 0 else "assistant"
            text = f"Question {i // 2}: how does this work?" if role == "user" else SAMPLE_REPLY
            rows.append((conv.id, role, text, "grok-4-0709" if role == "assistant" else None, now + i, now + i,
                         "complete"))
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO messages (conversation_id, role, text, model, created_at, updated_at, status)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
    copy = Path(tempfile.mkdtemp()) / "bench.db"
    shutil.copy(master, copy)
    return copy


class Frames:
    """Timestamps of every frame the app draws (App._display runs for each screen update, headless too)."""

    def __init__(self) -> None:
        from textual.app import App

        self.times: list[float] = []
        self.hooks: list = []
        original = App._display
        frames = self

        def display(app, screen, renderable):
            frames.times.append(time.perf_counter())
            for hook in frames.hooks:
                hook()
            return original(app, screen, renderable)

        App._display = display


class StallMonitor:
    """Longest gap the event loop left a 5 ms sleeper waiting (what a keystroke would also wait)."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []  # (when it woke, how late)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            self.samples.append((now, now - before - 0.005))

    def stop(self) -> None:
        self._task.cancel()

    def longest(self, start: float, end: float) -> float:
        return max((late for when, late in self.samples if start <= when <= end), default=0.0)


async def started_app(db: Path, base_url: str):
    from grokterm.ui.app import GrokApp
    from grokterm.ui.context import AppContext

    app = GrokApp(AppContext(api_key=KEY, base_url=base_url, db_path=db, max_retries=0))
    return app


class StreamClock:
    """When the client handed the app its last stream event (wraps XAIClient.stream_turn, any tree)."""

    def __init__(self) -> None:
        from grokterm.xai.client import XAIClient

        self.last = [0.0]
        self.events = 0
        original = XAIClient.stream_turn
        clock = self

        async def stream_turn(client, request):
            async for event in original(client, request):
                clock.last[0] = time.perf_counter()
                clock.events += 1
                yield event

        XAIClient.stream_turn = stream_turn


GC_PAUSES: list[tuple[int, float]] = []


def watch_gc() -> None:
    """Record each garbage collection's generation and duration (a full one can stall the loop)."""
    import gc

    began = [0.0, 0.0]

    def callback(phase: str, info: dict) -> None:
        if phase == "start":
            began[0], began[1] = time.perf_counter(), time.thread_time()
        elif info["generation"] == 2:
            GC_PAUSES.append((round((time.thread_time() - began[1]) * 1000), time.perf_counter() - began[0]))

    gc.callbacks.append(callback)
    if os.environ.get("BENCH_GC_THRESHOLDS"):  # experiments: "a,b,c"
        gc.set_threshold(*map(int, os.environ["BENCH_GC_THRESHOLDS"].split(",")))


async def child_stream(base_url: str, tokens: int, earlier: int, tag: str, typing: bool,
                       stop_after: float = 0.0) -> dict:
    watch_gc()
    frames = Frames()
    stream_clock = StreamClock()
    db = seeded_db(earlier, tag)
    app = await started_app(db, base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.wait_ready()
        await pilot.pause()
        await app.wait_ready()
        await pilot.pause()
        pane = app.active_pane()
        pane.composer.load_text(f"!long {tokens}")
        pane.composer.focus()
        await pilot.pause()
        import gc

        objects_before = len(gc.get_objects())
        if os.environ.get("BENCH_GC_DEBUG"):
            gc.set_debug(gc.DEBUG_SAVEALL)
        monitor = StallMonitor()
        cpu0 = time.process_time()
        start = time.perf_counter()
        await pilot.press("enter")
        last_delta = stream_clock.last
        keys: list[float] = []
        echoes: list[float] = []

        def note_echo():
            typed = pane.composer.text.count("x")
            while len(echoes) < min(typed, len(keys)):
                echoes.append(time.perf_counter() - keys[len(echoes)])

        if typing:
            frames.hooks.append(note_echo)

        async def type_keys():
            from textual import events

            await asyncio.sleep(0.3)
            while pane.is_streaming:
                keys.append(time.perf_counter())
                app.post_message(events.Key("x", "x"))
                await asyncio.sleep(random.uniform(0.03, 0.05))

        typist = asyncio.create_task(type_keys()) if typing else None
        worker = pane.turn_worker
        while worker is None:
            await asyncio.sleep(0.01)
            worker = pane.turn_worker
        esc_to_stopped = esc_to_shown = None
        if stop_after:
            from textual import events
            from textual.worker import WorkerCancelled

            shown: list[float] = []

            def note_stopped_shown() -> None:  # the first frame drawing the reply as stopped
                if not shown and not pane.query("StreamingMessage") and any(
                        getattr(w, "data", None) is not None and w.data.status == "stopped"
                        for w in pane.query("FinishedMessage")):
                    shown.append(time.perf_counter())

            await asyncio.sleep(stop_after)
            frames.hooks.append(note_stopped_shown)
            pressed = time.perf_counter()
            app.post_message(events.Key("escape", None))
            while pane.streaming is not None or pane.is_streaming:  # bounded by the stream's length
                await asyncio.sleep(0.002)
            with contextlib.suppress(WorkerCancelled):
                await worker.wait()
            await pilot.pause()
            esc_to_stopped = frames.times[-1] - pressed
            esc_to_shown = shown[0] - pressed if shown else None
        else:
            await worker.wait()
        await pilot.pause()
        end = time.perf_counter()
        cpu = time.process_time() - cpu0
        monitor.stop()
        if typist is not None:
            typist.cancel()
        await pilot.pause()
        final_frame = max(t for t in frames.times if t <= end + 1) if frames.times else end
        status = pane.messages[-1].status
        stream_end = last_delta[0]
        return {
            "total": final_frame - start, "status": status,
            "stall_streaming": monitor.longest(start, stream_end),
            "stall_end": monitor.longest(stream_end, end),
            "cpu_fraction": cpu / max(end - start, 1e-9), "seconds": end - start,
            "keys": len(keys), "echo": echoes, "esc_to_stopped": esc_to_stopped,
            "esc_to_shown": esc_to_shown, "events": stream_clock.events,
            "chars": len(pane.messages[-1].text),
            "objects": objects_before,
            "garbage": __import__("collections").Counter(
                f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.garbage).most_common(12)
            if os.environ.get("BENCH_GC_DEBUG") else [],
            "gc_pauses": [(round(d * 1000), cpu) for cpu, d in GC_PAUSES],  # (wall ms, CPU ms) of full GCs
            "worst_stalls": sorted(((round(late * 1000), round((when - start) * 1000)) for when, late in
                                    monitor.samples if start <= when <= end), reverse=True)[:5],
        }


async def child_raw(base_url: str, tokens: int) -> dict:
    """The baseline: bench_ui's raw httpx + httpx-sse reader of the same stream."""
    return {"total": await raw_reader(base_url, tokens, timeout=120)}


async def child_start(base_url: str, tag: str, t0: float) -> dict:
    """Called right after the imports a real launch needs: start → first frame with the tab ready."""
    frames = Frames()
    db = seeded_db(0, tag)
    app = await started_app(db, base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        first = None
        while first is None:
            await pilot.pause()
            pane = app.active_pane()
            if pane is not None and pane.is_mounted and frames.times:
                first = frames.times[-1]
        return {"first_frame": first - t0, "cpu": time.process_time()}


async def child_open(base_url: str, messages: int, tag: str) -> dict:
    """Open a conversation of `messages` messages from inside the app (the finder's path)."""
    frames = Frames()
    db = seeded_db(messages, tag)
    from grokterm.store import Store

    store = Store(db)
    other = store.create_conversation(title="other", model="grok-4-0709")
    store.ui_set("open_tabs", [other.id])
    store.close()
    target = 1  # the seeded conversation
    app = await started_app(db, base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.wait_ready()
        await pilot.pause()
        from grokterm.ui.widgets.finished_message import FinishedMessage

        shown: list[float] = []
        opened: list = []

        def newest_on_screen() -> None:
            """The frame being drawn shows the conversation's newest message (what the user waits for)."""
            if shown or not opened:
                return
            widgets = opened[0].query(FinishedMessage)
            newest = widgets.last() if widgets else None
            if newest is not None and newest.data is opened[0].messages[-1] and newest.region.height > 0:
                shown.append(time.perf_counter())

        frames.hooks.append(newest_on_screen)
        start = time.perf_counter()
        cpu0 = time.process_time()
        pane = await app.open_conversation_by_id(target)
        opened.append(pane)
        while True:
            await app.wait_ready()
            await pilot.pause()
            if pane.messages and len(pane.messages) > 0:
                break
        end = frames.times[-1]
        cpu = time.process_time() - cpu0
        status = Path("/proc/self/status").read_text().splitlines()
        rss = int(next(line for line in status if line.startswith("VmRSS")).split()[1]) // 1024
        return {"open": end - start, "shown": (shown[0] - start) if shown else end - start, "rss_mb": rss,
                "cpu": cpu}


def child_main(mode: str, args: dict) -> None:
    t0 = time.perf_counter()
    if mode == "start":
        import grokterm.ui.app  # noqa: F401  (what `grokterm` imports before the app runs)
        result = asyncio.run(child_start(args["base_url"], args["tag"], t0))
    elif mode == "stream":
        result = asyncio.run(child_stream(args["base_url"], args["tokens"], args["earlier"], args["tag"],
                                          args.get("typing", False), args.get("stop_after", 0.0)))
    elif mode == "raw":
        result = asyncio.run(child_raw(args["base_url"], args["tokens"]))
    elif mode == "open":
        result = asyncio.run(child_open(args["base_url"], args["messages"], args["tag"]))
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(result))


# ---------------------------------------------------------------------------------------------------------
# tmux: a real terminal
# ---------------------------------------------------------------------------------------------------------

class Tmux:
    def __init__(self, tree: Path, base_url: str, db: Path, size=(160, 48)) -> None:
        self.name = f"bench-{os.getpid()}-{random.randrange(1 << 30)}"
        env = {"PYTHONPATH": str(tree), "XAI_API_KEY": KEY, "GROKTERM_DB": str(db),
               "GROKTERM_CONFIG": str(db.parent / "config.toml"), "GROKTERM_DATA_DIR": str(db.parent),
               "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", "TERM": "xterm-256color"}
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        self.command = f"env {exports} {sys.executable} -m grokterm --base-url {base_url}"
        self.size = size

    def start(self) -> float:
        t0 = time.perf_counter()
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", str(self.size[0]), "-y",
                        str(self.size[1]), self.command], check=True)
        return t0

    def capture(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True,
                              text=True).stdout

    def wait_for(self, predicate, timeout: float = 30.0) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            screen = self.capture()
            if predicate(screen):
                return time.perf_counter()
            time.sleep(0.002)
        raise TimeoutError(f"screen never matched; last screen:\n{self.capture()}")

    def send(self, *keys: str, literal: bool = False) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *(["-l"] if literal else []), *keys], check=True)

    def kill(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


PLACEHOLDER = "Message grok"


def tmux_start(tree: Path, base_url: str, tag: str) -> dict:
    db = run_child(tree, "seed", {"messages": 0, "tag": tag})
    tmux = Tmux(tree, base_url, Path(db["db"]))
    warm_settings(tree, Path(db["db"]).parent)
    try:
        t0 = tmux.start()
        seen = tmux.wait_for(lambda s: PLACEHOLDER in s)
        return {"first_frame": seen - t0}
    finally:
        tmux.kill()


def warm_settings(tree: Path, data_dir: Path) -> None:
    """As at any start but the first after config.toml changed: a tree that keeps the validated settings
    (grokterm.config.startup) finds them; a tree without that module is left as it is."""
    code = ("import importlib.util, sys\n"
            "if importlib.util.find_spec('grokterm.config.startup'):\n"
            "    from grokterm.config.startup import load_startup_settings; load_startup_settings()\n")
    env = dict(os.environ, PYTHONPATH=str(tree), GROKTERM_CONFIG=str(data_dir / "config.toml"),
               GROKTERM_DATA_DIR=str(data_dir))
    subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=60)


def tmux_keys(tree: Path, base_url: str, tag: str, tokens: int) -> dict:
    db = run_child(tree, "seed", {"messages": 0, "tag": tag})
    tmux = Tmux(tree, base_url, Path(db["db"]))
    idle, streaming = [], []
    try:
        tmux.start()
        tmux.wait_for(lambda s: PLACEHOLDER in s)
        time.sleep(0.5)  # let start-up's background work settle (model list)

        def type_probe(out: list, count: int, busy=None) -> None:
            typed = ""
            for i in range(count):
                if busy is not None and not busy():
                    return
                char = "abcdefghij"[i % 10]
                typed += char
                t = time.perf_counter()
                tmux.send(char, literal=True)
                tmux.wait_for(lambda s, probe=typed[-12:]: probe in s, timeout=10)
                out.append(time.perf_counter() - t)
                time.sleep(random.uniform(0.02, 0.04))

        type_probe(idle, 20)
        tmux.send(*(["BSpace"] * 25))  # clear the probe text
        time.sleep(0.2)
        tmux.send(f"!long {tokens}", literal=True)
        tmux.send("Enter")
        tmux.wait_for(lambda s: "first token" in s or "tok/s" in s, timeout=20)
        type_probe(streaming, 60)
        return {"idle": idle, "streaming": streaming}
    finally:
        tmux.kill()


# ---------------------------------------------------------------------------------------------------------
# the orchestrator
# ---------------------------------------------------------------------------------------------------------

def run_child(tree: Path, mode: str, args: dict, timeout: float = 600) -> dict:
    if mode == "seed":
        code = (f"import sys, json; sys.argv=['x']; sys.path.insert(0, {str(Path(__file__).parent)!r});"
                "import bench_responsive as b;"
                f"print(json.dumps({{'db': str(b.seeded_db({args['messages']}, {args['tag']!r}))}}))")
        command = [sys.executable, "-c", code]
    else:
        command = [sys.executable, __file__, "--child", mode, json.dumps(args)]
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
               GROKTERM_CONFIG=str(CACHE / "no-config.toml"))
    out = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
    if out.returncode != 0:
        if mode == "seed":
            raise RuntimeError(f"seeding in {tree} failed:\n{out.stderr[-3000:]}")
        lines = [line for line in out.stderr.splitlines() if "Error" in line or "Cancelled" in line]
        print(f"    ! {mode} in {tree} failed: {lines[-1] if lines else out.stderr[-300:]}", flush=True)
        return {"error": lines[-1] if lines else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def guarded(measure, tree: Path, *args) -> dict:
    """A tmux measurement; a failure (the app never drew its composer) is counted, not fatal."""
    try:
        return measure(tree, *args)
    except Exception as exc:
        print(f"    ! {measure.__name__} in {tree} failed: {str(exc)[:200]}", flush=True)
        return {"error": str(exc)[:200]}


def start_emulator(speed: float) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "grokterm", "emulator", "--port", "0", "--speed", str(speed), "--api-key", KEY,
         "--first-token-delay", "0"], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    base_url = process.stdout.readline().split()[-1]
    return process, base_url


def load() -> str:
    return open("/proc/loadavg").read().split(" ", 3)[:3].__str__()


def summary(values: list[float], unit: str = "s", scale: float = 1.0) -> str:
    if not values:
        return "n/a"
    values = sorted(v * scale for v in values)
    return f"{statistics.median(values):.3g} {unit} ({values[0]:.3g}–{values[-1]:.3g}, n={len(values)})"


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("child_args", nargs="?")
    parser.add_argument("--tree", action="append", default=[], help="NAME=PATH of a source tree (repeatable)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=20000)
    parser.add_argument("--only", default="ratio,keys,esc,cpu,start,open,tmuxkeys")
    args = parser.parse_args()
    if args.child:
        child_main(args.child, json.loads(args.child_args))
        return
    CACHE.mkdir(exist_ok=True)
    trees = [(name, Path(path).resolve()) for name, path in (t.split("=", 1) for t in args.tree)] or [
        ("this", ROOT)]
    only = set(args.only.split(","))
    emulators = {speed: start_emulator(speed) for speed in (0, 150, 1000)}
    url = {speed: base for speed, (_, base) in emulators.items()}
    print(f"load at start: {load()}; trees: {', '.join(f'{n}={p}' for n, p in trees)}; runs {args.runs}")
    results: dict[tuple, list] = {}

    failures: dict[tuple, int] = {}

    def record(key: tuple, value) -> None:
        if "error" in value:
            failures[key] = failures.get(key, 0) + 1
        else:
            results.setdefault(key, []).append(value)

    try:
        for run in range(args.runs):
            for name, tree in trees:
                tag = name
                if "ratio" in only:
                    for earlier in (0, 200):
                        record(("raw", earlier), run_child(tree, "raw", {"base_url": url[0], "tokens": args.tokens}))
                        record((name, "ratio", earlier), run_child(tree, "stream", {
                            "base_url": url[0], "tokens": args.tokens, "earlier": earlier, "tag": tag}))
                if "keys" in only:
                    record((name, "keys"), run_child(tree, "stream", {
                        "base_url": url[1000], "tokens": 6000, "earlier": 0, "tag": tag, "typing": True}))
                if "esc" in only:
                    record((name, "esc"), run_child(tree, "stream", {
                        "base_url": url[1000], "tokens": 20000, "earlier": 0, "tag": tag, "stop_after": 3.0}))
                if "cpu" in only:
                    record((name, "cpu"), run_child(tree, "stream", {
                        "base_url": url[150], "tokens": 900, "earlier": 200, "tag": tag}))
                if "start" in only:
                    record((name, "start"), run_child(tree, "start", {"base_url": url[0], "tag": tag}))
                    if shutil.which("tmux"):
                        record((name, "tmuxstart"), guarded(tmux_start, tree, url[0], tag))
                if "open" in only:
                    for messages in (100, 1000, 100_000):
                        record((name, "open", messages), run_child(tree, "open", {
                            "base_url": url[0], "messages": messages, "tag": tag}))
                if "tmuxkeys" in only and shutil.which("tmux"):
                    record((name, "tmuxkeys"), guarded(tmux_keys, tree, url[1000], tag, 20000))
            print(f"  run {run + 1}/{args.runs} done, load {load()}", flush=True)
            (CACHE / "last-results.json").write_text(json.dumps({repr(k): v for k, v in results.items()}))
    finally:
        for process, _ in emulators.values():
            process.terminate()
            process.wait()

    print(f"load at end: {load()}")
    for key, count in failures.items():
        print(f"  FAILED runs of {key}: {count}")
    for name, _ in trees:
        print(f"== {name}")
        if "ratio" in only:
            for earlier in (0, 200):
                raws = [r["total"] for r in results.get(("raw", earlier), [])]
                apps = results.get((name, "ratio", earlier), [])
                ratios = [a["total"] / r for a, r in zip(apps, raws, strict=False)]  # against a neighbouring raw run
                app_totals = summary([a["total"] for a in apps])
                print(f"  20k tokens, {earlier:>3} earlier: raw {summary(raws)}; app {app_totals};"
                      f" ratio {summary(ratios, 'x')}; longest stall streaming "
                      f"{summary([a['stall_streaming'] for a in apps], 'ms', 1000)}, at the end "
                      f"{summary([a['stall_end'] for a in apps], 'ms', 1000)}; statuses {[a['status'] for a in apps]}")
        if "keys" in only:
            runs = results.get((name, "keys"), [])
            echoes = [e for r in runs for e in r["echo"]]
            print(f"  keystroke→echo while streaming 1,000 tok/s (Pilot): p50 per run "
                  f"{summary([percentile(r['echo'], 50) for r in runs], 'ms', 1000)}, p99 per run "
                  f"{summary([percentile(r['echo'], 99) for r in runs], 'ms', 1000)}; pooled p50 "
                  f"{percentile(echoes, 50) * 1000:.0f} ms p99 {percentile(echoes, 99) * 1000:.0f} ms"
                  f" ({len(echoes)} of {sum(r['keys'] for r in runs)} keys echoed)")
        if "esc" in only:
            runs = results.get((name, "esc"), [])
            first = [r["esc_to_shown"] for r in runs if r.get("esc_to_shown") is not None]
            print(f"  esc after 3 s of a 1,000 tok/s reply → stopped reply drawn: "
                  f"{summary([r['esc_to_stopped'] for r in runs], 'ms', 1000)} (last frame of the turn); first frame"
                  f" showing it {summary(first, 'ms', 1000)}; statuses {[r['status'] for r in runs]}")
        if "cpu" in only:
            runs = results.get((name, "cpu"), [])
            cpu = summary([r["cpu_fraction"] for r in runs], "%", 100)
            print(f"  CPU while streaming 150 tok/s, 200 earlier: {cpu}"
                  f" of one core; longest stall {summary([r['stall_streaming'] for r in runs], 'ms', 1000)}")
        if "start" in only:
            starts = results.get((name, "start"), [])
            in_process = summary([r["first_frame"] for r in starts])
            print(f"  cold start → first frame, in-process: {in_process}; CPU used by then (all threads,"
                  f" imports included): {summary([r['cpu'] for r in starts])}")
            if (name, "tmuxstart") in results:
                in_tmux = summary([r["first_frame"] for r in results[(name, "tmuxstart")]])
                print(f"  cold start → first frame, tmux: {in_tmux}")
        if "open" in only:
            for messages in (100, 1000, 100_000):
                runs = results.get((name, "open", messages), [])
                rss = statistics.median(r["rss_mb"] for r in runs) if runs else float("nan")
                newest = summary([r.get("shown", r["open"]) for r in runs])
                print(f"  open a {messages:,}-message conversation: newest message on screen {newest}, all loaded "
                      f"{summary([r['open'] for r in runs])},"
                      f" CPU {summary([r['cpu'] for r in runs])}, RSS {rss:.0f} MB")
        if (name, "tmuxkeys") in results:
            runs = results[(name, "tmuxkeys")]
            for kind in ("idle", "streaming"):
                pooled = [e for r in runs for e in r[kind]]
                print(f"  keystroke→echo in tmux, {kind}: p50 {percentile(pooled, 50) * 1000:.0f} ms,"
                      f" p99 {percentile(pooled, 99) * 1000:.0f} ms (n={len(pooled)}; per-run p99 "
                      f"{summary([percentile(r[kind], 99) for r in runs], 'ms', 1000)})")


if __name__ == "__main__":
    main()
