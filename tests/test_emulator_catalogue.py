"""Emulator: models, language models, api-key, tokenize-text, auth and generic error replies."""

from __future__ import annotations

import pytest
from fixtures_emulator import http_client

from grokterm.emulator.tokenizer import tokenize

CATALOGUE = {
    "grok-4-0709": (["text"], 20000, 100000),
    "grok-4-fast-reasoning": (["text", "image"], 2000, 5000),
    "grok-3-mini": (["text"], 3000, 5000),
    "grok-code-fast-1": (["text"], 2000, 15000),
    "grok-3": (["text"], 30000, 150000),
    "grok-2-vision-1212": (["text", "image"], 20000, 100000),
}


def test_models_list_and_single(emulator_http):
    reply = emulator_http.get("/models")
    assert reply.status_code == 200
    body = reply.json()
    assert body["object"] == "list"
    ids = [m["id"] for m in body["data"]]
    assert set(CATALOGUE) <= set(ids) and "grok-2-image-1212" in ids
    assert all(set(m) == {"id", "created", "object", "owned_by"} for m in body["data"])
    single = emulator_http.get("/models/grok-3-mini").json()
    assert single == next(m for m in body["data"] if m["id"] == "grok-3-mini")
    assert emulator_http.get("/models/grok-9").status_code == 404


def test_language_models_catalogue_prices_and_modalities(emulator_http):
    body = emulator_http.get("/language-models").json()
    models = {m["id"]: m for m in body["models"]}
    assert set(models) == set(CATALOGUE)
    for model_id, (modalities, prompt_price, completion_price) in CATALOGUE.items():
        record = models[model_id]
        assert record["input_modalities"] == modalities
        assert record["prompt_text_token_price"] == prompt_price
        assert record["completion_text_token_price"] == completion_price
        assert record["object"] == "model" and record["fingerprint"].startswith("fp_")
    assert models["grok-3-mini"]["cached_prompt_text_token_price"] == 750
    assert "cached_prompt_text_token_price" not in models["grok-2-vision-1212"]  # optional keys stay absent


def test_language_model_by_id_alias_and_unknown(emulator_http):
    assert emulator_http.get("/language-models/grok-3-mini").json()["id"] == "grok-3-mini"
    assert emulator_http.get("/language-models/grok-4-latest").json()["id"] == "grok-4-0709"
    missing = emulator_http.get("/language-models/grok-beta")
    assert missing.status_code == 404
    body = missing.json()
    assert body["code"] == "Some requested entity was not found"
    assert body["error"].startswith("The model grok-beta does not exist")


def test_api_key_info_is_redacted(emulator, emulator_http):
    body = emulator_http.get("/api-key").json()
    assert body["redacted_api_key"] == "xai-...-key"
    assert emulator.api_key not in str(body)
    assert body["acls"] == ["api-key:model:*", "api-key:endpoint:*"]
    assert body["api_key_blocked"] is False and body["team_blocked"] is False


def test_tokenize_text_matches_the_shared_tokenizer(emulator_http):
    body = emulator_http.post("/tokenize-text", json={"text": "Hello world!", "model": "grok-4-0709"}).json()
    tokens = body["token_ids"]
    assert [t["string_token"] for t in tokens] == ["Hello", " world", "!"]
    assert tokens[0]["token_bytes"] == list(b"Hello")
    assert all(isinstance(t["token_id"], int) for t in tokens)
    text = "Ünïcode text, with 12345 digits_and_underscores.\n\n## Heading"
    again = emulator_http.post("/tokenize-text", json={"text": text, "model": "grok-3"}).json()["token_ids"]
    assert [t["string_token"] for t in again] == tokenize(text)
    assert "".join(t["string_token"] for t in again) == text


def test_tokenize_text_errors(emulator_http):
    assert emulator_http.post("/tokenize-text", json={"text": "x", "model": "nope"}).status_code == 404
    missing = emulator_http.post("/tokenize-text", json={"model": "grok-3"})
    assert missing.status_code == 422 and "text" in missing.json()["error"]


