"""Chain recovery: a chained turn whose stored response is gone is re-sent once with the full history,
in the same wire API, whatever the 404 says, and the user is told; one 404 never switches `auto` to chat."""

from __future__ import annotations

import pytest
from test_client_emulator import client_for, collect, turn_requests

from grokterm.emulator.faults import Fault
from grokterm.xai.errors import NotFoundError
from grokterm.xai.events import Completed, Failed, Message, Notice, TurnRequest

# A 404 whose text does not name the response id (a proxy's, or a future wording of xAI's).
PLAIN_404 = Fault(kind="status", status=404, path="/responses", message="Not found")


async def _first_turn(client) -> tuple[tuple[Message, ...], Completed]:
    history = (Message("system", "be brief"), Message("user", "remember the word teapot"))
    first = (await collect(client, TurnRequest("grok-3", history)))[-1]
    assert isinstance(first, Completed)
    return (*history, Message("assistant", first.text), Message("user", "!recall")), first


@pytest.mark.parametrize("style", ["auto", "responses"])
async def test_a_404_without_the_id_resends_the_full_history_once_on_responses(emulator, style) -> None:
    async with client_for(emulator, api_style=style) as client:
        history, first = await _first_turn(client)
        emulator.state.push_fault(PLAIN_404)
        events = await collect(client, TurnRequest("grok-3", history, previous_response_id=first.response_id))
        later = await collect(client, TurnRequest("grok-3", (Message("user", "!echo still here"),)))
        assert client.style_in_use == "responses"
    notices = [e for e in events if isinstance(e, Notice)]
    assert len(notices) == 1 and first.response_id in notices[0].text and "whole conversation" in notices[0].text
    assert isinstance(events[-1], Completed) and "teapot" in events[-1].text
    sent = turn_requests(emulator)
    assert [r.path for r in sent] == ["/v1/responses"] * 4  # first, chained (404), full resend, a later turn
    assert sent[1].json["previous_response_id"] == first.response_id
    assert "previous_response_id" not in sent[2].json and len(sent[2].json["input"]) == 4
    assert isinstance(later[-1], Completed) and later[-1].text == "still here"


async def test_recovery_happens_once_then_the_404_is_reported(emulator) -> None:
    async with client_for(emulator, api_style="responses") as client:
        history, first = await _first_turn(client)
        emulator.state.push_fault(Fault(kind="status", status=404, path="/responses", message="Not found", times=2))
        events = await collect(client, TurnRequest("grok-3", history, previous_response_id=first.response_id))
    assert isinstance(events[-1], Failed) and isinstance(events[-1].error, NotFoundError)
    assert len(turn_requests(emulator)) == 3  # first turn, chained, one full resend


async def test_a_404_naming_the_model_is_not_a_lost_chain(emulator) -> None:
    async with client_for(emulator, api_style="responses") as client:
        events = await collect(client, TurnRequest("grok-nope", (Message("user", "hi"),), previous_response_id="r1"))
    assert isinstance(events[-1], Failed) and not any(isinstance(e, Notice) for e in events)
    assert len(turn_requests(emulator)) == 1


async def test_the_tui_says_the_chain_was_restarted_and_keeps_the_conversation(emulator, tmp_path) -> None:
    from ui_helpers import make_app, notifications, send, wait_started

    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "remember the word teapot")
        head = pane.conversation.last_response_id
        assert head and emulator.state.delete_response(head)  # gone on the server; the app does not know
        emulator.state.push_fault(PLAIN_404)  # and the server's 404 does not name it
        await send(pane, pilot, "!recall")
        assert any("whole conversation" in n for n in notifications(app))
        assert pane.messages[-1].status == "complete" and "teapot" in pane.messages[-1].text
    chained, resent = turn_requests(emulator)[-2:]
    assert chained.json["previous_response_id"] == head and "previous_response_id" not in resent.json
