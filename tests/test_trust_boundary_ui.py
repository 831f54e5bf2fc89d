"""Issue 10: outside text in the TUI is data — never markup, a click action or an escape sequence.

A hostile server (tests/hostile_server.py) puts `[/]` (a MarkupError before the
fix: the app exited), `[@click=app.quit]` (a clickable action), OSC 52 (writes
the clipboard), a window title, bidi overrides and zero-width characters in an
error text, model ids, a reply and its reasoning. Pilot drives the real app; the
raw terminal output is what the compositor would write to the terminal (headless
Textual writes nothing, so we render the frame ourselves and look at its bytes).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile_server import EVIL, HostileServer
from ui_helpers import send, wait_started, wait_until

from grokterm.ui.app import GrokApp
from grokterm.ui.context import AppContext


@dataclass
class Endpoint:
    base_url: str
    api_key: str


@pytest.fixture
def hostile():
    with HostileServer() as server:
        yield server


def hostile_app(server: HostileServer, tmp_path: Path, **overrides) -> GrokApp:
    context = AppContext(
        api_key=overrides.pop("api_key", "sk-hostile-test-key-0123456789"), base_url=server.base_url,
        api_style="responses", db_path=tmp_path / "grokterm.db", max_retries=0, **overrides,
    )
    return GrokApp(context)


def frame(app: GrokApp) -> tuple[str, list[dict]]:
    """The bytes a terminal would receive for the current frame, and every segment's meta."""
    from rich.segment import Segment

    update = app.screen._compositor.render_full_update()
    metas: list[dict] = []

    def walk(item) -> None:
        if isinstance(item, Segment):
            if item.style is not None and item.style.meta:
                metas.append(item.style.meta)
        else:
            for part in item:
                walk(part)

    walk(update.strips)
    return update.render_segments(app.console), metas


def assert_inert(app: GrokApp) -> str:
    """No OSC/DCS, no BEL, no server-chosen action anywhere in the frame; returns its text."""
    output, metas = frame(app)
    assert "\x1b]" not in output and "\x07" not in output and "\x9d" not in output, "an OSC reached the terminal"
    assert "SGFja2Vk" not in output, "the OSC 52 payload reached the terminal"
    assert "\u202e" not in output and "\u200b" not in output
    for meta in metas:
        assert "quit" not in str(meta.get("@click", "")) and "screenshot" not in str(meta.get("@click", "")), meta
    return output


async def test_hostile_error_text_is_a_literal_notification(hostile, tmp_path):
    hostile.scenario = "error"
    app = hostile_app(hostile, tmp_path)
    async with app.run_test(size=(140, 45), notifications=True) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "hello")
        await wait_until(pilot, lambda: any("Bad request" in n.message for n in app._notifications),
                         what="the error notification")
        note = next(n for n in app._notifications if "Bad request" in n.message)
        assert not note.markup
        assert "[/]" in note.message and "[@click=app.quit]" in note.message  # shown as written
        assert "\x1b" not in note.message and "⟨U+202E⟩" in note.message
        await wait_until(pilot, lambda: bool(app.screen.query("Toast")), what="the toast on screen")
        await pilot.pause()
        output = assert_inert(app)
        assert "[@click=app.quit]" in output
        assert app.is_running and app.return_code is None
        # clicking on the notification text does not run the server's action
        await pilot.click("Toast", offset=(10, 2))
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert not list(tmp_path.glob("*.svg")) and not Path("/tmp/pwn.svg").exists()
    assert pane.messages[-1].status == "failed"


