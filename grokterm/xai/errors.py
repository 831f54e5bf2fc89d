"""Typed API errors with one-line human messages, built from any error reply.

Callers (UI, CLI) branch on the class and show `str(error)` as is, so every
message is one short line that says what went wrong in the user's words
("API key rejected", "out of credits"), followed by the server's own text.
The API key must never reach a message: `redact()` scrubs anything that looks
like a key, and the client also scrubs its own key before building an error.
Each class carries the CLI exit code (`exit_code`) so every command maps
errors the same way (table in grokterm/commands/common.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from grokterm.secret import redact, redact_key  # re-exported: redaction lives with the Secret type

_MAX_MESSAGE = 300


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


class XAIError(Exception):
    """Base of every API failure; `str(e)` is a one-line message for humans."""

    exit_code = 1
    summary = "API error"
    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.message = _one_line(redact(message))
        super().__init__(self.message)
        self.status = status
        self.code = redact(code) if code else code
        self.request_id = request_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status})"

    def add_note_to_message(self, note: str) -> None:
        """Append `note` to the one-line message; the server's text is shortened if need be, never the note."""
        note = _one_line(redact(note))
        room = _MAX_MESSAGE - len(note) - 3
        base = self.message if len(self.message) <= room else self.message[: max(0, room - 1)] + "…"
        self.message = f"{base} — {note}"
        self.args = (self.message,)


class BadRequestError(XAIError):
    exit_code = 9
    summary = "request rejected"


class ContentPolicyError(BadRequestError):
    """The API refused the request (or its result) on content grounds: rewording may help, retrying won't."""

    exit_code = 16
    summary = "refused by the content policy"


class AuthenticationError(XAIError):
    exit_code = 4
    summary = "API key rejected"


class PermissionDeniedError(XAIError):
    exit_code = 5
    summary = "permission denied"


class NotFoundError(XAIError):
    exit_code = 8
    summary = "not found"


class CreditsExhaustedError(XAIError):
    """429/403 'used all available credits': retrying cannot help."""

    exit_code = 6
    summary = "out of credits or over the spending limit"


class RateLimitError(XAIError):
    exit_code = 7
    summary = "rate limited"
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ConflictError(XAIError):
    """408/409: transient, worth retrying."""

    exit_code = 10
    summary = "request conflict or timeout on the server"
    retryable = True


class ServerError(XAIError):
    exit_code = 10
    summary = "server error"
    retryable = True


class APITimeoutError(XAIError):
    exit_code = 11
    summary = "timed out"
    retryable = True


class APIConnectionError(XAIError):
    exit_code = 12
    summary = "cannot connect"
    retryable = True


class StreamInterruptedError(XAIError):
    """The reply stopped before its end marker; the partial text is kept."""

    exit_code = 13
    summary = "reply interrupted"


class StreamStalledError(StreamInterruptedError, APITimeoutError):
    """No data within the read timeout in the middle of a reply (never retried)."""

    exit_code = 13
    summary = "reply stalled"
    retryable = False


class MalformedResponseError(XAIError):
    exit_code = 14
    summary = "unreadable reply"


_CREDITS_WORDS = ("available credits", "spending limit", "credits")
_BAD_KEY_WORDS = ("api key", "api-key", "apikey")  # xAI answers a wrong key with 400, not 401
# A moderation refusal is a plain 400; its wording is not documented, so match the usual words.
_POLICY_WORDS = ("content policy", "content moderation", "moderation", "safety guidelines", "usage guidelines")


def error_message_from_body(body: Any) -> tuple[str | None, str | None]:
    """(message, code) from either error shape: xAI `{code, error}` or OpenAI `{error: {message, ...}}`."""
    if isinstance(body, Mapping):
        err = body.get("error")
        code = body.get("code")
        if isinstance(err, Mapping):
            message = err.get("message")
            code = err.get("code") or err.get("type") or code
        elif isinstance(err, str):
            message = err
        else:
            message = body.get("message") or body.get("detail")
        return (
            None if message is None else str(message),
            None if code is None else str(code),
        )
    if isinstance(body, str) and body.strip():
        return body.strip(), None
    return None, None


def _parse_body(raw: bytes | str) -> Any:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    try:
        return json.loads(text)
    except ValueError:
        pass
    if text.lstrip().startswith(("data:", "event:", ":")):  # an event stream where an error body belongs
        return _event_stream_error(text)
    return text


def _event_stream_error(text: str) -> Any:
    """The error inside an SSE body (some proxies answer errors that way), never the raw stream."""
    for line in text.splitlines():
        if line.startswith("data:"):
            try:
                payload = json.loads(line[5:].strip())
            except ValueError:
                continue
            message, _code = error_message_from_body(payload)
            if message:
                return payload
    return "the server answered with an event stream instead of an error message"


def error_from_status(
    status: int,
    body: bytes | str | Mapping[str, Any] | None,
    *,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> XAIError:
    """Classify an HTTP error reply into the matching XAIError subclass."""
    parsed = _parse_body(body) if isinstance(body, (bytes, str)) else body
    message, code = error_message_from_body(parsed)
    lower = (message or "").lower()
    if status == 429 or status == 403:
        if any(word in lower for word in _CREDITS_WORDS):
            cls: type[XAIError] = CreditsExhaustedError
        else:
            cls = RateLimitError if status == 429 else PermissionDeniedError
    elif status == 401 or (status == 400 and any(w in lower for w in _BAD_KEY_WORDS)):
        cls = AuthenticationError
    elif status == 404:
        cls = NotFoundError
    elif status in (408, 409):
        cls = ConflictError
    elif status >= 500:
        cls = ServerError
    elif status in (400, 422, 451) and any(word in lower for word in _POLICY_WORDS):
        cls = ContentPolicyError
    elif 400 <= status < 500:
        cls = BadRequestError
    else:
        cls = MalformedResponseError
    text = f"{cls.summary} (HTTP {status})"
    if message:
        text += f": {message}"
    kwargs: dict[str, Any] = {"status": status, "code": code, "request_id": request_id}
    if cls is RateLimitError:
        kwargs["retry_after"] = retry_after
    return cls(text, **kwargs)


def error_from_stream_payload(payload: Mapping[str, Any]) -> XAIError:
    """An error that arrived inside a 200 stream (`{"type":"error",...}` or top-level `error`)."""
    message, code = error_message_from_body(payload)
    if message is None and isinstance(payload.get("response"), Mapping):  # response.failed
        message, code = error_message_from_body(payload["response"])
    text = "the server reported an error mid-reply"
    if message:
        text += f": {message}"
    return StreamInterruptedError(text, code=code)


__all__ = [
    "APIConnectionError", "APITimeoutError", "AuthenticationError", "BadRequestError", "ConflictError",
    "ContentPolicyError",
    "CreditsExhaustedError", "MalformedResponseError", "NotFoundError", "PermissionDeniedError",
    "RateLimitError", "ServerError", "StreamInterruptedError", "StreamStalledError", "XAIError",
    "error_from_status", "error_from_stream_payload", "error_message_from_body", "redact", "redact_key",
]
