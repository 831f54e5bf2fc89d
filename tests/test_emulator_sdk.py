"""The emulator speaks the standard wire format: the official `openai` SDK and httpx-sse can use it."""

from __future__ import annotations

import ssl

import httpx
import openai
import pytest
from httpx_sse import aconnect_sse, connect_sse

_SSL = ssl.create_default_context()


def sdk(emulator) -> openai.OpenAI:
    return openai.OpenAI(base_url=emulator.base_url, api_key=emulator.api_key, max_retries=0,
                         http_client=httpx.Client(verify=_SSL))


def test_openai_sdk_streams_chat_completions(emulator):
    client = sdk(emulator)
    stream = client.chat.completions.create(
        model="grok-3-mini", messages=[{"role": "user", "content": "!echo Hello from the SDK"}], stream=True,
        stream_options={"include_usage": True})
    text, reasoning, usage = "", "", None
    for chunk in stream:
        if chunk.choices:
            delta = chunk.choices[0].delta
            text += delta.content or ""
            reasoning += (delta.model_extra or {}).get("reasoning_content") or ""
        if chunk.usage:
            usage = chunk.usage
    assert text == "Hello from the SDK"
    assert reasoning.startswith("The user asked me to repeat")
    assert usage.completion_tokens == 4 and usage.completion_tokens_details.reasoning_tokens > 0
    client.close()


def test_openai_sdk_streams_responses_and_retrieves_them(emulator):
    client = sdk(emulator)
    events = list(client.responses.create(model="grok-4-0709", input="!echo Hi via responses", stream=True))
    assert events[0].type == "response.created" and events[-1].type == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == "Hi via responses"
    final = events[-1].response
    assert final.output_text == "Hi via responses"
    assert final.usage.output_tokens_details.reasoning_tokens > 0
    with client.responses.stream(model="grok-3-mini", input="!recall", previous_response_id=final.id) as stream:
        chained = stream.get_final_response()
    assert chained.output_text == "Earlier user messages in this context (1):\n\n1. !echo Hi via responses"
    assert client.responses.retrieve(chained.id).id == chained.id
    client.responses.delete(chained.id)
    with pytest.raises(openai.NotFoundError) as caught:
        client.responses.retrieve(chained.id)
    assert caught.value.request_id  # x-request-id reaches the SDK
    client.close()


def test_openai_sdk_maps_emulator_errors(emulator):
    bad = openai.OpenAI(base_url=emulator.base_url, api_key="xai-wrong-key", max_retries=0,
                        http_client=httpx.Client(verify=_SSL))
    with pytest.raises(openai.BadRequestError) as caught:
        bad.models.list()
    assert "Incorrect API key provided: xa***ey" in str(caught.value.body)
    client = sdk(emulator)
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="grok-3", messages=[{"role": "user", "content": "!fault 429 x"}])
    with pytest.raises(openai.APIError):  # an error payload mid-stream is raised by the SDK
        for _ in client.chat.completions.create(
                model="grok-3", messages=[{"role": "user", "content": "!fault error-event:2 x"}], stream=True):
            pass
    bad.close()
    client.close()


def test_httpx_sse_reader_sync(emulator):
    headers = {"Authorization": f"Bearer {emulator.api_key}"}
    with httpx.Client(verify=_SSL, headers=headers) as client:
        with connect_sse(client, "POST", f"{emulator.base_url}/chat/completions", json={
                "model": "grok-3", "stream": True, "messages": [{"role": "user", "content": "!long 300"}]}) as source:
            events = [sse.data for sse in source.iter_sse()]
    assert events[-1] == "[DONE]"
    assert all(sse_event.startswith("{") for sse_event in events[:-1])
    assert len(events) == 300 + 2  # one per token, finish chunk, [DONE]


async def test_httpx_sse_reader_async(emulator):
    headers = {"Authorization": f"Bearer {emulator.api_key}"}
    async with httpx.AsyncClient(verify=_SSL, headers=headers) as client:
        async with aconnect_sse(client, "POST", f"{emulator.base_url}/responses", json={
                "model": "grok-3", "stream": True, "input": "Tell me about ducks"}) as source:
            payloads = [sse.json() async for sse in source.aiter_sse()]
    text = "".join(p["delta"] for p in payloads if p["type"] == "response.output_text.delta")
    assert payloads[-1]["type"] == "response.completed"
    assert text == payloads[-1]["response"]["output"][0]["content"][0]["text"]
    assert "“Tell me about ducks”" in text
