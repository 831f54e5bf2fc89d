"""Numbers shown to the user: expiry only for stored replies, cost wherever usage is shown, tok/s in tokens."""

from __future__ import annotations

import re
import time

from test_cli_ask import run_cli
from test_responses_cli import cli
from ui_helpers import make_app, send, wait_started

from grokterm import paths
from grokterm.chat import responses as rs
from grokterm.chat.models import model_for_cost
from grokterm.chat.recorder import TurnRecorder
from grokterm.chat.runner import TurnRunner
from grokterm.store import Store
from grokterm.ui.message_data import message_data_from_row
from grokterm.ui.screens.responses_screen import row_cells
from grokterm.xai.client import XAIClient
from grokterm.xai.events import Completed, TextDelta
from grokterm.xai.usage import Usage, cost_ticks, format_usd
from grokterm.xai.wire import LanguageModel, ResponseObject

MINI = LanguageModel(id="grok-3-mini", aliases=["grok-3-mini-latest"], prompt_text_token_price=3000,
                     cached_prompt_text_token_price=750, completion_text_token_price=5000)


# ------------------------------------------------ store:false replies: no expiry, not "unknown"


async def test_a_chat_completions_reply_is_not_stored_and_says_so_everywhere(emulator, tmp_path) -> None:
    app = make_app(emulator, tmp_path, api_style="chat")
    async with app.run_test(size=(140, 40)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "!echo not kept")
        reply = pane.messages[-1]
        assert reply.response_id and reply.stored is False
        app.chat.sidebar.show_message(reply)
        await pilot.pause()
        text = str(app.chat.sidebar.query_one("#sidebar-response").render())
        assert "not stored on the server" in text and "expires" not in text
        entry = app.store.get_response_entry(reply.response_id)
    now = time.time()
    assert entry is not None and entry.stored is False
    assert rs.effective_status(entry, now) == "unstored"
    cells = [str(cell) for cell in row_cells(entry, now, marked=False)]
    assert cells[-1] == "unstored" and cells[-2].strip() == "—"
    assert "store: false" in rs.gone_message(entry.response_id, rs.status_after_404(entry))


def test_a_stored_reply_row_is_still_stored(emulator) -> None:
    store = Store(paths.database_file())
    try:
        turn = store.start_turn("hi", model="grok-3")
        store.finish_message(turn.assistant_message_id, "complete", text="hello", response_id="r-1", stored=True)
        assert message_data_from_row(store.get_message(turn.assistant_message_id)).stored is True
        other = store.start_turn("hi", model="grok-3")
        store.finish_message(other.assistant_message_id, "complete", text="x", response_id="c-1", stored=False)
        assert message_data_from_row(store.get_message(other.assistant_message_id)).stored is False
    finally:
        store.close()


# ------------------------------------------------ cost: `responses show` like `ask -u`; aliases


def _dollars(text: str) -> str:
    found = re.search(r"\$[0-9.]+", text)
    assert found, text
    return found.group(0)


async def test_responses_show_computes_the_cost_when_the_server_sends_none(emulator, emulator_http) -> None:
    emulator.state.report_cost = False  # like the 2025 recordings: usage without cost_in_usd_ticks
    store = Store(paths.database_file())
    try:
        async with XAIClient(emulator.api_key, base_url=emulator.base_url, max_retries=0) as client:
            runner = TurnRunner(store, client, models=[])
            conversation = store.create_conversation(title="costs", model="grok-3")
            async for _ in runner.send(conversation.id, "!echo how much", model="grok-3"):
                pass
        (reply,) = [m for m in store.list_messages(conversation.id) if m.role == "assistant"]
    finally:
        store.close()
    shown = cli(emulator, "show", reply.response_id)
    assert shown.returncode == 0, shown.stderr
    usage_line = next(line for line in shown.stdout.splitlines() if line.startswith("usage"))
    assert "n/a" not in usage_line
    stored = emulator.state.responses[reply.response_id].body
    assert "cost_in_usd_ticks" not in stored["usage"]
    usage = ResponseObject.model_validate(stored).usage.normalised()
    prices = LanguageModel.model_validate(emulator_http.get("/language-models/grok-3").json())
    assert _dollars(usage_line) == format_usd(cost_ticks(usage, prices))  # what `ask -u` computes


def test_ask_costs_a_reply_whose_model_is_an_alias_missing_from_the_catalogue(emulator) -> None:
    emulator.state.report_cost = False
    result = run_cli("ask", "-u", "--no-save", "--api-style", "chat", "-m", "grok-3-mini", "--reasoning-effort",
                     "high", "!echo priced", "--base-url", emulator.base_url, "--api-key", emulator.api_key)
    assert result.returncode == 0, result.stderr
    (request,) = [r for r in emulator.state.requests if r.path == "/v1/chat/completions"]
    assert request.json["reasoning_effort"] == "high"  # so the reply says model "grok-3-mini-high"
    assert "n/a" not in result.stderr.decode() and "$" in result.stderr.decode()


def test_the_price_of_a_resolved_model_name_is_its_base_model() -> None:
    assert model_for_cost([MINI], "grok-3-mini-high") is MINI
    assert model_for_cost([MINI], "grok-3-mini-latest-high") is MINI
    assert model_for_cost([MINI], "something-else", "grok-3-mini") is MINI  # the model asked for
    assert model_for_cost([MINI], "grok-3") is None  # a different model, not a prefix with "-"
    usage = Usage(input_tokens=288, cached_tokens=287, output_tokens=27, reasoning_tokens=313)
    assert cost_ticks(usage, model_for_cost([MINI], "grok-3-mini-high")) == 1_918_250  # recorded real bill


# ------------------------------------------------ tok/s counts tokens (usage), not chunks


def test_tokens_per_second_uses_the_reply_usage_not_the_number_of_chunks(tmp_path) -> None:
    store = Store(tmp_path / "t.db")
    try:
        turn = store.start_turn("hi", model="grok-3")
        recorder = TurnRecorder(store, turn.assistant_message_id, model="grok-3")
        for chunk in ("three tokens here", " and three more"):  # 2 chunks, 40 tokens by the usage
            recorder.on_event(TextDelta(chunk))
        recorder.on_event(Completed("r", "grok-3", "three tokens here and three more", "",
                                    Usage(input_tokens=5, output_tokens=40), stored=True))
        assert recorder.first_token is not None
        recorder.last_delta = recorder.first_token + 2.0  # two seconds of streaming
        assert recorder.tokens_per_second() == 20.0
        recorder.stop_checkpoints()
        recorder.finish(None)
        assert store.get_message(turn.assistant_message_id).tokens_per_s == 20.0
    finally:
        store.close()
