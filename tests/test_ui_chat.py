"""Pilot tests of the chat screen against the emulator over loopback."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest
from rich.console import Console
from textual.worker import WorkerCancelled
from ui_helpers import make_app, notifications, send, wait_started, wait_until, wait_workers

from grokterm.emulator.faults import Fault
from grokterm.store import Store
from grokterm.ui.screens.model_picker import ModelPicker
from grokterm.ui.widgets.finished_message import FinishedMessage
from grokterm.ui.widgets.streaming_message import StreamingMessage
from grokterm.xai.client import XAIClient
from grokterm.xai.usage import usage_from_wire


def rendered_text(widget: FinishedMessage, width: int = 100) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(widget._renderable())
    return console.export_text()


async def test_send_streams_a_reply_and_persists_it(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "Explain tail recursion")
        assert [m.role for m in pane.messages] == ["user", "assistant"]
        reply = pane.messages[-1]
        assert reply.status == "complete"
        assert "tail recursion" in reply.text.lower()
        assert reply.response_id
        widgets = list(pane.query(FinishedMessage))
        assert len(widgets) == 2 and not list(pane.query(StreamingMessage))
        # the conversation title is derived from the first prompt and shown on the tab
        assert "Explain tail recursion" in str(app.chat.tabs.get_tab(f"conv-{pane.conversation.id}").label)

    store = Store(tmp_path / "grokterm.db")
    rows = store.list_messages(pane.conversation.id)
    store.close()
    assert [(r.role, r.status) for r in rows] == [("user", "complete"), ("assistant", "complete")]
    assert rows[1].text == reply.text


async def test_sidebar_usage_equals_the_emulators(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(140, 50)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "Show me a table of planets")
        reply = pane.messages[-1]
        async with XAIClient(emulator.api_key, emulator.base_url) as client:
            stored = await client.get_response(reply.response_id)
        truth = usage_from_wire(stored.usage.model_dump() if hasattr(stored.usage, "model_dump") else stored.usage)
        assert reply.usage.input_tokens == truth.input_tokens
        assert reply.usage.output_tokens == truth.output_tokens
        assert reply.usage.reasoning_tokens == truth.reasoning_tokens
        console = Console(width=40, record=True, color_system=None)
        console.print(app.chat.sidebar.query_one("#sidebar-reply").content)
        text = console.export_text()
        assert f"{truth.output_tokens:,}" in text and f"{truth.input_tokens:,}" in text
        assert "$" in text  # cost shown in dollars
        console = Console(width=60, record=True, color_system=None)
        console.print(app.chat.sidebar.query_one("#sidebar-response").content)
        shown = console.export_text()
        assert reply.response_id in shown and "expires" in shown and "(in 30 days)" in shown


async def test_reasoning_summary_is_shown_for_a_reasoning_model(emulator, tmp_path):
    app = make_app(emulator, tmp_path, default_model="grok-3-mini")
    async with app.run_test(size=(140, 50)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "Why is the sky blue?")
        reply = pane.messages[-1]
        assert reply.reasoning.strip(), "a reasoning model's reply should carry a reasoning summary"
        console = Console(width=60, record=True, color_system=None)
        console.print(app.chat.sidebar.query_one("#sidebar-reasoning").content)
        shown = " ".join(console.export_text().split())
        assert " ".join(reply.reasoning.split())[:40] in shown
        widget = list(pane.query(FinishedMessage))[-1]
        assert "reasoning (t)" in rendered_text(widget)
        widget.focus()
        await pilot.press("t")
        assert widget.show_reasoning
        assert " ".join(reply.reasoning.split())[:30] in " ".join(rendered_text(widget).split())


async def test_stop_keeps_the_partial_reply(emulator_factory, tmp_path):
    slow = emulator_factory(speed=40.0)
    app = make_app(slow, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        pane.composer.load_text("!long 3000")
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane.streaming is not None and len(pane.streaming.text) >= 20,
                         what="the reply to start streaming")
        await pilot.press("escape")
        await pilot.pause()
        with pytest.raises(WorkerCancelled):
            await pane.turn_worker.wait()  # cancelled
        await wait_until(pilot, lambda: pane.streaming is None and pane.messages[-1].role == "assistant",
                         what="the stopped reply to be finished")
        reply = pane.messages[-1]
        assert reply.status == "stopped"
        assert len(reply.text) >= 20
        assert "Stopped" in " ".join(notifications(app))
    store = Store(tmp_path / "grokterm.db")
    row = store.list_messages(pane.conversation.id)[-1]
    store.close()
    assert row.status == "stopped" and row.text == reply.text


async def test_failed_reply_can_be_retried(emulator, tmp_path):
    emulator.state.push_fault(Fault(kind="status", status=500, path="/responses"))
    app = make_app(emulator, tmp_path, api_style="responses")  # auto would answer this turn by chat
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "What is a monad?")
        failed = pane.messages[-1]
        assert failed.status == "failed" and failed.error
        widget = list(pane.query(FinishedMessage))[-1]
        widget.focus()
        await pilot.press("r")
        await pilot.pause()
        await pane.turn_worker.wait()
        await pilot.pause()
        assert [m.role for m in pane.messages] == ["user", "assistant"]
        assert pane.messages[-1].status == "complete"
        assert "monad" in pane.messages[-1].text.lower()


async def test_tabs_keep_their_own_drafts_and_models(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        first = await wait_started(app, pilot)
        first.composer.load_text("draft one")
        await pilot.press("ctrl+n")
        await pilot.pause()
        second = app.active_pane()
        assert second is not first and len(app.chat.panes()) == 2
        await wait_workers(second, pilot, "history")
        second.composer.load_text("draft two")
        app.set_conversation_model(second, "grok-3")
        await pilot.press("alt+left")
        await pilot.pause()
        assert app.active_pane() is first
        assert first.composer.text == "draft one" and first.model != "grok-3"
        await pilot.press("alt+right")
        await pilot.pause()
        assert app.active_pane() is second and second.composer.text == "draft two"
        assert second.model == "grok-3"
        await pilot.press("alt+w")
        await pilot.pause()
        assert app.chat.panes() == [first]


async def test_tabs_and_drafts_are_reopened_on_start(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "first question")
        await pilot.press("ctrl+n")
        await pilot.pause()
        second = app.active_pane()
        second.composer.load_text("unsent thoughts")
        await pilot.pause()
        ids = [p.conversation.id for p in app.chat.panes()]
    again = make_app(emulator, tmp_path)
    async with again.run_test(size=(120, 40)) as pilot:
        await wait_started(again, pilot)
        assert [p.conversation.id for p in again.chat.panes()] == ids
        reopened = again.chat.pane_for(ids[0])
        await wait_workers(reopened, pilot, "history")
        assert [m.role for m in reopened.messages] == ["user", "assistant"]
        assert again.chat.pane_for(ids[1]).composer.text == "unsent thoughts"


async def test_model_picker_changes_and_saves_the_model(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        for worker in list(app.workers):
            if worker.group == "models":
                await worker.wait()
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, ModelPicker)
        ids = [str(app.screen.query_one("#picker-list").get_option_at_index(i).id)
               for i in range(app.screen.query_one("#picker-list").option_count)]
        assert "grok-3-mini" in ids and "grok-2-vision-1212" in ids
        await pilot.press(*"3-mini")
        await pilot.pause()
        assert app.screen.query_one("#picker-list").option_count == 1
        await pilot.press("enter")
        await pilot.pause()
        assert pane.model == "grok-3-mini"
        await send(pane, pilot, "hello")
        assert pane.messages[-1].model.startswith("grok-3-mini")
        body = [r for r in emulator.state.requests if r.path.endswith(("/responses", "/chat/completions"))][-1].json
        assert body["model"] == "grok-3-mini"
    store = Store(tmp_path / "grokterm.db")
    assert store.get_conversation(pane.conversation.id).model == "grok-3-mini"
    store.close()


FAULTS = [
    (Fault(kind="status", status=429, times=5, path="/responses"), "rate"),
    (Fault(kind="credits", path="/responses"), "credit"),
    (Fault(kind="status", status=500, times=5, path="/responses"), "server"),
    (Fault(kind="status", status=503, times=5, path="/responses"), "server"),
    (Fault(kind="cut", after=8, path="/responses"), "interrupt"),
    (Fault(kind="malformed", after=8, path="/responses"), "unreadable"),
    (Fault(kind="error_event", after=8, path="/responses"), "error"),
]


@pytest.mark.parametrize("fault,expected", FAULTS, ids=[f"{f.kind}-{f.status}" for f, _ in FAULTS])
async def test_each_fault_class_gives_a_clear_notification(emulator, tmp_path, fault, expected):
    emulator.state.push_fault(dataclasses.replace(fault))
    app = make_app(emulator, tmp_path, api_style="responses")  # auto would answer a first 5xx by chat
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "Tell me about rust lifetimes")
        reply = pane.messages[-1]
        assert reply.status in ("failed", "interrupted")
        shown = " ".join(notifications(app)).lower()
        assert expected in shown, shown
        assert "traceback" not in shown and emulator.api_key not in shown
        assert app.is_running  # the app never exits on a network fault
        pane.composer.load_text("still typing")
        assert pane.composer.text == "still typing"


async def test_bad_key_is_reported_without_the_key(emulator, tmp_path):
    secret = "xai-this-is-a-wrong-secret-key-123456"
    app = make_app(emulator, tmp_path, api_key=secret)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "hello")
        shown = " ".join(notifications(app))
        assert "key" in shown.lower()
        assert secret not in shown and secret not in (pane.messages[-1].error or "")


async def test_markup_and_escape_sequences_in_replies_are_shown_literally(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "!echo [bold red]gotcha[/] \x1b[2J\x1b]0;pwned\x07 done")
        reply = pane.messages[-1]
        widget = list(pane.query(FinishedMessage))[-1]
        text = rendered_text(widget)
        assert "[bold red]gotcha[/]" in text
        assert "\x1b" not in text and "\x07" not in text
        assert "done" in text
        assert reply.status == "complete"


async def test_composer_enter_sends_and_ctrl_j_inserts_a_newline(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        pane.composer.focus()
        await pilot.press("a", "ctrl+j", "b")
        assert pane.composer.text == "a\nb"
        await pilot.press("enter")
        await pilot.pause()
        await pane.turn_worker.wait()
        await pilot.pause()
        assert pane.messages[0].text == "a\nb"
        assert pane.composer.text == ""
        await pilot.press("up")
        assert pane.composer.text == "a\nb"  # up on an empty composer recalls the last prompt


async def test_interrupted_replies_are_marked_on_start(emulator, tmp_path):
    # A separate process streams into a reply and dies without finishing it.
    script = (
        "import sys; from grokterm.store import Store\n"
        "store = Store(sys.argv[1])\n"
        "conv = store.create_conversation(title='crashed', model='grok-4-0709')\n"
        "turn = store.start_turn('question', model='grok-4-0709', conversation_id=conv.id)\n"
        "store.checkpoint(turn.assistant_message_id, 'half an ans')\n"
        "store.ui_set('open_tabs', [conv.id])\n"
        "print(conv.id)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "grokterm.db")],
                          capture_output=True, text=True, check=True)
    conv_id = int(done.stdout.strip())
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        assert pane.conversation.id == conv_id
        reply = pane.messages[-1]
        assert reply.status == "interrupted" and reply.text == "half an ans"
        assert "interrupted" in " ".join(notifications(app))
        widget = list(pane.query(FinishedMessage))[-1]
        assert "interrupted" in rendered_text(widget)
        widget.focus()
        await pilot.press("r")
        await pilot.pause()
        await pane.turn_worker.wait()
        await pilot.pause()
        assert pane.messages[-1].status == "complete"


async def test_a_thousand_message_conversation_mounts_lazily(emulator, tmp_path):
    store = Store(tmp_path / "grokterm.db")
    conv = store.create_conversation(title="long", model="grok-4-0709")
    for i in range(500):
        store.add_message(conv.id, "user", f"question {i}")
        store.add_message(conv.id, "assistant", f"answer **{i}**", status="complete")
    store.ui_set("open_tabs", [conv.id])
    store.close()
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        window = app.context.lazy_window
        assert len(pane.messages) == window  # only the shown page was read (LIMIT), not 1,000 rows
        mounted = len(pane.query(FinishedMessage))
        assert mounted == window
        assert pane._hidden_older == 1000 - window
        assert pane.older_totals is not None and pane.older_totals["replies"] == (1000 - window) // 2
        await pane.load_earlier()
        await pilot.pause()
        assert len(pane.query(FinishedMessage)) == len(pane.messages) == 2 * window
        first = pane.query(FinishedMessage).first()
        n = 1000 - 2 * window  # the oldest message now shown: question n/2 (messages alternate)
        assert first.data.text == f"question {n // 2}"
        assert pane._hidden_older == n


async def test_stop_while_the_pane_handles_an_event_still_records_stopped(emulator_factory, tmp_path, monkeypatch):
    """Regression: a cancel landing outside the runner's generator left the row 'streaming'."""
    from grokterm.ui.widgets import conversation_pane

    slow = emulator_factory(speed=40.0)
    app = make_app(slow, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        monkeypatch.setattr(conversation_pane, "YIELD_EVERY", -1.0)  # yield to the loop on every event
        pane.composer.load_text("!long 3000")
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane.streaming is not None and len(pane.streaming.text) >= 20,
                         what="the reply to start streaming")
        pane.turn_worker.cancel()  # most likely lands in the pane's own `await asyncio.sleep(0)`
        with pytest.raises(WorkerCancelled):
            await pane.turn_worker.wait()
        await wait_until(pilot, lambda: pane.streaming is None and pane.messages[-1].role == "assistant",
                         what="the stopped reply to be finished")
        assert pane.messages[-1].status == "stopped"
    store = Store(tmp_path / "grokterm.db")
    row = store.list_messages(pane.conversation.id)[-1]
    store.close()
    assert row.status == "stopped" and row.text


async def test_a_demo_session_never_chains_on_an_earlier_sessions_responses(emulator_factory, tmp_path) -> None:
    """Each `grokterm --demo` has a fresh emulator: reopened, a conversation sends its whole history at
    once instead of a chained request that must 404 first (with a "gone from the server" notice)."""
    from grokterm.ui.app import GrokApp
    from grokterm.ui.context import AppContext

    def demo_app(emulator) -> GrokApp:
        return GrokApp(AppContext(api_key=emulator.api_key, base_url=emulator.base_url,
                                  db_path=tmp_path / "grokterm.db", max_retries=0, demo=True))

    first, second = emulator_factory(), emulator_factory()
    app = demo_app(first)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "!echo my name is Ada")
        await send(pane, pilot, "!recall")  # within one session the chain is used
        assert first.state.requests[-1].json.get("previous_response_id")
    app = demo_app(second)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "!recall")
        turns = [r.json for r in second.state.requests if r.path == "/v1/responses"]
        assert len(turns) == 1 and "previous_response_id" not in turns[0]
        assert turns[0]["input"][0] == {"role": "user", "content": "!echo my name is Ada"}
        assert not any("gone from the server" in n for n in notifications(app))
