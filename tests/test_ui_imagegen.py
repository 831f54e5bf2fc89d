"""Image generation in the real GrokApp against the emulator: `/image` shows pictures inline, they are
stored and shown again on reopen, save and attach work, refusals keep the prompt. Waits are on workers."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from textual_image.renderable.halfcell import Image as HalfcellRenderable
from ui_helpers import make_app, notifications, settle, wait_started, wait_until

from grokterm.emulator.faults import Fault
from grokterm.ui import imagegen
from grokterm.ui.screens.prompt_dialog import PromptDialog
from grokterm.ui.widgets.conversation_pane import ConversationPane
from grokterm.ui.widgets.finished_message import FinishedMessage

SIZE = (120, 48)


async def submit(pane: ConversationPane, pilot, text: str) -> None:
    pane.composer.focus()
    pane.composer.load_text(text)
    await pilot.press("enter")
    await pilot.pause()
    await settle(pane, pilot, imagegen.GROUP)


def dialog_open(app) -> bool:
    return isinstance(app.screen, PromptDialog) and bool(app.screen.query("Input"))


def generated_widgets(pane: ConversationPane) -> list[FinishedMessage]:
    return [w for w in pane.query(FinishedMessage) if w.data.kind == "image"]


def halfcell_pictures(widget: FinishedMessage) -> int:
    """How many half-cell pictures (textual-image) the message draws."""
    found = 0

    def walk(renderable) -> None:
        nonlocal found
        if isinstance(renderable, HalfcellRenderable):
            found += 1
        for child in getattr(renderable, "renderables", []) or []:
            walk(child)
        for column in getattr(renderable, "columns", []) or []:
            for cell in column._cells:
                walk(cell)

    walk(widget._renderable())
    return found


async def test_image_command_shows_pictures_inline_and_they_survive_a_reopen(emulator, tmp_path) -> None:
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await wait_started(app, pilot)
        await submit(pane, pilot, "/image -n 2 a red lighthouse")
        assert pane.composer.text == ""
        [widget] = generated_widgets(pane)
        assert widget.data.status == "complete" and len(widget.data.thumbnails) == 2
        assert halfcell_pictures(widget) == 2
        drawn = "".join(strip.text for strip in widget.lines_for(100, app.console))
        assert drawn.count("▀") > 200 and "image 2 · generated-2.jpg 768×512 JPEG" in drawn
        shown = widget._renderable()
        text = " ".join(str(getattr(r, "plain", "")) for r in shown.renderables)
        assert "revised prompt: A deterministic test picture for the prompt: a red lighthouse" in text
        request = next(r for r in emulator.state.requests if r.path == "/v1/images/generations")
        assert request.json["prompt"] == "a red lighthouse" and request.json["n"] == 2
        assert not [r for r in emulator.state.requests if r.path in ("/v1/responses", "/v1/chat/completions")]
        conversation_id = pane.conversation.id
    reopened = make_app(emulator, tmp_path)
    async with reopened.run_test(size=SIZE) as pilot:
        pane = await wait_started(reopened, pilot)
        assert pane.conversation.id == conversation_id
        [widget] = generated_widgets(pane)
        assert len(widget.data.thumbnails) == 2 and all(t is not None for t in widget.data.thumbnails)
        assert halfcell_pictures(widget) == 2
        prompts = [w for w in pane.query(FinishedMessage) if w.data.kind == "image_prompt"]
        assert [w.data.text for w in prompts] == ["a red lighthouse"]


async def test_typing_works_during_a_generation_and_esc_stops_it(emulator, tmp_path) -> None:
    # a 429 with retry-after keeps the request waiting (in the client's retry sleep) as long as we need
    emulator.state.push_fault(Fault(kind="status", status=429, retry_after=30, path="/images/generations"))
    app = make_app(emulator, tmp_path, max_retries=1)
    async with app.run_test(size=SIZE) as pilot:
        pane = await wait_started(app, pilot)
        pane.composer.load_text("/image a slow picture")
        pane.composer.focus()
        await pilot.press("enter")
        await pilot.press("h", "i")
        await pilot.pause()
        assert imagegen.is_generating(pane)  # still waiting, yet the keys were typed
        assert pane.composer.text == "hi"
        assert pane.query(".-generating")
        await pilot.press("escape")
        await settle(pane, pilot, imagegen.GROUP)
        assert not imagegen.is_generating(pane) and not pane.query(".-generating")
        [stopped] = generated_widgets(pane)
        assert stopped.data.status == "stopped"
        rows = app.store.list_messages(pane.conversation.id)
        assert [(r.kind, r.status, r.text) for r in rows] == [
            ("image_prompt", "complete", "a slow picture"), ("image", "stopped", "")]
        assert pane.composer.text == "hi"


@pytest.mark.parametrize("directive", ["!refuse", "!block"])  # a 400, or a 200 with block_reason
async def test_a_refusal_keeps_the_prompt(emulator, tmp_path, directive) -> None:
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await wait_started(app, pilot)
        await submit(pane, pilot, f"/image something forbidden {directive}")
        [widget] = generated_widgets(pane)
        assert widget.data.status == "failed" and "content policy" in (widget.data.error or "")
        assert any("refused by the content policy" in n for n in notifications(app))
        assert pane.composer.text == f"/image something forbidden {directive}"  # back in the composer
        rows = app.store.list_messages(pane.conversation.id)
        assert [(r.kind, r.status) for r in rows] == [("image_prompt", "complete"), ("image", "failed")]


async def test_unsupported_model_is_reported_clearly(emulator, tmp_path) -> None:
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await wait_started(app, pilot)
        await submit(pane, pilot, "/image -m grok-3 -n 2 a boat")
        [widget] = generated_widgets(pane)
        assert widget.data.status == "failed" and "does not support image generation" in (widget.data.error or "")
        assert pane.composer.text == "/image -n 2 -m grok-3 a boat"


async def test_bad_image_commands_are_explained_and_nothing_is_sent(emulator, tmp_path) -> None:
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await wait_started(app, pilot)
        await submit(pane, pilot, "/image")
        await submit(pane, pilot, "/image -n 12 too many")
        assert [n for n in notifications(app) if "/image" in n]
        assert pane.composer.text == "/image -n 12 too many"  # left as typed
        assert not [r for r in emulator.state.requests if r.path == "/v1/images/generations"]


async def test_save_and_attach_a_generated_picture(emulator, tmp_path) -> None:
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await wait_started(app, pilot)
        await submit(pane, pilot, "/image a green kite")
        [widget] = generated_widgets(pane)
        widget.focus()
        await pilot.pause()
        # s: a dialog proposes a name; enter saves there
        await pilot.press("s")
        await wait_until(pilot, lambda: dialog_open(app), what="the save dialog")
        target = tmp_path / "kite.png"
        dialog_input = app.screen.query_one("Input")
        dialog_input.value = str(target)
        await pilot.press("enter")
        await settle(pane, pilot, "imagegen-save")
        with Image.open(target) as picture:
            assert picture.format == "PNG" and picture.size == (768, 512)
        assert any("Saved" in n for n in notifications(app))
        # a: the picture becomes an attachment of the next question, sent to a vision model
        widget.focus()
        await pilot.press("a")
        await settle(pane, pilot, "attach")
        assert len(pane.attachments) == 1
        app.set_conversation_model(pane, "grok-2-vision-1212")
        pane.composer.load_text("What is in this picture?")
        pane.composer.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert pane.turn_worker is not None
        await pane.turn_worker.wait()
        await pilot.pause()
        sent = [r for r in emulator.state.requests if r.path in ("/v1/responses", "/v1/chat/completions")][-1]
        parts = sent.json["input"][-1]["content"]
        image_url = next(p["image_url"] for p in parts if p["type"] == "input_image")
        raw = __import__("base64").b64decode(image_url.split(",", 1)[1])
        assert Image.open(io.BytesIO(raw)).size == (768, 512)
        assert "a green kite" not in str(sent.json)  # the generation itself is not chat history


async def test_palette_action_keeps_the_draft_and_uses_the_configured_model(emulator, tmp_path) -> None:
    app = make_app(emulator, tmp_path, image_model="grok-imagine-image-quality")
    async with app.run_test(size=SIZE) as pilot:
        pane = await wait_started(app, pilot)
        pane.composer.load_text("my unsent draft")
        await app.run_action("generate_image")
        await wait_until(pilot, lambda: dialog_open(app), what="the prompt dialog")
        app.screen.query_one("Input").value = "a palette picture"
        await pilot.press("enter")
        await pilot.pause()
        await settle(pane, pilot, imagegen.GROUP)
        assert len(generated_widgets(pane)) == 1
        assert pane.composer.text == "my unsent draft"  # the palette never touches the draft
        request = next(r for r in emulator.state.requests if r.path == "/v1/images/generations")
        assert request.json["model"] == "grok-imagine-image-quality"


async def test_viewer_shows_one_picture_at_a_time_and_attaches_that_one(emulator, tmp_path) -> None:
    from textual_image.widget import HalfcellImage

    from grokterm.ui.screens.image_viewer import ImageViewer

    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await wait_started(app, pilot)
        await submit(pane, pilot, "/image -n 2 two birds")
        [widget] = generated_widgets(pane)
        widget.focus()
        await pilot.press("v")
        await wait_until(pilot, lambda: isinstance(app.screen, ImageViewer) and bool(app.screen.query(HalfcellImage)),
                         what="the viewer's picture")  # headless: half-cells; a real terminal gets its best
        viewer = app.screen
        assert viewer.index == 0 and "image 1/2" in str(viewer.query_one(".viewer-title").render())
        await pilot.press("right")
        await wait_until(pilot, lambda: "image 2/2" in str(viewer.query_one(".viewer-title").render()),
                         what="the second picture")
        await pilot.press("a")
        await settle(pane, pilot, "attach")
        assert not isinstance(app.screen, ImageViewer)
        assert [image.original_name for image in pane.attachments] == ["generated-2.jpg"]
        stored = app.store.attachment_bytes(widget.data.attachment_rows[1])
        assert stored is not None and Image.open(io.BytesIO(stored)).size == (768, 512)


def test_parse_image_command() -> None:
    parse = imagegen.parse_command
    assert parse("hello /image") is None and parse("/images of cats") is None
    assert parse("/image a cat") == imagegen.ImageCommand("a cat")
    assert parse("/image -n 3 a cat") == imagegen.ImageCommand("a cat", 3)
    assert parse("/image -m grok-imagine-image-quality -n2 a\nmultiline cat") == imagegen.ImageCommand(
        "a\nmultiline cat", 2, "grok-imagine-image-quality")
    for bad in ("/image", "/image   ", "/image -n 0 x", "/image -n 11 x", "/image -n two x", "/image -m model"):
        try:
            parse(bad)
        except imagegen.UsageProblem:
            continue
        raise AssertionError(f"{bad!r} was accepted")
    assert imagegen.command_text("a cat", 2, "m") == "/image -n 2 -m m a cat"
    assert imagegen.command_text("a cat") == "/image a cat"


async def test_r_generates_again_after_a_server_error(emulator, tmp_path) -> None:
    emulator.state.push_fault(Fault(kind="status", status=503, path="/images/generations"))
    app = make_app(emulator, tmp_path)  # no retries: the 503 reaches the user
    async with app.run_test(size=SIZE) as pilot:
        pane = await wait_started(app, pilot)
        await submit(pane, pilot, "/image a second chance")
        [failed] = generated_widgets(pane)
        assert failed.data.status == "failed" and "HTTP 503" in (failed.data.error or "")
        pane.composer.clear()
        failed.focus()
        await pilot.press("r")
        await pilot.pause()
        await settle(pane, pilot, imagegen.GROUP)
        [widget] = generated_widgets(pane)
        assert widget.data.status == "complete" and len(widget.data.attachment_rows) == 1
        rows = app.store.list_messages(pane.conversation.id)
        assert [(r.kind, r.status) for r in rows] == [("image_prompt", "complete"), ("image", "complete")]
        assert rows[0].text == "a second chance"


async def test_a_store_failure_is_reported_and_the_prompt_is_kept(emulator, tmp_path) -> None:
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await wait_started(app, pilot)

        def disk_full(*args, **kwargs):
            raise OSError(28, "No space left on device")

        app.store.add_message = disk_full  # type: ignore[method-assign]
        await submit(pane, pilot, "/image -n 2 a full disk")
        assert any("Image generation failed" in n and "No space left" in n for n in notifications(app))
        assert pane.composer.text == "/image -n 2 a full disk"
        assert not pane.query(".-generating") and not generated_widgets(pane)


async def test_editing_an_image_prompt_gives_back_the_command(emulator, tmp_path) -> None:
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await wait_started(app, pilot)
        await submit(pane, pilot, "/image a first try")
        [prompt] = [w for w in pane.query(FinishedMessage) if w.data.kind == "image_prompt"]
        prompt.focus()
        await pilot.press("e")
        await pilot.pause()
        assert pane.composer.text == "/image a first try"
        assert not list(pane.query(FinishedMessage))  # the prompt and its pictures went back to the composer
        await submit(pane, pilot, pane.composer.text.replace("first", "second"))
        assert [w.data.text for w in pane.query(FinishedMessage) if w.data.kind == "image_prompt"] == [
            "a second try"]


async def test_r_and_e_on_a_failed_generation_ask_again_as_it_was_asked(emulator, tmp_path) -> None:
    """`/image -n 3 -m MODEL …` that failed: r asks for 3 pictures from MODEL again, also after a
    restart (the request is stored with the prompt), and e gives back the whole command."""
    def generation_requests() -> list[dict]:
        return [r.json for r in emulator.state.requests if r.path == "/v1/images/generations"]

    emulator.state.push_fault(Fault(kind="status", status=503, path="/images/generations"))
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await wait_started(app, pilot)
        await submit(pane, pilot, "/image -n 3 -m grok-imagine-image-quality three kites")
        [failed] = generated_widgets(pane)
        assert failed.data.status == "failed"
    emulator.state.push_fault(Fault(kind="status", status=503, path="/images/generations"))
    app = make_app(emulator, tmp_path)  # reopened: the failed generation comes from the history
    async with app.run_test(size=SIZE) as pilot:
        pane = await wait_started(app, pilot)
        [failed] = generated_widgets(pane)
        pane.composer.clear()
        failed.focus()
        await pilot.press("r")
        await pilot.pause()
        await settle(pane, pilot, imagegen.GROUP)
        [failed] = generated_widgets(pane)  # the 503 again: still as asked, not n=1
        pane.composer.clear()
        failed.focus()
        await pilot.press("r")
        await pilot.pause()
        await settle(pane, pilot, imagegen.GROUP)
        [widget] = generated_widgets(pane)
        assert widget.data.status == "complete" and len(widget.data.attachment_rows) == 3
        assert [(body["n"], body["model"]) for body in generation_requests()] == [
            (3, "grok-imagine-image-quality")] * 3
        [prompt] = [w for w in pane.query(FinishedMessage) if w.data.kind == "image_prompt"]
        prompt.focus()
        await pilot.press("e")
        await pilot.pause()
        assert pane.composer.text == "/image -n 3 -m grok-imagine-image-quality three kites"
