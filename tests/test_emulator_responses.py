"""Emulator: /v1/responses create/stream/get/delete, chaining, storage and expiry."""

from __future__ import annotations

import pytest
from fixtures_emulator import sse_data_lines, sse_json_events

from grokterm.emulator.tokenizer import count_tokens

THIRTY_DAYS = 30 * 24 * 3600
NOT_FOUND_CODE = "Some requested entity was not found"

REASONING_EVENTS = [
    "response.output_item.added", "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
    "response.reasoning_summary_text.done", "response.reasoning_summary_part.done", "response.output_item.done",
]
MESSAGE_EVENTS = [
    "response.output_item.added", "response.content_part.added", "response.output_text.delta",
    "response.output_text.done", "response.content_part.done", "response.output_item.done",
]


def stream_raw(client, body: dict) -> bytes:
    with client.stream("POST", "/responses", json={**body, "stream": True}) as reply:
        assert reply.status_code == 200
        assert reply.headers["content-type"].startswith("text/event-stream")
        return reply.read()


def collapse(types: list[str]) -> list[str]:
    """Event types with runs of the same delta type collapsed to one entry."""
    out: list[str] = []
    for kind in types:
        if not (out and kind == out[-1] and kind.endswith(".delta")):
            out.append(kind)
    return out


def create(client, **body) -> dict:
    reply = client.post("/responses", json=body)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_non_stream_response_object(emulator_http):
    body = create(emulator_http, model="grok-3", input="Explain recursion briefly")
    assert body["object"] == "response" and body["status"] == "completed" and body["store"] is True
    assert body["model"] == "grok-3" and body["previous_response_id"] is None
    assert [item["type"] for item in body["output"]] == ["message"]
    message = body["output"][0]
    assert message["id"] == f"msg_{body['id']}" and message["role"] == "assistant"
    text = message["content"][0]["text"]
    assert message["content"][0] == {"type": "output_text", "text": text, "logprobs": [], "annotations": []}
    usage = body["usage"]
    assert usage["output_tokens"] == count_tokens(text)
    assert usage["output_tokens_details"]["reasoning_tokens"] == 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert usage["cost_in_usd_ticks"] == usage["input_tokens"] * 30000 + usage["output_tokens"] * 150000
    assert "prompt_tokens" not in usage


