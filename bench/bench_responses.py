"""How fast the stored-responses browser lists a big index (no network: the list is local).

Prints, for N index rows: reading them all from SQLite (Store.list_responses), filtering and
sorting them in memory, and the time from pushing ResponsesScreen in a headless app to a
filled table (which holds at most MAX_ROWS rows), plus one filter keystroke's redraw.

    .venv/bin/python bench/bench_responses.py [N ...]     (default: 1000 10000 100000)
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from textual.app import App
from textual.widgets import DataTable

from grokterm.store import Store
from grokterm.ui.screens.responses_screen import MAX_INDEX_ROWS, ResponsesScreen

NOW = time.time()
MODELS = ("grok-4-0709", "grok-3", "grok-3-mini", "grok-code-fast-1")


def build(path: Path, count: int) -> None:
    """`count` index rows across 50 conversations (bulk SQL: index_response is one commit per row)."""
    store = Store(path)
    conversations = [store.create_conversation(title=f"Conversation {i}").id for i in range(50)]
    store.close()
    rows = []
    for i in range(count):
        created = NOW - (i * 37) % (40 * 86400)
        rows.append((f"resp-{i:08d}", conversations[i % 50], MODELS[i % 4], created, created + 30 * 86400,
                     f"prompt number {i} about topic {i % 97}", f"reply number {i} with some words",
                     100 + i % 900, i % 50, 200 + i % 700, i % 300, 10_000 * (i % 1000),
                     "deleted" if i % 53 == 0 else "live"))
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO responses (response_id, conversation_id, model, created_at, expires_at, prompt_preview,"
            " reply_preview, input_tokens, cached_tokens, output_tokens, reasoning_tokens, cost_ticks, status,"
            " stored) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)", rows)


class Host(App):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.client = None


async def screen_times(store: Store) -> tuple[float, float, int]:
    app = Host(store)
    async with app.run_test(size=(160, 40)) as pilot:
        started = time.perf_counter()
        screen = ResponsesScreen()
        await app.push_screen(screen)
        while not screen.loaded:
            await pilot.pause(0.001)
        opened = time.perf_counter() - started
        rows = screen.query_one(DataTable).row_count
        screen.query_one("#responses-filter").value = "topic 42"
        started = time.perf_counter()
        screen.refill()
        filtered = time.perf_counter() - started
    return opened, filtered, rows


def main(counts: list[int]) -> None:
    print(f"{'rows':>8} {'read all':>10} {'filter+sort':>12} {'open screen':>12} {'table rows':>10} "
          f"{'filter redraw':>14}")
    for count in counts:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bench.db"
            build(path, count)
            store = Store(path)
            started = time.perf_counter()
            entries = store.list_responses(limit=MAX_INDEX_ROWS)
            read = time.perf_counter() - started
            assert len(entries) == count
            screen = ResponsesScreen(now=NOW)
            screen.entries = entries
            started = time.perf_counter()
            words = ["topic", "42"]
            from grokterm.ui.screens.responses_screen import SORT_KEYS, matches

            shown = sorted((e for e in entries if matches(e, words)), key=SORT_KEYS["cost"], reverse=True)
            in_memory = time.perf_counter() - started
            opened, filtered, rows = asyncio.run(screen_times(store))
            store.close()
        print(f"{count:>8} {read * 1000:>8.0f} ms {in_memory * 1000:>9.1f} ms {opened * 1000:>9.0f} ms "
              f"{rows:>10} {filtered * 1000:>11.0f} ms   ({len(shown)} match)")


if __name__ == "__main__":
    main([int(n) for n in sys.argv[1:]] or [1000, 10_000, 100_000])
