"""Every reply example from the API documentation and from recorded real traffic parses with our
wire models, losslessly.

The examples live in this repository (tests/wire_examples/, see its README): JSON copied from
xAI's REST API reference (docs.x.ai, two editions) and from recordings of real api.x.ai traffic
(SSE chunks, Responses events, error bodies), each with its source: document, section, date.
A minimum count must be present so the test cannot pass empty.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from grokterm.xai.errors import MalformedResponseError, error_from_status
from grokterm.xai.images import ImageRequest, WireImages, check_download_url, clean_revised_prompt, parse_generation
from grokterm.xai.wire import (
    ApiKeyInfo,
    ChatCompletion,
    ChatCompletionChunk,
    DeletedResponse,
    ErrorBody,
    LanguageModel,
    LanguageModelList,
    ModelCard,
    ModelList,
    ResponseObject,
    StreamEvent,
    TextDeltaEvent,
    TokenizeResult,
    WireUsage,
    parse_output_item,
    parse_stream_event,
)

EXAMPLES = Path(__file__).resolve().parent / "wire_examples"

# Reference endpoints whose replies grokterm never reads (so it has no models for them).
UNMODELLED = ("/v1/completions", "/v1/complete", "/v1/embedding", "/v1/messages", "/v1/image-generation-models")
SEED_MODELS: dict[str, type[BaseModel]] = {
    "/v1/chat/completions": ChatCompletion,
    "/v1/chat/deferred-completion/{request_id}": ChatCompletion,
    "/v1/responses": ResponseObject,
    "/v1/responses/{response_id}": ResponseObject,
    "/v1/api-key": ApiKeyInfo,
    "/v1/models": ModelList,
    "/v1/models/{model_id}": ModelCard,
    "/v1/language-models": LanguageModelList,
    "/v1/language-models/{model_id}": LanguageModel,
    "/v1/tokenize-text": TokenizeResult,
    "/v1/images/generations": WireImages,  # read by `grokterm image` and /image (grokterm.xai.images)
}
def _load(name: str) -> list[dict[str, Any]]:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def _label(entry: dict[str, Any], n: int) -> str:
    source = entry["source"]
    return f"{n:02d}-{entry.get('endpoint') or entry['kind']}-{source.get('section') or source['topic']}"[:90]


def seed_examples() -> list[tuple[str, str, Any]]:
    """(label, endpoint, JSON) for each 'Response' example of xAI's REST API reference."""
    return [(_label(e, n), e["endpoint"], e["data"]) for n, e in enumerate(_load("api_reference_replies.json"))]


def reference_examples() -> list[tuple[str, Any]]:
    """(label, JSON) for reply objects recorded from real traffic (chunks, events, error bodies...)."""
    return [(_label(e, n), e["data"]) for n, e in enumerate(_load("recorded_replies.json"))]


def _classify(data: Any) -> type[BaseModel] | None:
    """The wire model for a recorded JSON object, by its shape (None: not a reply)."""
    if not isinstance(data, dict):
        return None
    obj, kind = data.get("object"), data.get("type")
    if obj == "chat.completion.chunk":
        return ChatCompletionChunk
    if obj == "chat.completion":
        return ChatCompletion
    if obj == "response":
        return DeletedResponse if "deleted" in data else ResponseObject
    if isinstance(kind, str) and ("sequence_number" in data or kind.startswith("response.")):
        return StreamEvent
    if "prompt_text_token_price" in data:
        return LanguageModel
    for key, model in (("models", LanguageModelList), ("token_ids", TokenizeResult),
                       ("redacted_api_key", ApiKeyInfo)):
        if key in data:
            return model
    if "data" in data and obj == "list":
        return ModelList
    if obj == "model":
        return ModelCard
    if "error" in data and set(data) <= {"code", "error"}:
        return ErrorBody
    if "prompt_tokens" in data or "input_tokens" in data:
        return WireUsage
    return None


def _parse(model: type[BaseModel], data: Any) -> BaseModel:
    if model is StreamEvent:
        return parse_stream_event(data)
    return model.model_validate(data)


def _assert_lossless(parsed: BaseModel, data: Any) -> None:
    assert parsed.model_dump(exclude_unset=True) == data


SEEDS = seed_examples()
REFERENCE = reference_examples()


def test_enough_examples_were_found() -> None:
    modelled = [e for e in SEEDS if not e[1].startswith(UNMODELLED)]
    assert len(modelled) >= 15, [e[:2] for e in SEEDS]
    assert {e[1] for e in modelled} >= set(SEED_MODELS) - {"/v1/chat/deferred-completion/{request_id}"}
    assert len(REFERENCE) >= 25, [label for label, _ in REFERENCE]
    kinds = {_classify(data) for _, data in REFERENCE}
    assert None not in kinds
    for entry in _load("recorded_replies.json"):  # the stored kind still matches the shape
        assert getattr(_classify(entry["data"]), "__name__", None) == entry["kind"]
        assert entry["source"]["document"] and entry["source"]["date"]
    assert {ChatCompletionChunk, ResponseObject, StreamEvent, LanguageModel, ErrorBody, TokenizeResult} <= kinds


@pytest.mark.parametrize("label, endpoint, data", SEEDS, ids=[e[0] for e in SEEDS])
def test_seed_reply_parses(label: str, endpoint: str, data: Any) -> None:
    if endpoint.startswith(UNMODELLED):
        pytest.skip(f"grokterm does not read {endpoint}")
    model = DeletedResponse if isinstance(data, dict) and "deleted" in data else SEED_MODELS[endpoint]
    _assert_lossless(model.model_validate(data), data)
    if endpoint == "/v1/images/generations":
        _check_image_generation(data)


def _check_image_generation(data: Any) -> None:
    """What `grokterm image` takes from the reference's example: every item, its revised prompt without
    the model's end markers; the example's placeholder URL ("...") is refused, never fetched."""
    items, ticks = parse_generation(ImageRequest("a cat in a tree", n=len(data["data"])), data)
    assert [item.url for item in items] == [entry["url"] for entry in data["data"]] and ticks is None
    for item, entry in zip(items, data["data"], strict=True):
        cleaned = clean_revised_prompt(item.revised_prompt)
        assert cleaned and "<|" not in cleaned and entry["revised_prompt"].startswith(cleaned)
        with pytest.raises(MalformedResponseError):
            check_download_url(item.url or "")


@pytest.mark.parametrize("label, data", REFERENCE, ids=[label for label, _ in REFERENCE])
def test_reference_reply_parses(label: str, data: Any) -> None:
    model = _classify(data)
    parsed = _parse(model, data)
    _assert_lossless(parsed, data)
    if isinstance(parsed, ResponseObject):
        for item in parsed.output:
            _assert_lossless(parse_output_item(item), item)
    if data.get("type") == "response.output_text.delta":
        assert isinstance(parsed, TextDeltaEvent) and parsed.delta == data["delta"]
    if model is ErrorBody:
        assert parsed.text and parsed.text[:40] in error_from_status(400, data).message