async def test_hostile_model_ids_reply_and_reasoning_are_shown_literally(hostile, tmp_path):
    hostile.scenario = "stream"
    hostile.reply = EVIL + " and a [markdown link](http://evil.example/x) with ![an image](http://evil.example/i.png)"
    app = hostile_app(hostile, tmp_path)
    async with app.run_test(size=(140, 45), notifications=True) as pilot:
        pane = await wait_started(app, pilot)
        await wait_until(pilot, lambda: len(app.models) == 2, what="the hostile model list")
        # the hostile model id becomes the conversation's model: tab status, sidebar, message header
        from grokterm.ui.screens.model_picker import ModelPicker

        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, ModelPicker), what="the model picker")
        await pilot.pause()
        output = assert_inert(app)
        assert "grok-[/]-[@click=app.quit]x[/]" in output
        await pilot.press("enter")  # the first (hostile) model
        await pilot.pause()
        assert pane.model.startswith("grok-[/]")
        await send(pane, pilot, "hi")
        assert pane.messages[-1].status == "complete"
        await pilot.pause()
        output = assert_inert(app)
        assert "[@click=app.quit]" in output
        assert app.is_running and app.return_code is None


async def test_hostile_config_values_do_not_crash_the_app(hostile, tmp_path):
    """A model id and a preset name from config.toml, and a config warning, all with markup."""
    hostile.scenario = "stream"
    app = hostile_app(hostile, tmp_path, default_model="[/]model[@click=app.quit]",
                      presets={"[/]evil[@click=app.quit]": "be evil"},
                      config_warnings=["bad value '[/]' in [@click=app.quit] \x1b]52;c;SGFja2Vk\x07"])
    async with app.run_test(size=(140, 45), notifications=True) as pilot:
        await wait_started(app, pilot)
        await pilot.pause()
        assert any("[@click=app.quit]" in n.message and not n.markup for n in app._notifications)
        assert_inert(app)
        await pilot.press("f9")  # settings: the preset select shows the hostile name
        await pilot.pause()
        assert_inert(app)
        await pilot.press("f4")  # system prompt presets
        await pilot.pause()
        assert app.is_running and app.return_code is None


async def test_endless_keep_alives_end_the_reply_in_the_tui_and_keep_the_partial(hostile, tmp_path):
    hostile.scenario = "comments"
    app = hostile_app(hostile, tmp_path, read_timeout=0.5)
    async with app.run_test(size=(140, 45), notifications=True) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "hi")
        reply = pane.messages[-1]
        assert reply.status in ("failed", "interrupted") and reply.text == "partial reply kept. "
        assert any("no event for 0.5 s" in n.message for n in app._notifications)
        assert app.is_running


async def test_a_key_echoed_by_the_server_never_reaches_the_screen_or_the_database(hostile, tmp_path):
    key = "sk-proxy-echo-0123456789abcdefXYZ"
    hostile.scenario = "stream_echo_key"
    app = hostile_app(hostile, tmp_path, api_key=key)
    async with app.run_test(size=(140, 45), notifications=True) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "hi")
        await pilot.pause()
        output = assert_inert(app)
        assert key not in output and key not in repr(app.context)
        assert all(key not in n.message for n in app._notifications)
        assert "your key is" in pane.messages[-1].text and key not in pane.messages[-1].text
    for path in tmp_path.iterdir():
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path


async def test_an_escape_sequence_split_across_deltas_never_shows_its_payload():
    """The streaming widget sanitises the stream, not each batch: an OSC 52 cut in two is removed whole."""
    from textual.app import App

    from grokterm.ui.widgets.streaming_message import StreamingMessage

    class Host(App):
        def compose(self):
            yield StreamingMessage("m", interval=60)  # no timer ticks during the test: steps are ours

    app = Host()
    async with app.run_test(size=(100, 20)) as pilot:
        widget = app.query_one(StreamingMessage)
        for piece in ("hello \x1b]52;c;SGFj", "a2Vk\x07 world \x1b[3", "1mred\x1b[0m", " \x1b]0;never ends"):
            widget.add_text(piece)
            await widget._step(final=False)
            await pilot.pause()
            assert "SGFj" not in widget._safe and "a2Vk" not in widget._safe and "\x1b" not in widget._safe
        await widget._step(final=True)
        assert widget._safe == "hello  world red 0;never ends"
