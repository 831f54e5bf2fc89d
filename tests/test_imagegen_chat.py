"""Image generations stored in a conversation: saved first, pictures kept, refusals kept as failed rows,
left out of the chat history and the response chain, carried through export/import."""

from __future__ import annotations

import io
import json

from PIL import Image

from grokterm.chat.imagegen import ImageGenerator
from grokterm.chat.runner import TurnRunner
from grokterm.xai.client import XAIClient
from grokterm.xai.errors import ContentPolicyError


async def test_generation_is_stored_with_its_pictures(store, emulator) -> None:
    conversation = store.create_conversation(model="grok-3-mini")
    async with XAIClient(emulator.api_key, emulator.base_url) as client:
        generator = ImageGenerator(store, client)
        prompt_row = await generator.save_prompt(conversation.id, "a teapot")
        result = await generator.generate(conversation.id, "a teapot", model="grok-imagine-image", n=2)
    assert result.error is None
    rows = store.list_messages(conversation.id)
    assert [(r.role, r.kind, r.status) for r in rows] == [
        ("user", "image_prompt", "complete"), ("assistant", "image", "complete")]
    assert rows[0].id == prompt_row.id and rows[0].text == "a teapot"
    reply = rows[1]
    assert reply.text == "A deterministic test picture for the prompt: a teapot"
    assert reply.cost_ticks == 400_000_000 and reply.model == "grok-imagine-image"
    assert [a.name for a in reply.attachments] == ["generated-1.jpg", "generated-2.jpg"]
    for attachment in reply.attachments:
        data = store.attachment_bytes(attachment)
        assert data is not None and Image.open(io.BytesIO(data)).size == (768, 512)
    assert store.get_conversation(conversation.id).title == "a teapot"


async def test_a_refusal_keeps_the_prompt_and_records_the_error(store, emulator) -> None:
    conversation = store.create_conversation()
    async with XAIClient(emulator.api_key, emulator.base_url) as client:
        generator = ImageGenerator(store, client)
        await generator.save_prompt(conversation.id, "forbidden !refuse")
        result = await generator.generate(conversation.id, "forbidden !refuse", model="grok-imagine-image")
    assert isinstance(result.error, ContentPolicyError)
    prompt, reply = store.list_messages(conversation.id)
    assert prompt.text == "forbidden !refuse"
    assert reply.status == "failed" and "content policy" in (reply.error or "")
    assert reply.attachments == ()


async def test_chat_history_and_chain_leave_generations_out(store, emulator) -> None:
    conversation = store.create_conversation(model="grok-3-mini", system_prompt="")
    async with XAIClient(emulator.api_key, emulator.base_url, api_style="responses") as client:
        runner = TurnRunner(store, client)
        try:
            async for _ in runner.send(conversation.id, "first question", model="grok-3-mini"):
                pass
            generator = ImageGenerator(store, client)
            await generator.save_prompt(conversation.id, "a lamp")
            await generator.generate(conversation.id, "a lamp", model="grok-imagine-image")
            first_reply = next(r for r in store.list_messages(conversation.id) if r.role == "assistant")
            emulator.state.requests.clear()
            async for _ in runner.send(conversation.id, "second question", model="grok-3-mini"):
                pass
        finally:
            runner.close()
    sent = [r for r in emulator.state.requests if r.path == "/v1/responses"][-1].json
    assert sent["previous_response_id"] == first_reply.response_id  # the generation did not break the chain
    assert "a lamp" not in json.dumps(sent)


async def test_export_and_import_keep_the_kind(store, emulator) -> None:
    conversation = store.create_conversation()
    async with XAIClient(emulator.api_key, emulator.base_url) as client:
        generator = ImageGenerator(store, client)
        await generator.save_prompt(conversation.id, "a kite")
        await generator.generate(conversation.id, "a kite", model="grok-imagine-image")
    exported = store.export_json(conversation.id)
    assert [m.get("kind") for m in json.loads(exported)["messages"]] == ["image_prompt", "image"]
    imported = store.import_json(exported)
    rows = store.list_messages(imported.id)
    assert [r.kind for r in rows] == ["image_prompt", "image"] and len(rows[1].attachments) == 1
