"""SVG snapshots of the key screens: chat (with sidebar), model picker, welcome.

Content is deterministic: conversations are written to the store with a fixed
clock and fixed response ids, and the app's clock is frozen for expiry dates.
Update after an intended change with `pytest tests/test_ui_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from ui_helpers import make_app, ready_with_last_reply_focused, wait_started

from grokterm.store import Store

FIXED_NOW = 1_795_000_000.0  # 2026-11-18, a fixed "now" for created/expiry dates

REPLY = """Here is a small **Python** function and how it behaves.

```python
def reverse(items: list[int]) -> list[int]:
    return items[::-1]
```

| Input | Output |
|-------|--------|
| `[]` | `[]` |
| `[1, 2, 3]` | `[3, 2, 1]` |

- runs in O(n) time
- returns a new list
"""


def seed_conversation(db_path) -> int:
    store = Store(db_path, clock=lambda: FIXED_NOW)
    conv = store.create_conversation(title="Reverse a list", model="grok-3-mini")
    store.add_message(conv.id, "user", "Write a Python function that reverses a list, with a table.")
    reply = store.add_message(conv.id, "assistant", "", model="grok-3-mini")
    store.finish_message(
        reply.id, "complete", text=REPLY, reasoning="The user wants a list reversal. Slicing is idiomatic.",
        usage={"input_tokens": 31, "cached_tokens": 0, "output_tokens": 96, "reasoning_tokens": 54,
               "image_tokens": 0, "cost_ticks": 7_630_000},
        response_id="0f3c2a9e-5b1d-4c7e-9a44-6d2f1b8e7c10", ttft_ms=240, tokens_per_s=88.0,
    )
    store.ui_set("open_tabs", [conv.id])
    store.close()
    return conv.id


def test_chat_screen_snapshot(snap_compare, emulator, tmp_path):
    seed_conversation(tmp_path / "grokterm.db")
    app = make_app(emulator, tmp_path, clock=lambda: FIXED_NOW + 3600)

    assert snap_compare(app, terminal_size=(130, 42),
                        run_before=lambda pilot: ready_with_last_reply_focused(app, pilot))


def test_model_picker_snapshot(snap_compare, emulator, tmp_path):
    app = make_app(emulator, tmp_path)

    async def run_before(pilot) -> None:
        await wait_started(app, pilot)
        for worker in list(app.workers):
            if worker.group == "models":
                await worker.wait()
        await pilot.press("ctrl+l")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


def test_welcome_screen_snapshot(snap_compare, emulator, tmp_path):
    app = make_app(emulator, tmp_path, api_key=None, show_welcome=True)

    async def run_before(pilot) -> None:
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 32), run_before=run_before)
