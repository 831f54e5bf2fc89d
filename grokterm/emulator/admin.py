"""/_emulator/...: control the emulator over HTTP (subprocess tests, people, benchmarks).

POST /_emulator/faults     a Fault as JSON ({"kind": ..., ...} or {"spec": "429:retry=2"}), or a list of them
GET  /_emulator/faults     the queued faults
POST /_emulator/reset      forget requests, faults, stored responses, clock offset; restore speed
POST /_emulator/clock      {"advance_seconds": n}
GET  /_emulator/requests   the request log
POST /_emulator/speed      {"speed": tokens_per_s, "first_token_delay": s}
No key is needed: the emulator only listens on loopback and holds nothing secret.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from grokterm.emulator.errors import ApiError
from grokterm.emulator.faults import Fault
from grokterm.emulator.imagegen import serve_generated_image


def _state(request: Request):
    return request.app.state.emulator


async def _json(request: Request) -> object:
    try:
        return json.loads(await request.body() or b"null")
    except ValueError:
        raise ApiError(400, "The request body is not valid JSON.") from None


async def push_faults(request: Request):
    body = await _json(request)
    items = body if isinstance(body, list) else [body]
    try:
        faults = [Fault.from_dict(item) for item in items if isinstance(item, dict)]
    except (TypeError, ValueError) as exc:
        return ApiError(400, f"Invalid fault: {exc}").response()
    if len(faults) != len(items):
        return ApiError(400, "Invalid fault: expected a JSON object or a list of objects.").response()
    for fault in faults:
        _state(request).push_fault(fault)
    return JSONResponse({"faults": [f.to_dict() for f in _state(request).faults]})


async def list_faults(request: Request):
    return JSONResponse({"faults": [f.to_dict() for f in _state(request).faults]})


async def reset(request: Request):
    _state(request).reset()
    return JSONResponse({"reset": True})


async def clock(request: Request):
    body = await _json(request)
    seconds = body.get("advance_seconds") if isinstance(body, dict) else None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return ApiError(400, "Expected {\"advance_seconds\": <number>}.").response()
    _state(request).clock_advance(float(seconds))
    return JSONResponse({"now": _state(request).clock_now()})


async def requests_log(request: Request):
    return JSONResponse({"requests": [
        {"method": r.method, "path": r.path, "json": r.json, "headers": r.headers}
        for r in _state(request).requests
    ]})


async def speed(request: Request):
    body = await _json(request)
    state = _state(request)
    if not isinstance(body, dict):
        return ApiError(400, "Expected {\"speed\": <tokens per second>, \"first_token_delay\": <seconds>}.").response()
    for key in ("speed", "first_token_delay"):
        if key in body:
            value = body[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                return ApiError(400, f"`{key}` must be a number >= 0.").response()
            setattr(state, key, float(value))
    return JSONResponse({"speed": state.speed, "first_token_delay": state.first_token_delay})


ADMIN_ROUTES = [
    Route("/_emulator/faults", push_faults, methods=["POST"]),
    Route("/_emulator/faults", list_faults, methods=["GET"]),
    Route("/_emulator/reset", reset, methods=["POST"]),
    Route("/_emulator/clock", clock, methods=["POST"]),
    Route("/_emulator/requests", requests_log, methods=["GET"]),
    Route("/_emulator/speed", speed, methods=["POST"]),
    Route("/_emulator/imgen/{name}", serve_generated_image, methods=["GET"]),
]
