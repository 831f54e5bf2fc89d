"""The emulator's ASGI application: routes, bearer-key check, fault gate, request log.

Every /v1 request is recorded (without its authorization header), checked
for a key (missing → 401, wrong → 400 as xAI does), offered to the fault
queue, and only then handled. Every reply carries an `x-request-id`.
"""

from __future__ import annotations

import hmac
import json
import uuid
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Route

from grokterm.emulator import chat, imagegen, models_api, responses
from grokterm.emulator.admin import ADMIN_ROUTES
from grokterm.emulator.calls import Call
from grokterm.emulator.errors import STATUS_CODE_TEXT, ApiError, redact_key, route_not_found
from grokterm.emulator.sse import StreamRegistry
from grokterm.emulator.state import EmulatorState, SeenRequest
from grokterm.emulator.strict import check_request

Handler = Callable[[Call], Awaitable[object]]
HIDDEN_HEADERS = frozenset({"authorization"})


class RequestIdMiddleware:
    """Adds `x-request-id: <uuid>` to every HTTP reply."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request_id = str(uuid.uuid4()).encode()

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id)]
            await send(message)

        await self.app(scope, receive, send_with_id)


def check_auth(request: Request, api_key: str) -> None:
    header = request.headers.get("authorization")
    if not header:
        raise ApiError(401, "No API key provided. Send it as 'Authorization: Bearer <API key>'. You can obtain "
                            "an API key from https://console.x.ai.")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "Invalid Authorization header: expected 'Bearer <API key>'.")
    if not hmac.compare_digest(token.encode(), api_key.encode()):
        raise ApiError(400, f"Incorrect API key provided: {redact_key(token)}. You can obtain an API key from "
                            "https://console.x.ai.")


async def _record(request: Request, state: EmulatorState) -> tuple[bytes, object, bool]:
    """Read and log the request; returns (raw body, parsed JSON or None, JSON was invalid)."""
    raw = await request.body()
    body, invalid = None, False
    if raw:
        try:
            body = json.loads(raw)
        except ValueError:
            invalid = True
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HIDDEN_HEADERS}
    state.record(SeenRequest(request.method, request.url.path, body, headers))
    return raw, body, invalid


def api(handler: Handler, route_key: str = ""):
    """Wrap a handler with logging, auth, body checks, strict mode and the fault gate.

    `route_key` ("POST /v1/responses") names the route's entry in grokterm/emulator/allowlist.py.
    """

    async def endpoint(request: Request):
        state: EmulatorState = request.app.state.emulator
        raw, body, invalid = await _record(request, state)
        try:
            check_auth(request, state.api_key)
            if request.method == "POST":
                if not raw:
                    raise ApiError(415, "Expected a JSON request body with 'Content-Type: application/json'.")
                if invalid:
                    raise ApiError(400, "The request body is not valid JSON.")
            if state.strict:
                check_request(route_key, body, request.headers.keys(), request.query_params.keys())
            streaming = request.method == "POST" and isinstance(body, dict) and body.get("stream") is True
            fault = state.take_fault(request.url.path, streaming)
            if fault is not None and not fault.is_stream_fault:
                raise fault.as_error()
            call = Call(request, body, raw, fault, state, request.app.state.streams)
            return await handler(call)
        except ApiError as error:
            return error.response()

    return endpoint


async def _http_exception(request: Request, exc: Exception):
    state: EmulatorState = request.app.state.emulator
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if request.url.path.startswith("/v1"):
        await _record(request, state)
    if status == 404:
        return route_not_found().response()
    if status == 405:
        return ApiError(405, f"Method {request.method} is not allowed on {request.url.path}.").response()
    return ApiError(status, STATUS_CODE_TEXT.get(status, "HTTP error")).response()


async def _server_error(request: Request, exc: Exception):
    return ApiError(500, f"Emulator internal error: {type(exc).__name__}").response()


def build_app(state: EmulatorState, streams: StreamRegistry | None = None) -> Starlette:
    endpoints: list[tuple[str, str, Handler]] = [
        ("GET", "/v1/models", models_api.list_models),
        ("GET", "/v1/models/{model_id:path}", models_api.get_model),
        ("GET", "/v1/language-models", models_api.list_language_models),
        ("GET", "/v1/language-models/{model_id:path}", models_api.get_language_model),
        ("GET", "/v1/image-generation-models", models_api.list_image_generation_models),
        ("GET", "/v1/api-key", models_api.api_key_info),
        ("POST", "/v1/tokenize-text", models_api.tokenize_text),
        ("POST", "/v1/chat/completions", chat.chat_completions),
        ("POST", "/v1/responses", responses.create_response),
        ("GET", "/v1/responses/{response_id}", responses.get_response),
        ("DELETE", "/v1/responses/{response_id}", responses.delete_response),
        ("POST", "/v1/images/generations", imagegen.generate_images),
    ]
    routes = [
        *(Route(path, api(handler, f"{method} {path.replace(':path', '')}"), methods=[method])
          for method, path, handler in endpoints),
        *ADMIN_ROUTES,
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_exception, Exception: _server_error},
    )
    app.state.emulator = state
    app.state.streams = streams or StreamRegistry()
    app.add_middleware(RequestIdMiddleware)
    return app
