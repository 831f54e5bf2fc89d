"""Benchmark attaching an image in the TUI: paste a path → chip on screen (numbers only, nothing asserted).

Drives the real GrokApp headless against the built-in emulator, pastes the path
of a 3840×2160 screenshot-like PNG (and a 12 MP photo JPEG), and reports:
- paste → chip: from the Paste event to the chip being mounted (prepare_image
  + thumbnail in a thread, then the chip);
- the longest UI stall while that ran: the biggest gap between ticks of a
  10 ms timer on the event loop (shows whether Pillow's work blocks the UI).
Run: .venv/bin/python bench/bench_attach.py [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

from bench_media import encoded, photo_like, screenshot_like
from textual import events

from grokterm.emulator.server import start_emulator
from grokterm.ui.app import GrokApp
from grokterm.ui.context import AppContext
from grokterm.ui.widgets.attachment_chips import AttachmentChip


async def measure(app: GrokApp, pilot, path: Path, runs: int) -> tuple[list[float], list[float]]:
    pane = app.active_pane()
    latencies, stalls = [], []
    for _ in range(runs):
        pane.clear_attachments()
        await pilot.pause()
        gaps: list[float] = []
        last = [time.perf_counter()]

        def tick(gaps: list[float] = gaps, last: list[float] = last) -> None:  # bind this round's lists
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now

        timer = app.set_interval(0.01, tick)
        pane.composer.focus()
        started = time.perf_counter()
        app.post_message(events.Paste(str(path)))
        while not pane.query(AttachmentChip):
            await asyncio.sleep(0.002)  # benchmark polling, not test synchronisation
        latencies.append(time.perf_counter() - started)
        timer.stop()
        stalls.append(max(gaps, default=0.0))
    return latencies, stalls


async def main(runs: int) -> None:
    folder = Path(tempfile.mkdtemp())
    files = {
        "3840×2160 screenshot-like PNG": folder / "screenshot.png",
        "4000×3000 (12 MP) photo JPEG": folder / "photo.jpg",
    }
    files["3840×2160 screenshot-like PNG"].write_bytes(encoded(screenshot_like(), "PNG"))
    files["4000×3000 (12 MP) photo JPEG"].write_bytes(encoded(photo_like(), "JPEG", quality=92))
    emulator = start_emulator(port=0)
    try:
        app = GrokApp(AppContext(api_key=emulator.api_key, base_url=emulator.base_url, db_path=folder / "db.sqlite"))
        async with app.run_test(size=(120, 40)) as pilot:
            while app.active_pane() is None:
                await pilot.pause(0.05)
            for label, path in files.items():
                latencies, stalls = await measure(app, pilot, path, runs)
                chip = app.active_pane().query_one(AttachmentChip).chip_text
                print(f"{label:<30} paste → chip median {statistics.median(latencies) * 1000:6.0f} ms "
                      f"(min {min(latencies) * 1000:.0f}); longest UI stall {max(stalls) * 1000:.0f} ms; {chip}")
    finally:
        emulator.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(main(parser.parse_args().runs))
