"""xAI-style error replies: `{"code": <gRPC status text>, "error": <message>}`.

Handlers raise ApiError anywhere; the app turns it into the JSON reply, so
every error the emulator sends has the same two-string shape as the real API
(reported by vercel/ai PR #15338 and in real error bodies quoted in public issue threads,
e.g. continuedev/continue#10778; examples in tests/wire_examples/).
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from grokterm.emulator.catalogue import TEAM_ID

# gRPC status texts xAI uses as `code`, by HTTP status.
STATUS_CODE_TEXT: dict[int, str] = {
    400: "Client specified an invalid argument",
    401: "The request does not have valid authentication credentials for the operation",
    403: "The caller does not have permission to execute the specified operation",
    404: "Some requested entity was not found",
    405: "The operation is not supported",
    415: "Client specified an invalid argument",
    422: "Client specified an invalid argument",
    429: "Some resource has been exhausted",
    500: "Internal error encountered",
    502: "The service is currently unavailable",
    503: "The service is currently unavailable",
    504: "The deadline expired before the operation could complete",
}

CREDITS_MESSAGE = (
    f"Your team {TEAM_ID} has either used all available credits or reached its monthly spending limit. "
    "To continue making API requests, please purchase more credits or raise your spending limit."
)


class ApiError(Exception):
    """An HTTP error reply; `headers` carries e.g. retry-after."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None, code: str | None = None,
                 *, raw: bytes | None = None, media_type: str = "text/plain"):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.code = code or STATUS_CODE_TEXT.get(status, "Unknown error")
        self.raw = raw  # a non-xAI body (faults imitating proxies), sent as is
        self.media_type = media_type

    def body(self) -> dict:
        return {"code": self.code, "error": self.message}

    def response(self) -> Response:
        if self.raw is not None:
            return Response(self.raw, status_code=self.status, headers=self.headers, media_type=self.media_type)
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def redact_key(key: str) -> str:
    """`xa***XX`: the first two and last two characters, as xAI does."""
    return f"{key[:2]}***{key[-2:]}" if len(key) >= 6 else "***"


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def unprocessable(message: str) -> ApiError:
    return ApiError(422, f"Failed to deserialize the JSON body into the target type: {message}")


def model_not_found(model: object) -> ApiError:
    return ApiError(
        404,
        f"The model {model} does not exist or your team {TEAM_ID} does not have access to it. "
        "Please ensure you're using the correct API key. If you believe this is an error, please contact "
        "support.",
    )


def response_not_found(response_id: str) -> ApiError:
    return ApiError(404, f"Response with id={response_id} not found")


def route_not_found() -> ApiError:
    return ApiError(
        404,
        "No handler found on route. Please double check your URL and consult https://api.x.ai/docs for more "
        "information.",
    )
