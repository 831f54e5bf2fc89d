"""Pilot tests of the stored-responses browser inside the real GrokApp, against the emulator.

Turns are real (typed into the composer and streamed); the screens read the app's
store and call the emulator over loopback. No sleeps: tests wait on the workers.
"""

from __future__ import annotations

import sqlite3

from textual.widgets import DataTable, Input, Static
from ui_helpers import make_app, notifications, send, wait_started, wait_until

from grokterm.emulator.faults import Fault
from grokterm.store import Store
from grokterm.ui.screens.prompt_dialog import PromptDialog
from grokterm.ui.screens.response_detail import ConfirmDialog, ResponseDetailScreen
from grokterm.ui.screens.responses_screen import ResponsesScreen

DAY = 24 * 3600


async def wait_screen_workers(screen, pilot) -> None:
    """Wait for every worker the screen (or its app) started, including ones they start in turn."""
    for _ in range(5):
        pending = [w for w in list(screen.app.workers)
                   if w.node is screen and not w.is_finished and w.group != "responses-open"]
        if not pending:
            break
        for worker in pending:
            await worker.wait()
        await pilot.pause()
    await pilot.pause()


async def open_browser(app, pilot) -> ResponsesScreen:
    await pilot.press("ctrl+r")
    await wait_until(pilot, lambda: isinstance(app.screen, ResponsesScreen), what="the responses browser")
    screen = app.screen
    assert isinstance(screen, ResponsesScreen)
    await wait_screen_workers(screen, pilot)
    return screen


def row_ids(screen: ResponsesScreen) -> list[str]:
    table = screen.query_one(DataTable)
    return [table.coordinate_to_cell_key((row, 0)).row_key.value for row in range(table.row_count)]


def cell(screen: ResponsesScreen, response_id: str, column: str):
    """The cell's Text (str() of it is the text, padding stripped)."""
    return _Stripped(screen.query_one(DataTable).get_cell(response_id, column))


class _Stripped:
    def __init__(self, cell) -> None:
        self.text = cell.text
        self.style = cell.text.style

    def __str__(self) -> str:
        return str(self.text).strip()


async def chat_with_replies(app, pilot, *prompts: str) -> list[str]:
    pane = await wait_started(app, pilot)
    for prompt in prompts:
        await send(pane, pilot, prompt)
    return [m.response_id for m in pane.messages if m.role == "assistant"]


