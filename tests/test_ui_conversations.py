"""The conversations finder: recent list, full-text search, open in a tab, archive."""

from __future__ import annotations

from ui_helpers import make_app, wait_started, wait_until

from grokterm.store import Store
from grokterm.ui.screens.conversations_screen import ConversationsScreen


def seed(db_path) -> dict[str, int]:
    store = Store(db_path)
    ids = {}
    for title, text in [("Borrow checker", "why does the borrow checker reject this"),
                        ("Sourdough", "hydration of a sourdough starter"),
                        ("Old stuff", "an archived chat about kubernetes")]:
        conv = store.create_conversation(title=title, model="grok-4-0709")
        store.add_message(conv.id, "user", text)
        ids[title] = conv.id
    store.archive_conversation(ids["Old stuff"])
    store.close()
    return ids


async def test_search_open_and_archive(emulator, tmp_path):
    ids = seed(tmp_path / "grokterm.db")
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_started(app, pilot)
        await pilot.press("ctrl+f")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConversationsScreen)
        for worker in list(app.workers):
            if worker.group == "conversations":
                await worker.wait()
        await pilot.pause()
        titles = [e.title for e in screen.entries]
        assert "Borrow checker" in titles and "Sourdough" in titles
        assert "Old stuff" not in titles  # archived ones are hidden by default

        await pilot.press(*"sourdo")
        for worker in list(app.workers):
            if worker.group == "conversations":
                await worker.wait()
        await pilot.pause()
        assert [e.title for e in screen.entries] == ["Sourdough"]
        assert "sourdough" in screen.entries[0].snippet.lower()
        await pilot.press("enter")
        await pilot.pause()
        pane = app.active_pane()
        assert pane.conversation.id == ids["Sourdough"]

        await pilot.press("ctrl+f")
        await pilot.pause()
        for worker in list(app.workers):
            if worker.group == "conversations":
                await worker.wait()
        await pilot.pause()
        screen = app.screen
        first = screen.entries[0]
        await pilot.press("alt+a")
        await wait_until(pilot, lambda: first.conversation_id not in [e.conversation_id for e in screen.entries],
                         what="the archived conversation to leave the list")
        assert app.chat.pane_for(first.conversation_id) is None  # archiving closes its tab

    store = Store(tmp_path / "grokterm.db")
    assert store.get_conversation(first.conversation_id).archived
    store.close()
