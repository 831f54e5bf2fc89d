"""Vision end to end: what the emulator saw equals what we attached, the store keeps it, text-only models ask first.

The emulator decodes every image it receives and says "Image N: FORMAT, W×H px, B bytes",
so these tests compare the reply with the PreparedImage the UI made.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace

from rich.console import Console
from rich.text import Text
from test_ui_attach import SIZE, VISION_MODEL, diagram, make_app, paste, settle, started

from grokterm.media import prepare_image
from grokterm.store import Store
from grokterm.ui import attach
from grokterm.ui.screens.vision_dialog import VisionDialog
from grokterm.ui.thumbnails import stored_thumbnail
from grokterm.ui.widgets.finished_message import FinishedMessage
from grokterm.ui.widgets.image_preview import image_line
from grokterm.xai.wire import LanguageModel


def described(image) -> str:
    """The line the emulator writes for an image it received."""
    return f"Image 1: {image.format}, {image.width}×{image.height} px, {image.encoded_bytes:,} bytes"


def sent_images(request) -> list[str]:
    """Data URLs of every input_image in a /v1/responses request body."""
    urls = []
    for item in request.json["input"]:
        content = item.get("content")
        if isinstance(content, list):
            urls += [part["image_url"] for part in content if part.get("type") == "input_image"]
    return urls


def turn_requests(emulator) -> list:
    return [r for r in emulator.state.requests if r.method == "POST" and r.path == "/v1/responses"]


def rendered(widget: FinishedMessage) -> str:
    console = Console(width=100, record=True, color_system=None)
    console.print(widget._renderable())
    return console.export_text()


async def send_enter(pane, pilot) -> None:
    await pilot.press("enter")
    await settle(pane, pilot)
    assert pane.turn_worker is not None, "enter did not start a turn"
    await pane.turn_worker.wait()
    await pilot.pause()


async def test_vision_round_trip_is_stored_and_reopened(emulator, tmp_path):
    path = diagram(tmp_path / "team chart.png", (300, 200))
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(app, pilot)
        await paste(app, pilot, pane, f"'{path}' what does it show?")
        image = pane.attachments[0]
        assert (image.format, image.width, image.height) == ("PNG", 300, 200)
        await send_enter(pane, pilot)
        reply = pane.messages[-1]
        assert reply.status == "complete"
        assert described(image) in reply.text
        request = turn_requests(emulator)[-1]
        assert sent_images(request) == [image.data_url]
        assert request.json["store"] is False and "previous_response_id" not in request.json
        assert pane.attachments == [] and not pane.query_one(".attachment-chips").display
        conversation_id = pane.conversation.id

    store = Store(tmp_path / "grokterm.db")
    try:
        user = store.list_messages(conversation_id)[0]
        assert user.text == "what does it show?"
        [stored] = user.attachments
        assert (stored.sha256, stored.width, stored.height, stored.mime) == (image.sha256, 300, 200, "image/png")
        assert store.attachment_data_url(stored) == image.data_url
        # history thumbnails come from the stored file (in a thread), drawn beside the chip text
        picture = stored_thumbnail(store, stored)
        assert picture is not None and picture.size == (96, 64)
        console = Console(width=80, record=True, color_system=None)
        console.print(image_line(picture, Text("[image] team chart.png")))
        lines = console.export_text().splitlines()
        assert len(lines) == 3 and lines[0].startswith("▀" * 9 + " [image] team chart.png")
        store.attachment_path(stored).unlink()
        assert stored_thumbnail(store, stored) is None
        store.attachment_path(stored).write_bytes(image.encoded)
    finally:
        store.close()

    emulator.state.requests.clear()
    again = make_app(emulator, tmp_path)  # same database: the conversation reopens as a tab
    async with again.run_test(size=SIZE) as pilot:
        pane = await started(again, pilot)
        assert pane.conversation.id == conversation_id
        first = pane.query(FinishedMessage).first()
        assert "[image] team chart.png 300×200 PNG" in rendered(first)
        pane.composer.focus()
        pane.composer.load_text("and the colours?")
        await send_enter(pane, pilot)
        # the earlier image is re-sent from the store with the full history (stateless image turn)
        assert sent_images(turn_requests(emulator)[-1]) == [image.data_url]
        assert pane.messages[-1].status == "complete"


async def test_text_only_model_offers_to_switch_and_then_sends(emulator, tmp_path):
    path = diagram(tmp_path / "chart.png")
    app = make_app(emulator, tmp_path, default_model="grok-3")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(app, pilot)
        assert pane.model == "grok-3"
        await paste(app, pilot, pane, f"{path} what is it?")
        image = pane.attachments[0]
        await pilot.press("enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, VisionDialog)
        assert dialog.vision_model == attach.first_vision_model(app) == VISION_MODEL
        assert turn_requests(emulator) == []  # nothing sent while the dialog is open
        await pilot.press("s")
        await pilot.pause()
        await settle(pane, pilot)
        assert pane.turn_worker is not None
        await pane.turn_worker.wait()
        await pilot.pause()
        assert pane.model == VISION_MODEL
        request = turn_requests(emulator)[-1]
        assert request.json["model"] == VISION_MODEL and sent_images(request) == [image.data_url]
        assert described(image) in pane.messages[-1].text
    store = Store(tmp_path / "grokterm.db")
    try:
        assert store.get_conversation(pane.conversation.id).model == VISION_MODEL
    finally:
        store.close()


async def test_text_only_model_remove_sends_text_only_and_cancel_keeps_everything(emulator, tmp_path):
    path = diagram(tmp_path / "chart.png")
    app = make_app(emulator, tmp_path, default_model="grok-3")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(app, pilot)
        await paste(app, pilot, pane, f"{path} !echo plain text please")
        draft = pane.composer.text
        assert draft == "!echo plain text please"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, VisionDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, VisionDialog)
        assert pane.composer.text == draft and len(pane.attachments) == 1 and pane.turn_worker is None
        assert app.focused is pane.composer
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, VisionDialog)
        await pilot.press("r")
        await pilot.pause()
        await settle(pane, pilot)
        await pane.turn_worker.wait()
        await pilot.pause()
        assert pane.model == "grok-3" and pane.attachments == []
        request = turn_requests(emulator)[-1]
        assert request.json["model"] == "grok-3" and sent_images(request) == []
        assert pane.messages[-1].text == "plain text please"


def test_only_models_listed_as_text_only_are_refused():
    models = [
        LanguageModel(id="grok-3", input_modalities=["text"]),
        LanguageModel(id="mystery", input_modalities=[]),  # /v1/models fallback: modalities unknown
        LanguageModel(id="grok-2-vision-1212", input_modalities=["text", "image"], aliases=["grok-vision"]),
    ]
    app = SimpleNamespace(models=models, model_info=lambda m: next((x for x in models if x.matches(m)), None))
    assert attach.accepts_images(app, "grok-3") is False
    assert attach.accepts_images(app, "mystery") is True
    assert attach.accepts_images(app, "never-heard-of-it") is True
    assert attach.accepts_images(app, "grok-vision") is True
    assert attach.first_vision_model(app) == "grok-2-vision-1212"
    assert attach.first_vision_model(SimpleNamespace(models=models[:2])) is None


def ask(emulator, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "grokterm", "ask", "--base-url", emulator.base_url, "--api-key", emulator.api_key,
         *args],
        capture_output=True, timeout=60, env={**os.environ},
    )


def test_ask_with_image_downscales_and_the_model_sees_what_was_prepared(emulator, tmp_path):
    big = diagram(tmp_path / "wide diagram.png", (3000, 1500))
    expected = prepare_image(big)
    assert (expected.width, expected.height) == (2048, 1024)
    result = ask(emulator, "-m", VISION_MODEL, "--image", str(big), "what is this?")
    assert result.returncode == 0, result.stderr
    assert described(expected) in result.stdout.decode()
    request = turn_requests(emulator)[-1]
    assert sent_images(request) == [expected.data_url] and request.json["store"] is False


def test_ask_with_image_on_a_text_only_model_fails_clearly(emulator, tmp_path):
    path = diagram(tmp_path / "chart.png")
    result = ask(emulator, "-m", "grok-3", "--image", str(path), "--json", "what is this?")
    assert result.returncode == 9, result.stderr
    body = json.loads(result.stdout)
    assert "does not support image input" in body["error"]["message"]
    assert b"does not support image input" in result.stderr
