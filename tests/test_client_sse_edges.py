"""SSE framing the emulator never sends but real servers and proxies may (xai-api.md §1.1, §2.3, §7).

A tiny canned HTTP server on loopback answers every request with fixed bytes, so the
client's real HTTP and SSE path is exercised: CRLF line ends, `event:` lines, comment
keep-alives, `id:`/`retry:` fields, a `[DONE]` after `response.completed`, U+2028 inside
JSON, and a server that ignores `stream: true` and answers with plain JSON.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from grokterm.xai.client import XAIClient
from grokterm.xai.events import Completed, Failed, Message, TextDelta, TurnRequest, UsageUpdate

REQUEST = TurnRequest("grok-3", (Message("user", "hi"),))


@pytest.fixture
async def canned() -> AsyncIterator:
    """Start a loopback server; `canned.reply(content_type, body)` sets what every request gets."""

    class Canned:
        content_type = "text/event-stream"
        body = b""
        base_url = ""

        def reply(self, content_type: str, body: bytes) -> None:
            self.content_type, self.body = content_type, body

    state = Canned()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        await reader.readexactly(length)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: " + state.content_type.encode()
                     + b"\r\ncontent-length: " + str(len(state.body)).encode()
                     + b"\r\nconnection: close\r\n\r\n" + state.body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    state.base_url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        yield state


async def run(canned, style: str) -> list:
    async with XAIClient("xai-test-key", canned.base_url, api_style=style, max_retries=0) as client:
        return [event async for event in client.stream_turn(REQUEST)]


def chunk(delta: dict, **extra) -> str:
    return json.dumps({"id": "c1", "object": "chat.completion.chunk", "model": "grok-3",
                       "choices": [{"index": 0, "delta": delta, **extra}]}, ensure_ascii=False)


async def test_chat_stream_with_crlf_comments_ids_and_retry_fields(canned) -> None:
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    first = chunk({"role": "assistant", "content": "line\u2028sep"})  # U+2028 is not a line break
    body = (
        ": keep-alive\r\n\r\n"
        f"id: 1\r\nretry: 1000\r\ndata: {first}\r\n\r\n"
        "retry: 500\r\n\r\n"  # an event with no data: dispatched with data == ""
        f"data: {chunk({})}\r\n\r\n"  # keep-alive empty delta
        f"data: {chunk({'content': '!'})}\r\n\r\n"
        f"data: {chunk({}, finish_reason='stop')}\r\n\r\n"
        f"data: {json.dumps({'id': 'c1', 'choices': [], 'usage': usage})}\r\n\r\n"
        "data: [DONE]\r\n\r\n"
    )
    canned.reply("text/event-stream; charset=utf-8", body.encode())
    events = await run(canned, "chat")
    done = events[-1]
    assert isinstance(done, Completed) and done.text == "line\u2028sep!"
    deltas = [e for e in events if isinstance(e, TextDelta)]  # merged when they arrive together
    assert "".join(e.text for e in deltas) == "line\u2028sep!" and sum(e.count for e in deltas) == 2
    assert [e.usage.output_tokens for e in events if isinstance(e, UsageUpdate)] == [2]


async def test_responses_stream_with_event_lines_and_trailing_done(canned) -> None:
    response = {"id": "r1", "object": "response", "model": "grok-3", "status": "in_progress", "output": []}
    final = dict(response, status="completed", output=[
        {"type": "message", "id": "msg_r1", "role": "assistant",
         "content": [{"type": "output_text", "text": "hello"}]}],
        usage={"input_tokens": 3, "output_tokens": 1, "total_tokens": 4})
    events = [
        ("response.created", {"response": response}),
        ("response.output_text.delta", {"delta": "hello", "output_index": 0, "content_index": 0}),
        ("response.completed", {"response": final}),
    ]
    body = "".join(
        f"event: {kind}\ndata: {json.dumps({'sequence_number': i, 'type': kind, **fields})}\n\n"
        for i, (kind, fields) in enumerate(events)
    ) + "data: [DONE]\n\n"
    canned.reply("text/event-stream", body.encode())
    result = await run(canned, "responses")
    assert isinstance(result[-1], Completed) and result[-1].text == "hello" and result[-1].response_id == "r1"
    assert sum(isinstance(e, Completed) for e in result) == 1


async def test_done_marker_alone_is_not_a_completed_responses_turn(canned) -> None:
    canned.reply("text/event-stream", b'data: {"type":"response.output_text.delta","delta":"par"}\n\ndata: [DONE]\n\n')
    result = await run(canned, "responses")
    assert isinstance(result[-1], Failed) and result[-1].partial_text == "par"


async def test_last_event_without_blank_line_is_a_cut(canned) -> None:
    canned.reply("text/event-stream", f"data: {chunk({'content': 'a'})}\n\ndata: [DONE]".encode())
    result = await run(canned, "chat")
    assert isinstance(result[-1], Failed) and result[-1].partial_text == "a"


@pytest.mark.parametrize("style, body", [
    ("chat", {"id": "c9", "object": "chat.completion", "model": "grok-3", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "whole", "reasoning_content": "why"},
         "finish_reason": "stop"}], "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}),
    ("responses", {"id": "r9", "object": "response", "model": "grok-3", "status": "completed", "store": True,
                   "output": [{"type": "message", "content": [{"type": "output_text", "text": "whole"}]}]}),
])
async def test_server_that_ignores_stream_true(canned, style: str, body: dict) -> None:
    canned.reply("application/json", json.dumps(body).encode())
    events = await run(canned, style)
    done = events[-1]
    assert isinstance(done, Completed) and done.text == "whole"
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["whole"]


async def test_json_reply_that_is_not_a_reply_fails_cleanly(canned) -> None:
    canned.reply("application/json", b"[1, 2]")
    events = await run(canned, "chat")
    assert isinstance(events[-1], Failed) and "unreadable reply" in str(events[-1].error)


async def test_json_nested_deeper_than_the_stack_fails_the_turn_cleanly(canned) -> None:
    deep = '{"a": ' + "[" * 200_000 + "]" * 200_000 + "}"  # RecursionError in json: not a crash
    canned.reply("text/event-stream", f"data: {chunk({'content': 'a'})}\n\ndata: {deep}\n\n".encode())
    result = await run(canned, "chat")
    assert isinstance(result[-1], Failed) and "bad stream data" in str(result[-1].error)
    assert result[-1].partial_text == "a"
