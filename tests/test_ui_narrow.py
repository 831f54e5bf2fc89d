"""An 80x24 terminal: the sidebar collapses, the welcome dialog fits, the responses table keeps
Cost/Left/Status; demo mode and the system prompt show; message actions are discoverable.

The SVG snapshots at 80x24 live here too (chat screen, welcome, responses browser). Update after
an intended change: `pytest tests/test_ui_narrow.py --snapshot-update`.
"""

from __future__ import annotations

import pytest
from test_responses_snapshot import NOW, Host, seed, utc  # noqa: F401 (a fixture, used by name)
from test_ui_snapshots import FIXED_NOW, seed_conversation
from textual.widgets import DataTable
from ui_helpers import make_app, notifications, ready_with_last_reply_focused, send, wait_started, wait_until

from grokterm.emulator.faults import Fault
from grokterm.store import Store
from grokterm.ui.screens.response_detail import ConfirmDialog
from grokterm.ui.screens.responses_screen import columns_for
from grokterm.ui.widgets.conversation_pane import status_line
from grokterm.ui.widgets.finished_message import FinishedMessage


def rendered(widget, width: int = 76) -> str:
    from rich.console import Console

    console = Console(width=width, record=True, color_system=None)
    console.print(widget._renderable())
    return console.export_text()


# -- layout ----------------------------------------------------------------------------------

async def test_the_sidebar_collapses_below_100_columns_and_ctrl_b_opens_it(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await wait_started(app, pilot)
        assert not app.chat.sidebar.display
        assert pane.composer.size.width > 60  # the conversation keeps the width
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert app.chat.sidebar.display
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert not app.chat.sidebar.display
        await pilot.resize_terminal(140, 40)
        await wait_until(pilot, lambda: app.chat.sidebar.display, what="the sidebar back at 140 columns")
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert not app.chat.sidebar.display


async def test_a_response_id_fits_on_one_sidebar_line(emulator, tmp_path):
    seed_conversation(tmp_path / "grokterm.db")
    app = make_app(emulator, tmp_path, clock=lambda: FIXED_NOW + 3600)
    async with app.run_test(size=(130, 42)) as pilot:
        await wait_started(app, pilot)
        response = app.chat.sidebar.query_one("#sidebar-response")
        await wait_until(pilot, lambda: "0f3c2a9e" in str(response.render()), what="the response id")
        assert response.size.width >= 36
        first_line = str(response.render()).splitlines()[0]
        assert first_line == "0f3c2a9e-5b1d-4c7e-9a44-6d2f1b8e7c10"


def test_the_responses_table_keeps_cost_left_and_status_when_narrow():
    for width in (60, 78, 98, 118, 140, 200):
        columns = columns_for(width)
        keys = [key for key, _, _ in columns]
        assert {"mark", "model", "cost", "expires", "status"} <= set(keys), width
        assert sum(w + 2 for _, _, w in columns) <= max(width, 69), width
    assert "conversation" in [k for k, _, _ in columns_for(160)]


@pytest.mark.usefixtures("utc")
async def test_the_responses_browser_at_80_columns_shows_cost_left_status(tmp_path):
    clock = [NOW]
    store = Store(tmp_path / "db.sqlite", clock=lambda: clock[0])
    seed(store, clock)
    app = Host(store)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            for worker in list(app.workers):
                await worker.wait()
            await pilot.pause()
            table = app.screen.query_one(DataTable)
            labels = [str(c.label) for c in table.columns.values()]
            assert labels[-3:] == ["Cost", "Left", "Status"]
            assert sum(c.get_render_width(table) for c in table.columns.values()) <= table.size.width
    finally:
        store.close()


def test_status_line_names_the_preset_and_demo_mode():
    presets = {"concise": "Be brief.", "[red]x": "Red."}
    assert status_line("grok-4", "Be brief.", presets, demo=True).plain == (
        "grok-4 · prompt: concise · demo (built-in emulator)")
    assert status_line("grok-4", "Something else", presets, demo=False).plain == "grok-4 · prompt: custom"
    assert status_line("grok-4", "Dflt", presets, demo=False, default_prompt="Dflt").plain == (
        "grok-4 · prompt: default")
    assert status_line("grok-4", "", presets, demo=False).plain == "grok-4"
    assert status_line("grok-4", "Red.", presets, demo=False).plain == "grok-4 · prompt: [red]x"  # literal


async def test_demo_mode_and_the_chosen_preset_show_under_the_composer(emulator, tmp_path):
    app = make_app(emulator, tmp_path, demo=True, presets={"concise": "Be brief."})
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await wait_started(app, pilot)
        status = pane.query_one(".composer-status")
        assert "demo (built-in emulator)" in str(status.render())
        app.set_system_prompt(pane, "Be brief.")
        await pilot.pause()
        assert "prompt: concise" in str(status.render())


# -- message actions -------------------------------------------------------------------------

async def test_a_focused_message_shows_its_keys_and_del_asks_first(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "Say hello")
        reply = list(pane.query(FinishedMessage))[-1]
        assert "del delete" not in rendered(reply)
        pane.composer.focus()
        await pilot.press("shift+tab")  # as the composer's placeholder says
        await pilot.pause()
        assert app.focused is reply
        text = rendered(reply)
        assert "c copy · k copy code · r retry · del delete" in text
        await pilot.press("delete")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the confirmation")
        await pilot.press("n")
        await pilot.pause()
        assert len(pane.messages) == 2 and reply in list(pane.query(FinishedMessage))
        reply.focus()
        await pilot.press("delete")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the confirmation")
        await pilot.press("y")
        await wait_until(pilot, lambda: len(pane.messages) == 1, what="the deletion")
        assert reply not in list(pane.query(FinishedMessage))
        assert len(app.store.list_messages(pane.conversation.id)) == 1


async def test_k_says_so_when_there_is_no_code_block(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "Say hello")
        mine = pane.query(FinishedMessage).first()
        mine.focus()
        await pilot.press("k")
        await wait_until(pilot, lambda: "No code block in this message." in notifications(app), what="the k notice")


async def test_a_failed_reply_says_r_to_retry(emulator, tmp_path):
    emulator.state.push_fault(Fault(kind="status", status=500, path="/responses"))
    app = make_app(emulator, tmp_path, keymap={"message.retry": "ctrl+y"},
                   api_style="responses")  # auto would answer a first 5xx by chat completions
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "hello")
        reply = list(pane.query(FinishedMessage))[-1]
        assert reply.data.status == "failed"
        assert "(ctrl+y to retry)" in rendered(reply)


