"""Message actions, the retry countdown and the welcome screen, against the emulator."""

from __future__ import annotations

from ui_helpers import make_app, notifications, send, wait_started, wait_until

from grokterm.emulator.faults import Fault
from grokterm.store import Store
from grokterm.ui.screens.response_detail import ConfirmDialog
from grokterm.ui.screens.welcome import WelcomeScreen
from grokterm.ui.widgets.finished_message import FinishedMessage
from grokterm.ui.widgets.streaming_message import StreamingMessage


def widgets(pane) -> list[FinishedMessage]:
    return list(pane.query(FinishedMessage))


async def test_copy_message_and_cycle_through_code_blocks(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "!echo Intro\n\n```python\nfirst = 1\n```\n\ntext\n\n```sh\nsecond --flag\n```\n")
        reply = widgets(pane)[-1]
        reply.focus()
        await pilot.press("c")
        assert app.clipboard == pane.messages[-1].text
        await pilot.press("k")
        assert app.clipboard == "first = 1\n"
        await pilot.press("k")
        assert app.clipboard == "second --flag\n"
        await pilot.press("k")
        assert app.clipboard == "first = 1\n"  # cycles back to the first block
        assert "Code block 1/2 copied." in notifications(app)


async def test_edit_and_resend_the_last_message(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "What is a fnuctor?")
        user = widgets(pane)[0]
        user.focus()
        await pilot.press("e")
        await pilot.pause()
        assert pane.composer.text == "What is a fnuctor?"
        assert pane.messages == [] and widgets(pane) == []
        pane.composer.load_text("What is a functor?")
        await pilot.press("enter")
        await pilot.pause()
        await pane.turn_worker.wait()
        await pilot.pause()
        assert [m.text for m in pane.messages if m.role == "user"] == ["What is a functor?"]
    store = Store(tmp_path / "grokterm.db")
    rows = store.list_messages(pane.conversation.id)
    store.close()
    assert [r.role for r in rows] == ["user", "assistant"] and rows[0].text == "What is a functor?"


async def test_delete_a_message(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "hello")
        widgets(pane)[-1].focus()
        await pilot.press("delete")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="del to ask first")
        await pilot.press("y")
        await wait_until(pilot, lambda: len(widgets(pane)) == 1, what="the reply to disappear")
        assert [m.role for m in pane.messages] == ["user"]
    store = Store(tmp_path / "grokterm.db")
    assert [r.role for r in store.list_messages(pane.conversation.id)] == ["user"]
    store.close()


async def test_a_retry_after_countdown_is_shown_then_the_reply_arrives(emulator, tmp_path):
    emulator.state.push_fault(Fault(kind="status", status=429, retry_after=1.0, path="/responses"))
    app = make_app(emulator, tmp_path, max_retries=1)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        pane.composer.load_text("Tell me about queues")
        await pilot.press("enter")
        seen: list[str] = []

        def countdown_shown() -> bool:
            streaming = pane.query(StreamingMessage)
            if streaming:
                seen.append(streaming.first().status_note)
            return any("retrying in" in note for note in seen)

        await wait_until(pilot, countdown_shown, what="the retry countdown")
        await pane.turn_worker.wait()
        await pilot.pause()
        assert pane.messages[-1].status == "complete"
        assert any("429" in note or "rate" in note.lower() for note in seen if note)


async def test_welcome_without_a_keyring_keeps_the_key_for_the_session(emulator, tmp_path):
    app = make_app(emulator, tmp_path, api_key=None, show_welcome=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.press(*emulator.api_key)
        await pilot.press("enter")
        pane = await wait_started(app, pilot)
        shown = " ".join(notifications(app))
        assert "XAI_API_KEY" in shown  # the test keyring backend fails: say how to keep the key
        assert emulator.api_key not in shown
        await send(pane, pilot, "hello")
        assert pane.messages[-1].status == "complete"  # the pasted key works for this session


async def test_a_system_prompt_preset_applies_to_this_conversation_only(emulator, tmp_path):
    app = make_app(emulator, tmp_path, presets={"pirate": "Talk like a pirate."})
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "first question")
        await pilot.press("f4")
        await pilot.pause()
        await pilot.press("enter")  # the first option: the "pirate" preset
        await pilot.pause()
        assert pane.conversation.system_prompt == "Talk like a pirate."
        await send(pane, pilot, "second question")
        body = [r for r in emulator.state.requests if r.path.endswith("/responses")][-1].json
        assert body.get("previous_response_id") is None  # new system prompt: full history, not chained
        assert body["input"][0]["role"] == "system" and body["input"][0]["content"] == "Talk like a pirate."
        await send(pane, pilot, "third question")
        body = [r for r in emulator.state.requests if r.path.endswith("/responses")][-1].json
        assert body["previous_response_id"] == pane.messages[-3].response_id  # chaining resumes
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.active_pane().conversation.system_prompt != "Talk like a pirate."
    store = Store(tmp_path / "grokterm.db")
    assert store.get_conversation(pane.conversation.id).system_prompt == "Talk like a pirate."
    store.close()
