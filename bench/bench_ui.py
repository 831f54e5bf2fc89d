"""The TUI under load: a 20k-token reply streamed into the real app (headless), and a 1,000-message
conversation's first frame.

Figures (printed, never asserted):
  * stream time in the app vs a raw httpx + httpx-sse reader of the same stream (the ratio is the figure),
    with 0 and with 200 earlier messages in the conversation;
  * per-token cost of the first vs the last 1k tokens (does the live Markdown slow down as it grows?);
  * first-frame time and RSS of a 1,000-message conversation (each measured in a fresh process).

The emulator runs in its own process at unlimited speed so it does not share our GIL.

    .venv/bin/python bench/bench_ui.py [--tokens 20000] [--runs 3]
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

import httpx
from httpx_sse import aconnect_sse

KEY = "xai-bench-key"
ROOT = Path(__file__).resolve().parent.parent


def start_emulator() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "grokterm", "emulator", "--port", "0", "--speed", "0", "--api-key", KEY],
        stdout=subprocess.PIPE, text=True,
    )
    base_url = process.stdout.readline().split()[-1]
    return process, base_url


async def raw_reader(base_url: str, tokens: int, timeout: float = 60) -> float:
    """Baseline: read the same /v1/responses stream with nothing but httpx + httpx-sse + json."""
    body = {"model": "grok-4-0709", "input": [{"role": "user", "content": f"!long {tokens}"}], "stream": True}
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {KEY}"}, timeout=timeout) as client:
        start = time.perf_counter()
        text = []
        async with aconnect_sse(client, "POST", f"{base_url}/responses", json=body) as source:
            async for event in source.aiter_sse():
                payload = json.loads(event.data)
                if payload.get("type") == "response.output_text.delta":
                    text.append(payload["delta"])
        return time.perf_counter() - start


def seed(db: Path, messages: int, reply_text: str) -> None:
    from grokterm.store import Store

    store = Store(db)
    conv = store.create_conversation(title="bench", model="grok-4-0709")
    for i in range(messages // 2):
        store.add_message(conv.id, "user", f"Question {i}: how does this work?")
        store.add_message(conv.id, "assistant", reply_text, status="complete")
    store.ui_set("open_tabs", [conv.id])
    store.close()


SAMPLE_REPLY = """Here is an answer with **bold**, `code` and a list:

- first point
- second point

```python
def f(x):
    return x * 2
```

| a | b |
|---|---|
| 1 | 2 |
"""


async def app_stream(base_url: str, tokens: int, earlier: int, window: int | None = None) -> dict:
    from grokterm.ui.app import GrokApp
    from grokterm.ui.context import AppContext
    from grokterm.ui.widgets.streaming_message import StreamingMessage

    stamps: list[float] = []
    original = StreamingMessage.add_text

    def add_text(self, delta, count=1):  # count: wire deltas merged into this one (1 in older trees)
        stamps.extend([time.perf_counter()] * count)
        return original(self, delta, count) if count != 1 else original(self, delta)

    StreamingMessage.add_text = add_text
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bench.db"
            if earlier:
                seed(db, earlier, SAMPLE_REPLY)
            ctx = AppContext(api_key=KEY, base_url=base_url, db_path=db, max_retries=0)
            if window is not None:
                ctx.lazy_window = window
            app = GrokApp(ctx)
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause()
                await app.wait_ready()
                await pilot.pause()
                await app.wait_ready()  # the tab opened by start-up loads its history too
                pane = app.active_pane()
                pane.composer.load_text(f"!long {tokens}")
                start = time.perf_counter()
                await pilot.press("enter")
                await pilot.pause()
                await pane.turn_worker.wait()
                await pilot.pause()
                total = time.perf_counter() - start
                streamed = stamps[-1] - start if stamps else float("nan")
                assert pane.messages[-1].status == "complete", pane.messages[-1].status
    finally:
        StreamingMessage.add_text = original
    first_k = stamps[999] - stamps[0] if len(stamps) > 1000 else float("nan")
    last_k = stamps[-1] - stamps[-1000] if len(stamps) > 1000 else float("nan")
    return {"total": total, "streamed": streamed, "deltas": len(stamps), "first_1k_us_per_token": first_k / 1000 * 1e6,
            "last_1k_us_per_token": last_k / 1000 * 1e6}


FIRST_FRAME_SCRIPT = r"""
import asyncio, sys, time
t0 = time.perf_counter()
from grokterm.ui.app import GrokApp
from grokterm.ui.context import AppContext
async def main():
    app = GrokApp(AppContext(api_key="k", base_url=sys.argv[2], db_path=sys.argv[1], max_retries=0))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.wait_ready()
        await pilot.pause()
        await app.wait_ready()
        await pilot.pause()
        first_frame = time.perf_counter() - t0
        rss = int(next(l for l in open("/proc/self/status") if l.startswith("VmRSS")).split()[1]) // 1024
        print(f"{first_frame:.3f} {rss} {len(app.active_pane().messages)}")
asyncio.run(main())
"""


def first_frame(base_url: str, messages: int) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        seed(db, messages, SAMPLE_REPLY)
        out = subprocess.run([sys.executable, "-c", FIRST_FRAME_SCRIPT, str(db), base_url],
                             capture_output=True, text=True, check=True).stdout.split()
        return float(out[0]), int(out[1]), int(out[2])


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    process, base_url = start_emulator()
    try:
        raw = [await raw_reader(base_url, args.tokens) for _ in range(args.runs)]
        raw_best = min(raw)
        print(f"raw httpx+httpx-sse reader, {args.tokens} tokens: best {raw_best:.3f} s "
              f"(median {statistics.median(raw):.3f} s)")
        for earlier in (0, 200):
            results = [await app_stream(base_url, args.tokens, earlier) for _ in range(args.runs)]
            best = min(results, key=lambda r: r["total"])
            ratio = best["total"] / raw_best
            print(f"app, {earlier:>3} earlier messages: best {best['total']:.3f} s  ratio {ratio:.2f}x"
                  f" (last token at {best['streamed']:.2f} s, final render {best['total'] - best['streamed']:.2f} s)"
                  f"  deltas {best['deltas']}  per token: first 1k {best['first_1k_us_per_token']:.0f} µs,"
                  f" last 1k {best['last_1k_us_per_token']:.0f} µs")
        for messages in (0, 200, 1000):
            seconds, rss, loaded = first_frame(base_url, messages)
            print(f"first frame of a {loaded}-message conversation: {seconds:.2f} s (incl. imports), RSS {rss} MB")
    finally:
        process.terminate()
        process.wait()


if __name__ == "__main__":
    asyncio.run(main())
