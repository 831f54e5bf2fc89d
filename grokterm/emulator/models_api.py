"""Catalogue and account endpoints: models, language models, api-key, tokenize-text."""

from __future__ import annotations

from starlette.responses import JSONResponse

from grokterm.emulator.calls import Call
from grokterm.emulator.catalogue import (
    IMAGE_MODEL_ALIASES,
    IMAGE_MODEL_ID,
    IMAGINE_MODELS,
    LANGUAGE_MODELS,
    TEAM_ID,
    all_model_records,
    find_language_model,
    image_generation_model_record,
    imagine_model_record,
)
from grokterm.emulator.errors import model_not_found, unprocessable
from grokterm.emulator.tokenizer import token_records

KEY_CREATED = "2025-01-01T12:00:00.000000Z"


async def list_models(call: Call):
    return JSONResponse({"data": all_model_records(), "object": "list"})


async def get_model(call: Call):
    name = call.request.path_params["model_id"]
    if name == IMAGE_MODEL_ID or name in IMAGE_MODEL_ALIASES:
        return JSONResponse(next(r for r in all_model_records() if r["id"] == IMAGE_MODEL_ID))
    if name in IMAGINE_MODELS:
        return JSONResponse(next(r for r in all_model_records() if r["id"] == name))
    model = find_language_model(name)
    if model is None:
        raise model_not_found(name)
    return JSONResponse(model.model_record())


async def list_language_models(call: Call):
    return JSONResponse({"models": [m.language_model_record() for m in LANGUAGE_MODELS]})


async def get_language_model(call: Call):
    name = call.request.path_params["model_id"]
    model = find_language_model(name)
    if model is None:
        raise model_not_found(name)
    return JSONResponse(model.language_model_record())


async def list_image_generation_models(call: Call):
    return JSONResponse({"models": [image_generation_model_record(),
                                    *(imagine_model_record(name) for name in IMAGINE_MODELS)]})


async def api_key_info(call: Call):
    key = call.state.api_key
    return JSONResponse({
        "redacted_api_key": f"{key[:4]}...{key[-4:]}" if len(key) > 8 else "***",
        "user_id": "0b9f2c4e-7d1a-4e3b-8c5f-6a2d9e1b3c70",
        "name": "grokterm emulator key",
        "create_time": KEY_CREATED,
        "modify_time": KEY_CREATED,
        "modified_by": "0b9f2c4e-7d1a-4e3b-8c5f-6a2d9e1b3c70",
        "team_id": TEAM_ID,
        "acls": ["api-key:model:*", "api-key:endpoint:*"],
        "api_key_id": "7c1e4b2a-3f5d-4a9e-b8c6-1d2e3f4a5b60",
        "team_blocked": False,
        "api_key_blocked": False,
        "api_key_disabled": False,
    })


async def tokenize_text(call: Call):
    body = call.json_object()
    if "text" not in body:
        raise unprocessable("missing field `text`")
    if not isinstance(body["text"], str):
        raise unprocessable("`text`: expected a string")
    if "model" not in body:
        raise unprocessable("missing field `model`")
    if find_language_model(body["model"]) is None:
        raise model_not_found(body["model"])
    return JSONResponse({"token_ids": token_records(body["text"])})