# -- snapshots at 80x24 ----------------------------------------------------------------------

def test_chat_screen_snapshot_80x24(snap_compare, emulator, tmp_path):
    seed_conversation(tmp_path / "grokterm.db")
    app = make_app(emulator, tmp_path, clock=lambda: FIXED_NOW + 3600, demo=True)

    assert snap_compare(app, terminal_size=(80, 24),
                        run_before=lambda pilot: ready_with_last_reply_focused(app, pilot))


def test_welcome_screen_snapshot_80x24(snap_compare, emulator, tmp_path):
    app = make_app(emulator, tmp_path, api_key=None, show_welcome=True)

    async def run_before(pilot) -> None:
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.usefixtures("utc")
def test_responses_screen_snapshot_80x24(snap_compare, tmp_path):
    clock = [NOW]
    store = Store(tmp_path / "db.sqlite", clock=lambda: clock[0])
    seed(store, clock)
    app = Host(store)

    async def run_before(pilot) -> None:
        await pilot.pause()
        for worker in list(app.workers):
            await worker.wait()
        await pilot.pause()

    try:
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
    finally:
        store.close()


async def test_edit_keeps_a_draft_in_the_composer(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "What is a fnuctor?")
        pane.composer.load_text("half-typed thought")
        pane.query(FinishedMessage).first().focus()
        await pilot.press("e")
        await wait_until(pilot, lambda: pane.messages == [], what="the edit")
        assert pane.composer.text == "What is a fnuctor?\n\nhalf-typed thought"