def test_missing_key_is_401_and_wrong_key_is_400_redacted(emulator):
    url = f"{emulator.base_url}/language-models"
    with http_client() as httpx:
        check_missing_and_wrong_keys(emulator, httpx, url)


def check_missing_and_wrong_keys(emulator, httpx, url):
    missing = httpx.get(url)
    assert missing.status_code == 401
    assert set(missing.json()) == {"code", "error"}
    wrong_key = "xai-this-is-not-the-key-Zq"
    wrong = httpx.get(url, headers={"Authorization": f"Bearer {wrong_key}"})
    assert wrong.status_code == 400
    body = wrong.json()
    assert body["code"] == "Client specified an invalid argument"
    assert body["error"].startswith("Incorrect API key provided: xa***Zq.")
    assert wrong_key not in wrong.text
    not_bearer = httpx.get(url, headers={"Authorization": f"Basic {emulator.api_key}"})
    assert not_bearer.status_code == 401


def test_every_reply_has_a_request_id(emulator, emulator_http):
    anonymous = http_client()
    replies = [
        emulator_http.get("/models"),
        emulator_http.get("/nowhere"),
        anonymous.get(f"{emulator.base_url}/models"),
        emulator_http.post("/chat/completions", json={"model": "grok-3", "messages": [{"role": "user",
                                                                                      "content": "hi"}]}),
        anonymous.post(f"{emulator.root_url}/_emulator/reset"),
    ]
    anonymous.close()
    ids = [r.headers.get("x-request-id") for r in replies]
    assert all(ids) and len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("GET", "/no/such/route", {}, 404),
        ("DELETE", "/models", {}, 405),
        ("POST", "/chat/completions", {"content": b""}, 415),
        ("POST", "/chat/completions", {"content": b"{not json", "headers": {"content-type": "application/json"}},
         400),
        ("POST", "/chat/completions", {"json": {"messages": []}}, 422),
        ("POST", "/chat/completions", {"json": {"model": "grok-beta", "messages": [{"role": "user",
                                                                                      "content": "x"}]}}, 404),
    ],
)
def test_errors_are_code_and_error_strings(emulator_http, method, path, kwargs, status):
    reply = emulator_http.request(method, path, **kwargs)
    assert reply.status_code == status
    body = reply.json()
    assert set(body) == {"code", "error"}
    assert isinstance(body["code"], str) and isinstance(body["error"], str) and body["error"]


def test_requests_are_logged_without_the_authorization_header(emulator, emulator_http):
    emulator_http.post("/tokenize-text", json={"text": "a", "model": "grok-3"},
                       headers={"x-grok-conv-id": "conv-1"})
    emulator_http.get("/models")
    seen = emulator.state.requests
    assert [(r.method, r.path) for r in seen] == [("POST", "/v1/tokenize-text"), ("GET", "/v1/models")]
    assert seen[0].json == {"text": "a", "model": "grok-3"}
    assert seen[0].headers["x-grok-conv-id"] == "conv-1"
    assert all("authorization" not in r.headers for r in seen)
    assert emulator.api_key not in repr(seen)


def test_grok_4_0709_is_served_as_the_reference_example_shows_it(emulator_http):
    """xAI REST reference (2025), "Get language model" example: text only, no image or cached price."""
    record = emulator_http.get("/language-models/grok-4-0709").json()
    documented = {
        "id": "grok-4-0709", "fingerprint": "fp_156d35dcaa", "object": "model", "owned_by": "xai",
        "version": "1.0.0", "input_modalities": ["text"], "output_modalities": ["text"],
        "prompt_text_token_price": 20000, "cached_prompt_text_token_price": 0, "prompt_image_token_price": 0,
        "completion_text_token_price": 100000, "aliases": ["grok-4", "grok-4-latest"],
    }
    assert {key: record[key] for key in documented} == documented
