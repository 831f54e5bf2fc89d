"""Per-conversation turn options in the TUI (effort, temperature, max tokens) and the context-window warning."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select
from ui_helpers import make_app, notifications, send, wait_started, wait_until

from grokterm.chat.options import TurnOptions, load_options, parse_max_tokens, parse_temperature, save_options
from grokterm.store import Store
from grokterm.ui.screens.turn_options import TurnOptionsDialog

SIZE = (120, 40)


async def open_dialog(app, pilot) -> TurnOptionsDialog:
    app.action_turn_options()

    def ready() -> bool:
        screen = app.screen
        return isinstance(screen, TurnOptionsDialog) and bool(screen.query("#options-cancel"))

    await wait_until(pilot, ready, what="the options dialog")
    await pilot.pause()
    return app.screen


def turn_bodies(emulator) -> list[dict]:
    return [r.json for r in emulator.state.requests if r.path in ("/v1/responses", "/v1/chat/completions")]


def test_options_parse_and_persist(tmp_path) -> None:
    assert parse_temperature("") is None and parse_temperature("0.7") == 0.7
    assert parse_max_tokens(" 1,000 ") == 1000 and parse_max_tokens("") is None
    for bad in ("3", "-1", "warm"):
        with pytest.raises(ValueError, match="temperature"):
            parse_temperature(bad)
    store = Store(tmp_path / "o.db")
    try:
        conversation = store.create_conversation(title="t", model="grok-3-mini")
        assert load_options(store, conversation.id) == TurnOptions()
        save_options(store, conversation.id, TurnOptions("high", 0.5, 64))
        assert load_options(store, conversation.id) == TurnOptions("high", 0.5, 64)
        save_options(store, conversation.id, TurnOptions())
        assert store.ui_get(f"conversation_options:{conversation.id}") is None
    finally:
        store.close()


async def test_the_dialog_sets_options_that_are_sent_and_kept_across_restarts(emulator, tmp_path) -> None:
    app = make_app(emulator, tmp_path, default_model="grok-3-mini")
    async with app.run_test(size=SIZE) as pilot:
        pane = await wait_started(app, pilot)
        dialog = await open_dialog(app, pilot)
        dialog.query_one("#options-effort", Select).value = "high"
        dialog.query_one("#options-temperature", Input).value = "0.5"
        dialog.query_one("#options-max-tokens", Input).value = "64"
        dialog.query_one("#options-max-tokens", Input).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, TurnOptionsDialog), what="the dialog to close")
        await send(pane, pilot, "!echo with options")
        conversation_id = pane.conversation.id
    body = turn_bodies(emulator)[-1]
    assert body["reasoning"] == {"effort": "high"}
    assert body["temperature"] == 0.5 and body["max_output_tokens"] == 64
    again = make_app(emulator, tmp_path, default_model="grok-3-mini")
    async with again.run_test(size=SIZE) as pilot:
        pane = await wait_started(again, pilot)
        assert pane.conversation.id == conversation_id
        await send(pane, pilot, "!echo still with options")
    assert turn_bodies(emulator)[-1]["temperature"] == 0.5


async def test_no_effort_is_offered_or_sent_where_the_model_takes_none(emulator, tmp_path) -> None:
    app = make_app(emulator, tmp_path, default_model="grok-4-0709")
    async with app.run_test(size=SIZE) as pilot:
        pane = await wait_started(app, pilot)
        assert "Turn options" in {command.title for command in app.get_system_commands(app.screen)}
        dialog = await open_dialog(app, pilot)
        assert dialog.query_one("#options-effort", Select).disabled
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, TurnOptionsDialog), what="the dialog to close")
        # an effort saved while the conversation used grok-3-mini, then the model changed
        save_options(app.store, pane.conversation.id, TurnOptions(reasoning_effort="high"))
        await send(pane, pilot, "!echo plain")
        assert any("does not take a reasoning effort" in n for n in notifications(app))
    body = turn_bodies(emulator)[-1]
    assert "reasoning" not in body and pane.messages[-1].status == "complete"


async def test_a_conversation_near_the_context_window_is_warned_about(emulator, tmp_path) -> None:
    app = make_app(emulator, tmp_path, default_model="grok-2-vision-1212")  # 8,192 tokens (xAI Models page)
    async with app.run_test(size=SIZE) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "!long 7000")
        assert not any("context window" in n for n in notifications(app))
        await send(pane, pilot, "!echo and now?")
        assert any("context window" in n and "8,192" in n for n in notifications(app))
        assert pane.messages[-1].status == "complete"
