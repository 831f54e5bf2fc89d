"""Every response-body JSON example in the shared API documents parses with our wire models, losslessly.

Examples are extracted programmatically from ../shared/seeds/*.txt (blocks after a
"Response" heading, tied to the endpoint above them) and ../shared/xai-api.md (JSON
blocks, SSE `data:` lines, inline `{...}` spans). Shortened examples with `…` are not
JSON and are skipped, but a minimum count must parse so the test cannot pass empty.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from grokterm.xai.errors import error_from_status
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

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
pytestmark = pytest.mark.skipif(
    not (SHARED / "xai-api.md").is_file(), reason=f"shared API documents not found at {SHARED}"
)

# Seed endpoints whose replies grokterm never reads (so it has no models for them).
UNMODELLED = ("/v1/completions", "/v1/complete", "/v1/embedding", "/v1/messages", "/v1/images",
              "/v1/image-generation-models")
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
}


def _fenced_blocks(text: str) -> list[tuple[int, str]]:
    """(line number of the opening fence, body) for every ``` block."""
    lines, blocks, i = text.split("\n"), [], 0
    while i < len(lines):
        if lines[i].startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            blocks.append((i, "\n".join(lines[i + 1 : j])))
            i = j + 1
        else:
            i += 1
    return blocks


def seed_examples() -> list[tuple[str, str, Any]]:
    """(label, endpoint, JSON) for each distinct response example in the seeds."""
    found: dict[str, tuple[str, str, Any]] = {}
    for path in sorted((SHARED / "seeds").glob("*.txt")) if SHARED.is_dir() else []:
        lines = path.read_text(encoding="utf-8").split("\n")
        for start, body in _fenced_blocks("\n".join(lines)):
            before = [line.strip() for line in lines[max(0, start - 60) : start] if line.strip()]
            if "Response" not in before[-3:]:
                continue
            endpoint = next((line for line in reversed(before) if line.startswith("/v1")), "").replace("\\_", "_")
            try:
                data = json.loads(body)
            except ValueError:
                continue
            found.setdefault(json.dumps(data, sort_keys=True), (f"{path.name}:{start}", endpoint, data))
    return list(found.values())


def _classify(data: Any) -> type[BaseModel] | None:
    """The wire model for a JSON object found in xai-api.md, by its shape (None: not a reply)."""
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


def reference_examples() -> list[tuple[str, Any]]:
    """(label, JSON) for reply objects in xai-api.md: JSON blocks, SSE/data lines, inline spans."""
    path = SHARED / "xai-api.md"
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    candidates: list[tuple[str, str]] = []
    for start, body in _fenced_blocks(text):
        candidates.append((f"xai-api.md:{start}", body))
        for n, line in enumerate(body.split("\n")):
            line = re.sub(r"^(data:|seq\s+\d+\S*)\s*", "", line.strip())
            candidates.append((f"xai-api.md:{start + n + 1}", line))
    for match in re.finditer(r"`(\{[^`]*\})`", text):
        candidates.append((f"xai-api.md:@{match.start()}", match.group(1)))
    out, seen = [], set()
    for label, candidate in candidates:
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        key = json.dumps(data, sort_keys=True)
        if _classify(data) is not None and key not in seen:
            seen.add(key)
            out.append((label, data))
    return out


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
    assert {ChatCompletionChunk, ResponseObject, StreamEvent, LanguageModel, ErrorBody, TokenizeResult} <= kinds


@pytest.mark.parametrize("label, endpoint, data", SEEDS, ids=[e[0] for e in SEEDS])
def test_seed_reply_parses(label: str, endpoint: str, data: Any) -> None:
    if endpoint.startswith(UNMODELLED):
        pytest.skip(f"grokterm does not read {endpoint}")
    model = DeletedResponse if isinstance(data, dict) and "deleted" in data else SEED_MODELS[endpoint]
    _assert_lossless(model.model_validate(data), data)


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
