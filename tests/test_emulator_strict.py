"""Strict mode: undocumented request fields and headers get a 400 naming them; the client sends none.

The allowlist (grokterm/emulator/allowlist.py) is the contract: each entry names the document that
shows the field. The test suite runs every emulator strict (conftest.py), so any field the client
starts sending without a source fails somewhere; the payload tests here say which one at once.
"""

from __future__ import annotations

import pytest

from grokterm.emulator.allowlist import ALLOWED_FIELDS, ALLOWED_HEADER_PREFIXES, ALLOWED_HEADERS
from grokterm.emulator.strict import unknown_field, unknown_header
from grokterm.xai.events import ImagePart, Message, TurnRequest
from grokterm.xai.payloads import chat_headers, chat_payload, responses_payload

PNG = "data:image/png;base64,iVBORw0KGgo="
CHAT = {"model": "grok-3", "messages": [{"role": "user", "content": "hi"}]}
RESPONSES = {"model": "grok-3", "input": "hi"}


def test_the_test_suite_runs_the_emulator_strict(emulator):
    assert emulator.state.strict


@pytest.mark.parametrize(("path", "body", "named"), [
    ("/chat/completions", {**CHAT, "bogus_field": 1}, "`bogus_field`"),
    ("/chat/completions", {**CHAT, "messages": [{"role": "user", "content": "hi", "mood": "x"}]},
     "`messages[0].mood`"),
    ("/chat/completions", {**CHAT, "stream_options": {"include_usage": True, "continuous": True}},
     "`stream_options.continuous`"),
    ("/responses", {**RESPONSES, "bogus_field": 1}, "`bogus_field`"),
    ("/responses", {**RESPONSES, "reasoning": {"effort": "low", "budget": 3}}, "`reasoning.budget`"),
    # the chat image shape ({"url": ...}) is not the Responses one (a plain string)
    ("/responses", {**RESPONSES, "input": [{"role": "user", "content": [
        {"type": "input_image", "image_url": {"url": PNG}}]}]}, "`input[0].content[0].image_url.url`"),
    ("/tokenize-text", {"text": "hi", "model": "grok-3", "extra": True}, "`extra`"),
])
def test_an_undocumented_field_gets_a_400_naming_it(emulator_http, path, body, named):
    reply = emulator_http.post(path, json=body)
    assert reply.status_code == 400, reply.text
    assert reply.json()["code"] == "Client specified an invalid argument"
    assert named in reply.json()["error"]


def test_an_undocumented_header_or_query_parameter_gets_a_400(emulator_http):
    reply = emulator_http.post("/chat/completions", json=CHAT, headers={"x-grok-mood": "happy"})
    assert reply.status_code == 400 and "`x-grok-mood`" in reply.json()["error"]
    reply = emulator_http.get("/language-models", params={"page": "2"})
    assert reply.status_code == 400 and "`page`" in reply.json()["error"]
    documented = emulator_http.post("/chat/completions", json=CHAT, headers={"x-grok-conv-id": "c1"})
    assert documented.status_code == 200


def test_lenient_mode_still_accepts_anything(emulator, emulator_http):
    emulator.state.strict = False
    assert emulator_http.post("/chat/completions", json={**CHAT, "bogus_field": 1}).status_code == 200
    emulator.state.reset()
    assert emulator.state.strict  # reset restores the mode the emulator was started in


def test_free_form_values_are_not_walked():
    schema = {"type": "object", "properties": {"anything": {"type": "string"}}}
    body = {**CHAT, "tools": [{"type": "function", "function": {"name": "f", "parameters": schema}}],
            "logit_bias": {"1234": 5}}
    assert unknown_field(body, ALLOWED_FIELDS["POST /v1/chat/completions"]) is None
    body["tools"][0]["function"]["mystery"] = 1
    assert unknown_field(body, ALLOWED_FIELDS["POST /v1/chat/completions"]) == "tools[0].function.mystery"


def test_every_allowlist_entry_names_its_source():
    tables = [*ALLOWED_FIELDS.values(), ALLOWED_HEADERS, ALLOWED_HEADER_PREFIXES]
    for table in tables:
        for name, source in table.items():
            assert isinstance(source, str) and len(source) > 20, name
            assert "xAI" in source or "x.ai" in source or "RFC" in source, (name, source)
            assert "../shared" not in source and "seeds" not in source, name


def _every_option_request(images: bool) -> TurnRequest:
    image = (ImagePart(PNG, "high"),) if images else ()
    return TurnRequest(
        model="grok-3-mini",
        history=(Message("system", "be brief"), Message("user", "first", image),
                 Message("assistant", "answer"), Message("user", "second", image)),
        previous_response_id="resp-1", conversation_id="conv-1", reasoning_effort="low",
        max_output_tokens=100, temperature=0.5,
    )


@pytest.mark.parametrize("images", [False, True])
@pytest.mark.parametrize("stream", [False, True])
def test_every_field_the_client_can_send_has_a_documented_source(images, stream):
    request = _every_option_request(images)
    assert unknown_field(responses_payload(request, stream=stream), ALLOWED_FIELDS["POST /v1/responses"]) is None
    assert unknown_field(chat_payload(request, stream=stream), ALLOWED_FIELDS["POST /v1/chat/completions"]) is None
    assert unknown_header(chat_headers(request)) is None
    assert unknown_header(["Authorization", "User-Agent", "Accept", "Cache-Control", "Content-Type"]) is None
