"""Emulator: /v1/chat/completions, streamed (byte-level framing) and not, usage and cost."""

from __future__ import annotations

import json

import pytest
from fixtures_emulator import sse_data_lines, sse_json_events

from grokterm.emulator.tokenizer import count_tokens

PRICES = {"grok-3-mini": (3000, 750, 5000), "grok-4-0709": (20000, 0, 100000), "grok-3": (30000, 7500, 150000)}


def chat(model: str, text: str, **extra) -> dict:
    return {"model": model, "messages": [{"role": "user", "content": text}], **extra}


def stream_raw(client, body: dict) -> bytes:
    with client.stream("POST", "/chat/completions", json={**body, "stream": True}) as reply:
        assert reply.status_code == 200
        assert reply.headers["content-type"].startswith("text/event-stream")
        return reply.read()


def check_usage_arithmetic(usage: dict, model: str) -> None:
    prompt, completion = usage["prompt_tokens"], usage["completion_tokens"]
    reasoning = usage["completion_tokens_details"]["reasoning_tokens"]
    cached = usage["prompt_tokens_details"]["cached_tokens"]
    assert usage["total_tokens"] == prompt + completion + reasoning
    assert 0 <= cached <= prompt
    p, c, o = PRICES[model]
    assert usage["cost_in_usd_ticks"] == (prompt - cached) * p + cached * c + (completion + reasoning) * o
    assert usage["num_sources_used"] == 0


def test_non_stream_reply_shape_and_usage(emulator_http):
    body = emulator_http.post("/chat/completions", json=chat("grok-3", "Explain what a monad is")).json()
    assert body["object"] == "chat.completion" and body["model"] == "grok-3"
    assert body["system_fingerprint"].startswith("fp_")
    choice = body["choices"][0]
    assert choice["finish_reason"] == "stop"
    message = choice["message"]
    assert message["role"] == "assistant" and message["refusal"] is None
    assert "reasoning_content" not in message
    assert "“Explain what a monad is”" in message["content"]
    usage = body["usage"]
    assert usage["completion_tokens"] == count_tokens(message["content"])
    assert usage["completion_tokens_details"]["reasoning_tokens"] == 0
    check_usage_arithmetic(usage, "grok-3")


def test_reply_is_deterministic_markdown(emulator_http):
    first = emulator_http.post("/chat/completions", json=chat("grok-3", "Compare tabs vs spaces")).json()
    second = emulator_http.post("/chat/completions", json=chat("grok-3", "Compare tabs vs spaces")).json()
    text = first["choices"][0]["message"]["content"]
    assert text == second["choices"][0]["message"]["content"]
    assert "\n- " in text and "\n```" in text and "|---|" in text and "\n\n" in text
    other = emulator_http.post("/chat/completions", json=chat("grok-3", "Write a python function")).json()
    assert other["choices"][0]["message"]["content"] != text


def test_stream_framing_is_byte_exact(emulator_http):
    raw = stream_raw(emulator_http, chat("grok-3", "!echo Hello stream world", stream_options={
        "include_usage": True}))
    values = sse_data_lines(raw)  # every event is exactly `data: <one line>` + blank line
    assert values[-1] == b"[DONE]"
    assert raw.endswith(b"\n\ndata: [DONE]\n\n")
    chunks = [json.loads(v) for v in values[:-1]]
    assert all(v.startswith(b"{") and b'": ' not in v for v in values[:-1])  # compact JSON
    assert len({c["id"] for c in chunks}) == 1
    assert all(c["object"] == "chat.completion.chunk" and c["system_fingerprint"] for c in chunks)
    content = [c for c in chunks if c["choices"] and "content" in c["choices"][0]["delta"]]
    assert "".join(c["choices"][0]["delta"]["content"] for c in content) == "Hello stream world"
    assert [c["choices"][0]["delta"]["content"] for c in content] == ["Hello", " stream", " world"]


def test_stream_role_only_first_then_finish_then_usage_chunk(emulator_http):
    chunks = sse_json_events(stream_raw(emulator_http, chat("grok-3", "hello", stream_options={
        "include_usage": True})))
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all("role" not in c["choices"][0]["delta"] for c in chunks[1:] if c["choices"])
    finish, usage_chunk = chunks[-2], chunks[-1]
    assert finish["choices"] == [{"index": 0, "delta": {}, "finish_reason": "stop"}]
    assert usage_chunk["choices"] == []
    assert all("usage" not in c for c in chunks[:-1])
    assert all("finish_reason" not in c["choices"][0] for c in chunks[:-2])
    check_usage_arithmetic(usage_chunk["usage"], "grok-3")
    assert usage_chunk["usage"]["completion_tokens"] == len(chunks) - 2  # one token per content delta


def test_stream_without_include_usage_sends_cumulative_usage(emulator_http):
    chunks = sse_json_events(stream_raw(emulator_http, chat("grok-3-mini", "!echo one two three")))
    assert all("usage" in c for c in chunks)
    assert all(c["choices"] for c in chunks)  # no usage-only chunk
    completions = [c["usage"]["completion_tokens"] for c in chunks]
    reasonings = [c["usage"]["completion_tokens_details"]["reasoning_tokens"] for c in chunks]
    assert completions == sorted(completions) and completions[-1] == 3
    assert reasonings == sorted(reasonings) and reasonings[-1] > 0
    check_usage_arithmetic(chunks[-1]["usage"], "grok-3-mini")