@pytest.mark.parametrize("model", ["grok-4-0709", "grok-4-fast-reasoning", "grok-3-mini", "grok-code-fast-1"])
def test_reasoning_models_get_a_summary_item_and_output_includes_reasoning(emulator_http, model):
    body = create(emulator_http, model=model, input="Plan a picnic")
    reasoning, message = body["output"]
    assert reasoning["id"] == f"rs_{body['id']}" and reasoning["type"] == "reasoning"
    summary = reasoning["summary"][0]
    assert summary["type"] == "summary_text" and summary["text"].startswith("First, the user wrote")
    usage = body["usage"]
    visible = count_tokens(message["content"][0]["text"])
    assert usage["output_tokens_details"]["reasoning_tokens"] == count_tokens(summary["text"])
    assert usage["output_tokens"] == visible + usage["output_tokens_details"]["reasoning_tokens"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


def test_stream_event_order_and_sequence_numbers(emulator_http):
    raw = stream_raw(emulator_http, {"model": "grok-code-fast-1", "input": "!echo Hi there"})
    assert b"[DONE]" not in raw
    sse_data_lines(raw)  # strict framing: only `data: ` lines separated by blank lines
    events = sse_json_events(raw)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert all(next(iter(e)) == "sequence_number" for e in events)  # first key, as xAI sends it
    types = [e["type"] for e in events]
    assert collapse(types) == ["response.created", "response.in_progress", *REASONING_EVENTS,
                               *MESSAGE_EVENTS, "response.completed"]
    created = events[0]["response"]
    assert created["status"] == "in_progress" and created["output"] == [] and "usage" not in created
    text_deltas = [e["delta"] for e in events if e["type"] == "response.output_text.delta"]
    assert text_deltas == ["Hi", " there"]
    final = events[-1]["response"]
    assert final["status"] == "completed" and final["output"][1]["content"][0]["text"] == "Hi there"
    rid = final["id"]
    assert {e.get("item_id") for e in events if "item_id" in e} == {f"rs_{rid}", f"msg_{rid}"}
    summary = "".join(e["delta"] for e in events if e["type"] == "response.reasoning_summary_text.delta")
    assert summary == final["output"][0]["summary"][0]["text"]


def test_stream_of_non_reasoning_model_has_no_reasoning_item(emulator_http):
    events = sse_json_events(stream_raw(emulator_http, {"model": "grok-3", "input": "hello"}))
    assert collapse([e["type"] for e in events]) == ["response.created", "response.in_progress",
                                                     *MESSAGE_EVENTS, "response.completed"]
    assert events[-1]["response"]["output"][0]["id"].startswith("msg_")


def test_get_and_delete_stored_response(emulator, emulator_http):
    body = create(emulator_http, model="grok-3", input="store me")
    assert body["id"] in emulator.state.responses
    fetched = emulator_http.get(f"/responses/{body['id']}")
    assert fetched.status_code == 200 and fetched.json() == body
    deleted = emulator_http.delete(f"/responses/{body['id']}")
    assert deleted.json() == {"id": body["id"], "object": "response", "deleted": True}
    again = emulator_http.get(f"/responses/{body['id']}")
    assert again.status_code == 404
    assert again.json() == {"code": NOT_FOUND_CODE, "error": f"Response with id={body['id']} not found"}
    assert emulator_http.delete(f"/responses/{body['id']}").status_code == 404


def test_streamed_response_is_stored_before_completion_arrives(emulator_http):
    events = sse_json_events(stream_raw(emulator_http, {"model": "grok-3", "input": "hi"}))
    final = events[-1]["response"]
    assert emulator_http.get(f"/responses/{final['id']}").json() == final


def test_store_false_is_not_retrievable(emulator_http):
    body = create(emulator_http, model="grok-3", input="forget me", store=False)
    assert body["store"] is False
    assert emulator_http.get(f"/responses/{body['id']}").status_code == 404
    chained = emulator_http.post("/responses", json={"model": "grok-3", "input": "x",
                                                     "previous_response_id": body["id"]})
    assert chained.status_code == 404 and chained.json()["code"] == NOT_FOUND_CODE


def test_responses_expire_after_thirty_days(emulator, emulator_http):
    body = create(emulator_http, model="grok-3", input="old news")
    emulator.state.clock_advance(THIRTY_DAYS - 60)
    assert emulator_http.get(f"/responses/{body['id']}").status_code == 200
    emulator.state.clock_advance(120)
    gone = emulator_http.get(f"/responses/{body['id']}")
    assert gone.status_code == 404
    assert gone.json()["error"] == f"Response with id={body['id']} not found"


def test_chaining_rebuilds_context_on_the_server(emulator_http):
    first = create(emulator_http, model="grok-3", input=[
        {"role": "system", "content": "You are terse."}, {"role": "user", "content": "My name is Ada."}])
    second = create(emulator_http, model="grok-3", previous_response_id=first["id"],
                    input=[{"role": "user", "content": [{"type": "input_text", "text": "I like owls."}]}])
    third = create(emulator_http, model="grok-3", previous_response_id=second["id"], input="!recall")
    text = third["output"][0]["content"][0]["text"]
    assert text == "Earlier user messages in this context (2):\n\n1. My name is Ada.\n2. I like owls."
    assert third["previous_response_id"] == second["id"]
    # the whole earlier context (inputs and outputs) came from the cache
    usage = third["usage"]
    assert usage["input_tokens_details"]["cached_tokens"] == usage["input_tokens"] - (count_tokens("!recall") + 3)
    fresh = create(emulator_http, model="grok-3", input="!recall")
    assert fresh["output"][0]["content"][0]["text"] == "No earlier user messages in this context."


def test_chaining_after_delete_or_to_unknown_id_is_404(emulator_http):
    first = create(emulator_http, model="grok-3", input="hi")
    emulator_http.delete(f"/responses/{first['id']}")
    for rid in (first["id"], "00000000-0000-0000-0000-000000000000"):
        reply = emulator_http.post("/responses", json={"model": "grok-3", "input": "x", "previous_response_id": rid})
        assert reply.status_code == 404
        assert reply.json() == {"code": NOT_FOUND_CODE, "error": f"Response with id={rid} not found"}


def test_instructions_allowed_alone_but_not_with_previous_response(emulator_http):
    first = create(emulator_http, model="grok-3", input="!recall", instructions="Be brief.")
    assert first["instructions"] == "Be brief."
    reply = emulator_http.post("/responses", json={"model": "grok-3", "input": "x", "instructions": "y",
                                                   "previous_response_id": first["id"]})
    assert reply.status_code == 400


def test_max_output_tokens_gives_incomplete(emulator_http):
    body = create(emulator_http, model="grok-3", input="!long 300", max_output_tokens=20)
    assert body["status"] == "incomplete"
    assert body["incomplete_details"] == {"reason": "max_output_tokens"}
    assert body["usage"]["output_tokens"] == 20
    events = sse_json_events(stream_raw(emulator_http, {"model": "grok-3-mini", "input": "!long 300",
                                                        "max_output_tokens": 30}))
    assert events[-1]["type"] == "response.incomplete"
    assert events[-1]["response"]["usage"]["output_tokens"] == 30


def test_reasoning_options_echo_and_validation(emulator_http):
    body = create(emulator_http, model="grok-3-mini", input="hi", reasoning={"effort": "low"})
    assert body["reasoning"] == {"effort": "low", "summary": "detailed"}
    assert "\n\n" not in body["output"][0]["summary"][0]["text"]  # low effort: one paragraph
    assert emulator_http.post("/responses", json={"model": "grok-3", "input": "hi",
                                                  "reasoning": {"effort": "high"}}).status_code == 400
    assert emulator_http.post("/responses", json={"model": "grok-3-mini", "input": "hi",
                                                  "reasoning": {"effort": "max"}}).status_code == 400


@pytest.mark.parametrize(("model", "effort"), [("grok-4-0709", "high"), ("grok-4-fast-reasoning", "low"),
                                               ("grok-code-fast-1", "low"), ("grok-3-mini", "medium")])
def test_reasoning_effort_only_where_the_reasoning_guide_allows_it(emulator_http, model, effort):
    """xAI Reasoning guide: only grok-3-mini takes reasoning effort, low or high; others get an error."""
    reply = emulator_http.post("/responses", json={"model": model, "input": "hi", "reasoning": {"effort": effort}})
    assert reply.status_code == 400


def test_encrypted_reasoning_on_request_and_tool_choice_without_tools(emulator_http):
    body = create(emulator_http, model="grok-4-0709", input="hi", include=["reasoning.encrypted_content"])
    assert body["output"][0]["encrypted_content"]
    reply = emulator_http.post("/responses", json={"model": "grok-3", "input": "hi", "tool_choice": "auto"})
    assert reply.status_code == 400 and "tool_choice" in reply.json()["error"]


@pytest.mark.parametrize("bad_input", [
    [{"role": "user", "content": [{"type": "input_image", "image_url": {"url": "data:x"}}]}],
    [{"role": "robot", "content": "hi"}],
    [{"type": "mystery"}],
    42,
])
def test_malformed_input_is_422(emulator, emulator_http, bad_input):
    emulator.state.strict = False  # the shape checks themselves (strict mode would answer 400 first)
    reply = emulator_http.post("/responses", json={"model": "grok-3", "input": bad_input})
    assert reply.status_code == 422
    assert set(reply.json()) == {"code", "error"}