async def test_lists_every_reply_then_filters_and_sorts(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        ids = await chat_with_replies(app, pilot, "!echo alpha", "!echo beta [b]x[/b]", "!echo gamma")
        screen = await open_browser(app, pilot)
        assert row_ids(screen) == ids[::-1]  # newest first
        assert str(cell(screen, ids[1], "reply")) == "beta [b]x[/b]"  # literal, never markup
        assert str(cell(screen, ids[0], "status")) == "live" and str(cell(screen, ids[0], "expires")) == "30d"
        assert str(cell(screen, ids[0], "model")) == "grok-4-0709"
        assert str(cell(screen, ids[0], "cost")).startswith("$")

        await pilot.press("slash")
        assert screen.query_one("#responses-filter", Input).has_focus
        await pilot.press(*"BETA", "enter")  # enter applies at once and returns to the table
        assert row_ids(screen) == [ids[1]] and screen.query_one(DataTable).has_focus
        await pilot.press("slash", "ctrl+u", "enter")
        assert len(row_ids(screen)) == 3

        await pilot.press("S")  # reverse: oldest first
        assert row_ids(screen) == ids
        await pilot.press("s")  # next sort key: expiry, newest first again
        assert screen.sort == "expires" and row_ids(screen) == ids[::-1]
        table = screen.query_one(DataTable)
        screen.post_message(DataTable.HeaderSelected(table, table.ordered_columns[2].key, 2, "Model"))
        await pilot.pause()
        assert screen.sort == "model" and not screen.descending

        await pilot.press("escape")
        assert not isinstance(app.screen, ResponsesScreen)


async def test_selecting_a_row_fetches_it_and_shows_everything(emulator, tmp_path):
    app = make_app(emulator, tmp_path, default_model="grok-3-mini")
    async with app.run_test(size=(150, 50)) as pilot:
        ids = await chat_with_replies(app, pilot, "!echo one", "!echo two **strong** [red]plain[/red]")
        screen = await open_browser(app, pilot)
        await pilot.press("enter")  # the cursor is on the newest row
        detail = app.screen
        assert isinstance(detail, ResponseDetailScreen) and detail.response_id == ids[1]
        await wait_screen_workers(detail, pilot)
        assert detail.response is not None and detail.response.output_text == "two **strong** [red]plain[/red]"
        gets = [r for r in emulator.state.requests if r.method == "GET" and r.path.endswith(ids[1])]
        assert gets, "the detail screen should GET the stored response"
        assert [link.response_id for link in detail.chain.links] == [ids[0]] and detail.chain.complete
        svg = app.export_screenshot()
        assert "[red]plain[/red]" in svg.replace("&#160;", " ")  # shown literally, not as markup
        assert "Reasoning&#160;summary" in svg and "this&#160;response" in svg
        json_view = detail.query_one("#detail-json", Static)
        assert not json_view.display
        await pilot.press("j")
        assert json_view.display and '"previous_response_id": "' + ids[0] in json_view.content.code
        assert "previous_response_id" in app.export_screenshot()  # scrolled into view
        await pilot.press("y")
        assert app.clipboard == ids[1]
        await pilot.press("escape")
        assert app.screen is screen


async def test_delete_marked_rows_after_confirmation_and_forget(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        ids = await chat_with_replies(app, pilot, "!echo a", "!echo b", "!echo c")
        screen = await open_browser(app, pilot)
        await pilot.press("space", "space")  # marks the two newest rows, moving down
        assert screen.marked == {ids[2], ids[1]} and str(cell(screen, ids[2], "mark")) == "●"
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # cancel: nothing happens
        assert app.screen is screen and all(emulator.state.get_response(i) for i in ids)
        await pilot.press("d")
        await pilot.press("y")
        await pilot.pause()
        await wait_screen_workers(screen, pilot)
        assert emulator.state.get_response(ids[2]) is None and emulator.state.get_response(ids[1]) is None
        assert emulator.state.get_response(ids[0]) is not None
        assert [str(cell(screen, i, "status")) for i in ids] == ["live", "deleted", "deleted"]
        assert screen.marked == set() and "2 deleted." in notifications(app)
        assert "dim" in str(cell(screen, ids[1], "created").style)  # greyed

        screen.query_one(DataTable).move_cursor(row=2)  # the oldest, still live
        await pilot.press("f")
        await pilot.press("y")
        await pilot.pause()
        await wait_screen_workers(screen, pilot)
        assert row_ids(screen) == [ids[2], ids[1]]
        assert emulator.state.get_response(ids[0]) is not None  # forgetting never touches the server


async def test_expired_rows_are_greyed_and_a_404_is_shown_plainly(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        ids = await chat_with_replies(app, pilot, "!echo old", "!echo new")
        with sqlite3.connect(tmp_path / "grokterm.db") as conn:  # created 31 days ago, as far as the index knows
            conn.execute("UPDATE responses SET created_at = created_at - ?, expires_at = expires_at - ?"
                         " WHERE response_id = ?", (31 * DAY, 31 * DAY, ids[0]))
        emulator.state.clock_advance(31 * DAY)  # the server has discarded both
        screen = await open_browser(app, pilot)
        assert str(cell(screen, ids[0], "status")) == "expired" and str(cell(screen, ids[0], "expires")) == "—"
        assert "dim" in str(cell(screen, ids[0], "reply").style)
        assert str(cell(screen, ids[1], "status")) == "live"
        await pilot.press("e")
        assert screen.marked == {ids[0]}
        select = screen.query_one("#responses-status")
        select.value = "expired"
        await pilot.pause()
        assert row_ids(screen) == [ids[0]]
        select.value = "all"
        await pilot.pause()

        screen.query_one(DataTable).move_cursor(row=0)  # the newer one: the index thinks it is live
        await pilot.press("enter")
        detail = app.screen
        await wait_screen_workers(detail, pilot)
        problem = detail.query_one("#detail-problem", Static)
        assert problem.display and "not on the server" in str(problem.render())
        assert "marked unknown" in str(problem.render())
        assert "new" in app.export_screenshot()  # the local copy of the reply is still shown
        await pilot.press("escape")
        await wait_screen_workers(screen, pilot)
        assert str(cell(screen, ids[1], "status")) == "unknown"


async def test_network_faults_notify_and_leave_the_index_alone(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        ids = await chat_with_replies(app, pilot, "!echo precious")
        screen = await open_browser(app, pilot)
        emulator.state.push_fault(Fault("status", status=503, times=10))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ResponseDetailScreen), what="the detail screen")
        detail = app.screen
        await wait_screen_workers(detail, pilot)
        await wait_until(pilot, lambda: any("503" in n and "index is unchanged" in n for n in notifications(app)),
                         what="the 503 notification")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, what="back to the browser")
        await pilot.press("r")  # check with the server: fails, changes nothing
        await wait_screen_workers(screen, pilot)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the delete confirmation")
        await pilot.press("y")
        await wait_until(pilot, lambda: app.screen is screen, what="the confirmation answered")
        await wait_screen_workers(screen, pilot)
        assert str(cell(screen, ids[0], "status")) == "live"
    store = Store(tmp_path / "grokterm.db")
    entry = store.get_response_entry(ids[0])
    store.close()
    assert entry.status == "live" and entry.checked_at is None


async def test_open_by_id_fetches_views_and_indexes_a_foreign_response(emulator, emulator_http, tmp_path):
    foreign = emulator_http.post("/responses", json={"model": "grok-3", "input": "!echo made by a script"}).json()
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_started(app, pilot)
        screen = await open_browser(app, pilot)
        assert row_ids(screen) == []
        await pilot.press("o")
        assert isinstance(app.screen, PromptDialog)
        app.screen.query_one(Input).value = foreign["id"]
        await pilot.press("enter")
        await pilot.pause()
        await wait_screen_workers(screen, pilot)
        detail = app.screen
        assert isinstance(detail, ResponseDetailScreen) and detail.response.output_text == "made by a script"
        await pilot.press("escape")
        await wait_screen_workers(screen, pilot)
        assert row_ids(screen) == [foreign["id"]] and str(cell(screen, foreign["id"], "model")) == "grok-3"
        await pilot.press("o")
        app.screen.query_one(Input).value = "[b]no-such[/i"  # not valid markup: shown literally
        await pilot.press("enter")
        await pilot.pause()
        await wait_screen_workers(screen, pilot)
        assert app.screen is screen
        # not a plausible id: refused before any request (issue 10), and the text is shown literally
        assert any("not a response id: '[b]no-such[/i'" in n for n in notifications(app))


async def test_continue_and_branch_open_tabs_that_chain_on_the_response(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        ids = await chat_with_replies(app, pilot, "my name is Ada", "I like tea")
        original = app.active_pane().conversation.id

        screen = await open_browser(app, pilot)
        await pilot.press("c")  # the newest reply is the chain head: its own conversation
        await wait_screen_workers(screen, pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is app.chat and app.active_pane().conversation.id == original
        assert len(app.chat.panes()) == 1

        screen = await open_browser(app, pilot)
        screen.query_one(DataTable).move_cursor(row=1)  # the first reply
        await pilot.press("b")
        await wait_screen_workers(screen, pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        pane = app.active_pane()
        assert app.screen is app.chat and pane.conversation.id != original and len(app.chat.panes()) == 2
        assert pane.conversation.title.startswith("↪")
        await send(pane, pilot, "!recall")
        request = emulator.state.requests[-1].json
        assert request["previous_response_id"] == ids[0]
        assert "my name is Ada" in pane.messages[-1].text and "I like tea" not in pane.messages[-1].text