@pytest.mark.parametrize("model", ["grok-3-mini", "grok-code-fast-1"])
def test_visible_reasoning_models_stream_reasoning_content_first(emulator_http, model):
    chunks = sse_json_events(stream_raw(emulator_http, chat(model, "Why is the sky blue?", stream_options={
        "include_usage": True})))
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    kinds = ["r" if "reasoning_content" in d else "c" if "content" in d else "-" for d in deltas]
    first_content = kinds.index("c")
    assert set(kinds[:first_content]) == {"r"} and "r" not in kinds[first_content:]
    reasoning = "".join(d.get("reasoning_content", "") for d in deltas)
    assert reasoning.startswith("First, the user wrote “Why is the sky blue?”")
    usage = chunks[-1]["usage"]
    assert usage["completion_tokens_details"]["reasoning_tokens"] == kinds.count("r") == count_tokens(reasoning)


@pytest.mark.parametrize("model", ["grok-4-0709", "grok-4-fast-reasoning"])
def test_hidden_reasoning_models_only_count_reasoning(emulator_http, model):
    chunks = sse_json_events(stream_raw(emulator_http, chat(model, "Why is the sky blue?", stream_options={
        "include_usage": True})))
    assert all("reasoning_content" not in c["choices"][0]["delta"] for c in chunks if c["choices"])
    usage = chunks[-1]["usage"]
    assert usage["completion_tokens_details"]["reasoning_tokens"] > 0
    assert usage["total_tokens"] > usage["prompt_tokens"] + usage["completion_tokens"]
    body = emulator_http.post("/chat/completions", json=chat(model, "Why is the sky blue?")).json()
    assert "reasoning_content" not in body["choices"][0]["message"]


def test_non_stream_visible_reasoning_and_effort_high_model_name(emulator_http):
    body = emulator_http.post("/chat/completions", json=chat("grok-3-mini", "hi", reasoning_effort="high")).json()
    assert body["model"] == "grok-3-mini-high"
    message = body["choices"][0]["message"]
    assert message["reasoning_content"].count("\n\n") == 2  # high effort: three paragraphs
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] == count_tokens(
        message["reasoning_content"])
    check_usage_arithmetic(body["usage"], "grok-3-mini")


@pytest.mark.parametrize(("model", "field", "value"), [
    ("grok-4-0709", "reasoning_effort", "high"),
    ("grok-3", "reasoning_effort", "low"),
    ("grok-3-mini", "reasoning_effort", "extreme"),
    ("grok-3-mini", "presence_penalty", 0.5),
    ("grok-4-0709", "stop", ["\n"]),
])
def test_reasoning_parameter_rejections(emulator_http, model, field, value):
    reply = emulator_http.post("/chat/completions", json=chat(model, "hi", **{field: value}))
    assert reply.status_code == 400
    assert reply.json()["code"] == "Client specified an invalid argument"


def test_second_turn_reports_earlier_context_as_cached(emulator_http):
    first = emulator_http.post("/chat/completions", json=chat("grok-3", "Tell me about caching")).json()
    answer = first["choices"][0]["message"]["content"]
    assert first["usage"]["prompt_tokens_details"]["cached_tokens"] == 0
    history = [{"role": "user", "content": "Tell me about caching"}, {"role": "assistant", "content": answer},
               {"role": "user", "content": "And more?"}]
    second = emulator_http.post("/chat/completions", json={"model": "grok-3", "messages": history}).json()
    usage = second["usage"]
    expected_cached = count_tokens("Tell me about caching") + count_tokens(answer) + 2 * 3  # 3 per message
    assert usage["prompt_tokens_details"]["cached_tokens"] == expected_cached
    assert usage["prompt_tokens"] == expected_cached + count_tokens("And more?") + 3
    check_usage_arithmetic(usage, "grok-3")


def test_max_tokens_truncates_with_finish_reason_length(emulator_http):
    body = emulator_http.post("/chat/completions", json=chat("grok-3", "!long 200", max_tokens=17)).json()
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 17
    assert count_tokens(body["choices"][0]["message"]["content"]) == 17
    chunks = sse_json_events(stream_raw(emulator_http, chat("grok-3", "!long 200", max_tokens=5)))
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"


def test_long_directive_gives_exactly_n_tokens_and_recall_lists_history(emulator_http):
    body = emulator_http.post("/chat/completions", json=chat("grok-3", "!long 1500 about rivers")).json()
    assert body["usage"]["completion_tokens"] == 1500
    assert "## Part 1: Rivers" in body["choices"][0]["message"]["content"]
    history = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "first question"},
               {"role": "assistant", "content": "first answer"}, {"role": "user", "content": "second question"},
               {"role": "assistant", "content": "second answer"}, {"role": "user", "content": "!recall"}]
    recall = emulator_http.post("/chat/completions", json={"model": "grok-3", "messages": history}).json()
    assert recall["choices"][0]["message"]["content"] == (
        "Earlier user messages in this context (2):\n\n1. first question\n2. second question")


def test_content_parts_and_multiple_system_messages_are_accepted(emulator_http):
    messages = [{"role": "system", "content": "a"}, {"role": "user", "content": [
        {"type": "text", "text": "!echo part one"}, {"type": "text", "text": "part two"}]}]
    body = emulator_http.post("/chat/completions", json={"model": "grok-3", "messages": messages}).json()
    assert body["choices"][0]["message"]["content"] == "part one\npart two"
