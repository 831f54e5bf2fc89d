"""Opening a conversation (the finder's path): only a window is read, and its Markdown is rendered in
threads, the screenful of newest messages first, so the event loop never renders a message."""

from __future__ import annotations

import sqlite3
import threading
import time

from ui_helpers import make_app, wait_started, wait_workers

from grokterm.store import Store
from grokterm.ui.markdown_lines import MarkdownLines
from grokterm.ui.widgets.finished_message import FinishedMessage

REPLY = """Here is how it works:

1. first step with `code`
2. second step

```python
def answer():
    return 42
```

| a | b |
|---|---|
| 1 | 2 |
"""


def seed(path, messages: int) -> int:
    """A conversation of `messages` messages (inserted in one transaction), and a second one left open."""
    store = Store(path)
    conv = store.create_conversation(title="long", model="grok-4-0709")
    other = store.create_conversation(title="other", model="grok-4-0709")
    store.ui_set("open_tabs", [other.id])
    store.close()
    now = time.time() - messages
    rows = [(conv.id, "user" if i % 2 == 0 else "assistant",
             f"question {i}" if i % 2 == 0 else f"{REPLY}\nreply {i}", now + i, now + i, "complete")
            for i in range(messages)]
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN")
    connection.executemany("INSERT INTO messages (conversation_id, role, text, created_at, updated_at, status)"
                           " VALUES (?, ?, ?, ?, ?, ?)", rows)
    connection.execute("COMMIT")
    connection.close()
    return conv.id


def record_renders(monkeypatch) -> list[tuple[str, str]]:
    """(thread name, the end of the message's text) of every Markdown render of a message body."""
    renders: list[tuple[str, str]] = []
    original = MarkdownLines.render_blocks

    def render_blocks(self, width, console, indices):
        renders.append((threading.current_thread().name, self.text[-12:]))
        return original(self, width, console, indices)

    monkeypatch.setattr(MarkdownLines, "render_blocks", render_blocks)
    return renders


def record_rows_read(monkeypatch) -> list[int]:
    read: list[int] = []
    original = Store.list_messages

    def list_messages(self, *args, **kwargs):
        rows = original(self, *args, **kwargs)
        read.append(len(rows))
        return rows

    monkeypatch.setattr(Store, "list_messages", list_messages)
    return read


async def test_opening_renders_in_threads_the_newest_screenful_first(emulator, tmp_path, monkeypatch):
    conv_id = seed(tmp_path / "grokterm.db", 200)
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_started(app, pilot)
        renders = record_renders(monkeypatch)
        pane = await app.open_conversation_by_id(conv_id)
        assert pane is not None
        await wait_workers(pane, pilot, "history")
        await pilot.pause()
        window = app.context.lazy_window
        widgets = list(pane.query(FinishedMessage))
        assert [w.data.id for w in widgets] == [m.id for m in pane.messages] and len(widgets) == window
        assert [name for name, _ in renders if name == threading.main_thread().name] == []
        assert len(renders) == window  # each message rendered once, at the width it is shown at
        assert renders[0][1].endswith("reply 199")  # the newest first: it is the one on screen
        assert widgets[-1].region.height > 0  # and it is on screen (the list is at its end)
        assert all(w.body.has(w.content_region.width) for w in widgets if w.region.height)


async def test_a_huge_conversation_reads_and_renders_only_a_window(emulator, tmp_path, monkeypatch):
    conv_id = seed(tmp_path / "grokterm.db", 20_000)
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_started(app, pilot)
        renders = record_renders(monkeypatch)
        read = record_rows_read(monkeypatch)
        pane = await app.open_conversation_by_id(conv_id)
        assert pane is not None
        await wait_workers(pane, pilot, "history")
        window = app.context.lazy_window
        assert read == [window + 1]  # one LIMIT query: the page and whether older ones exist
        assert len(pane.messages) == len(pane.query(FinishedMessage)) == window
        assert len(renders) <= window
        assert pane._hidden_older == 20_000 - window  # counted, not read


async def test_tabs_reopened_at_start_are_rendered_in_threads_the_hidden_ones_too(emulator, tmp_path, monkeypatch):
    from grokterm.store.keyvalue import ACTIVE_TAB, OPEN_TABS

    path = tmp_path / "grokterm.db"
    first, second = seed(path, 120), seed(path, 120)
    store = Store(path)
    store.ui_set(OPEN_TABS, [first, second])
    store.ui_set(ACTIVE_TAB, second)
    store.close()
    renders = record_renders(monkeypatch)
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_started(app, pilot)
        panes = app.chat.panes()
        for pane in panes:
            await wait_workers(pane, pilot, "history")
        app.action_previous_tab()  # show the hidden one
        await pilot.pause()
        shown = app.active_pane()
        assert shown is not None and shown.conversation.id == first
        await pilot.pause()
        assert list(shown.query(FinishedMessage))[-1].region.height > 0
        assert [name for name, _ in renders if name == threading.main_thread().name] == []
