"""Typing after a big paste: keystroke time in the composer by draft size (why PASTE_LIMIT exists).

For each draft size the composer is loaded with that much pasted-looking text (80-column lines),
then keys are typed one at a time and the time from posting the key until the app is idle again
(the key inserted and the composer repainted) is taken. Sizes run interleaved (A B C A B C …)
so machine load hits them alike; the figure is the median and the spread per size, printed with
the load average. Nothing is asserted.

    .venv/bin/python bench/bench_paste.py [--sizes 0,100000,500000,5000000] [--rounds 3] [--keys 15]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

from textual import events
from textual.app import App, ComposeResult

from grokterm.ui.widgets.composer import PASTE_LIMIT, Composer


class Host(App):
    def compose(self) -> ComposeResult:
        yield Composer("")


async def keystroke_times(size: int, keys: int) -> list[float]:
    app = Host()
    times: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        composer = app.query_one(Composer)
        composer.focus()
        composer.load_text(("x" * 79 + "\n") * (size // 80))
        composer.move_cursor(composer.document.end)
        await pilot.pause()
        for i in range(keys):
            char = "abcdefghijklmnopqrstuvwxyz"[i % 26]
            line = composer.document.end[0]
            start = time.perf_counter()
            app.post_message(events.Key(char, char))
            while not composer.document.get_line(line).endswith(char):
                await asyncio.sleep(0)
            await pilot.pause()  # and the repaint that follows: what the typist waits for
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default=f"0,100000,{PASTE_LIMIT},5000000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keys", type=int, default=15)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, list[float]] = {s: [] for s in sizes}
    for _ in range(args.rounds):
        for size in sizes:
            results[size] += asyncio.run(keystroke_times(size, args.keys))
    print(f"load average {os.getloadavg()[0]:.2f}  (PASTE_LIMIT = {PASTE_LIMIT:,} characters)")
    print(f"{'draft chars':>12}  {'median ms':>9}  {'p90 ms':>7}  {'max ms':>7}")
    for size, times in results.items():
        times.sort()
        p90 = times[int(len(times) * 0.9) - 1]
        print(f"{size:>12,}  {statistics.median(times) * 1000:9.1f}  {p90 * 1000:7.1f}  {times[-1] * 1000:7.1f}")


if __name__ == "__main__":
    main()
