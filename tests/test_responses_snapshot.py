"""SVG snapshot of the stored-responses browser with fixed content and a frozen clock.

The index is written with a fixed clock, the screen gets the same fixed `now`, and
times are shown in UTC, so the picture is the same on any day in any time zone.
Update after an intended change: `pytest tests/test_responses_snapshot.py --snapshot-update`.
"""

from __future__ import annotations

import time

import pytest
from textual.app import App

from grokterm.store import Store
from grokterm.ui.screens.responses_screen import ResponsesScreen
from grokterm.ui.services import Services
from grokterm.ui.themes import install_themes

NOW = 1_795_000_000.0  # 2026-11-18 11:06:40 UTC
HOUR, DAY = 3600, 24 * 3600


@pytest.fixture
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def seed(store: Store, clock: list[float]) -> None:
    def reply(title: str | None, prompt: str, text: str, response_id: str, *, age: float, model: str,
              tokens: tuple[int, int, int], cost: int, stored: bool = True) -> None:
        clock[0] = NOW - age
        conversation = store.create_conversation(title=title or "", model=model)
        turn = store.start_turn(prompt, model=model, conversation_id=conversation.id)
        usage = {"input_tokens": tokens[0], "output_tokens": tokens[1], "reasoning_tokens": tokens[2],
                 "cached_tokens": 0, "image_tokens": 0, "cost_ticks": cost}
        store.finish_message(turn.assistant_message_id, "complete", text=text, response_id=response_id,
                             usage=usage, stored=stored)

    reply("Reverse a list", "Write a Python function that reverses a list", "Here is a small **Python** function",
          "0f3c2a9e-5b1d-4c7e-9a44-6d2f1b8e7c10", age=2 * HOUR, model="grok-3-mini", tokens=(31, 96, 54),
          cost=7_630_000)
    reply("Untrusted output", "!echo tricky", "[red]not red[/red] \x1b]0;pwned\x07ok",
          "5d0b7e21-8c4f-4a3e-b2d6-1e9f7a6c3b58", age=5 * HOUR, model="grok-4-0709", tokens=(12, 9, 0),
          cost=1_140_000)
    reply("Trip to Lisbon", "Plan three days in Lisbon", "Day 1: Alfama and the castle",
          "a7e4c1d9-2b3f-4e6a-8c5d-9f0b1a2e3c4d", age=30 * DAY - 5 * HOUR, model="grok-4-0709",
          tokens=(48, 610, 220), cost=98_700_000)
    reply("Old notes", "Summarise my notes", "Three themes stand out",
          "c2d8f3a1-6e5b-4d7c-9a0e-1b2c3d4e5f60", age=40 * DAY, model="grok-3", tokens=(900, 120, 0),
          cost=4_500_000)
    reply("Deleted draft", "Draft a reply to Sam", "Hi Sam, thanks for",
          "e9f1a2b3-c4d5-4e6f-8a7b-9c0d1e2f3a4b", age=3 * DAY, model="grok-3", tokens=(20, 40, 0), cost=900_000)
    reply("A photo", "What is in this picture?", "A cat on a windowsill",
          "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e", age=DAY, model="grok-2-vision-1212", tokens=(1300, 25, 0),
          cost=2_800_000, stored=False)
    clock[0] = NOW - 6 * HOUR
    store.index_response("f0e1d2c3-b4a5-4968-8778-695a4b3c2d1e", model="grok-3", created_at=NOW - 6 * HOUR,
                         reply_preview="made by a script", usage={"input_tokens": 7, "output_tokens": 4})
    clock[0] = NOW
    store.mark_response_deleted("e9f1a2b3-c4d5-4e6f-8a7b-9c0d1e2f3a4b")


class Host(App):
    """Just enough of GrokApp for the browser: a store, no client (nothing is fetched)."""

    code_theme = "monokai"

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.services = Services(store, None, None)  # type: ignore[arg-type]  # no client: nothing is fetched

    def on_mount(self) -> None:
        install_themes(self, "grok-dark")
        self.push_screen(ResponsesScreen(now=NOW))


def test_responses_screen_snapshot(snap_compare, tmp_path, utc):
    clock = [NOW]
    store = Store(tmp_path / "db.sqlite", clock=lambda: clock[0])
    seed(store, clock)
    app = Host(store)

    async def run_before(pilot) -> None:
        await pilot.pause()
        for worker in list(app.workers):
            await worker.wait()
        await pilot.pause()
        await pilot.press("space")  # mark the newest row; the cursor moves to the next

    try:
        assert snap_compare(app, terminal_size=(150, 20), run_before=run_before)
    finally:
        store.close()
