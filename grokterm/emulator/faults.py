"""Fault injection: what can go wrong on purpose, and the `!fault SPEC` syntax.

Tests queue faults on the state (`state.push_fault(Fault(...))`), people and
subprocess tests use POST /_emulator/faults or a `!fault SPEC` directive in
the prompt. Status faults answer before any work is done; stream faults
(cut, stall, malformed, error_event) act on an SSE stream after `after`
events and are only taken by streaming requests.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from grokterm.emulator.errors import CREDITS_MESSAGE, ApiError, route_not_found

STATUS_KINDS = frozenset({"status", "credits"})
STREAM_KINDS = frozenset({"cut", "end", "stall", "malformed", "error_event"})
KINDS = STATUS_KINDS | STREAM_KINDS

DEFAULT_MESSAGES: dict[int, str] = {
    400: "Invalid request content: the emulator was told to reject this request.",
    401: "Missing or invalid Authorization header. Expected 'Authorization: Bearer <API key>'.",
    403: "The API key or its team is not allowed to use this endpoint.",
    429: "Rate limit exceeded. Please retry your request after a short wait.",
    500: "Internal server error.",
    502: "Bad gateway.",
    503: "The service is temporarily at capacity. Please retry your request shortly.",
    504: "The request timed out upstream.",
}


@dataclass
class Fault:
    """One injected fault.

    kind: "status" (HTTP `status`, optional `retry_after` seconds / `retry_after_ms` headers),
          "credits" (429, credits exhausted), "cut" (close the connection after `after` events,
          no terminator), "end" (finish the body cleanly after `after` events with no terminator,
          like a proxy that drops `data: [DONE]`), "stall" (pause `seconds` after `after` events),
          "malformed" (a non-JSON data line after `after` events), "error_event" (an error event after `after` events,
          then the stream ends).
    times: how many requests it hits. path: only requests whose path ends with it (None: any /v1 path).
    If a stream is shorter than `after`, cut/error_event still happen before the terminal event.
    """

    kind: str
    status: int | None = None
    retry_after: float | None = None
    retry_after_ms: float | None = None
    after: int = 0
    seconds: float = 5.0
    times: int = 1
    path: str | None = None
    message: str | None = None
    body: str | None = None  # status faults: reply with exactly this body (an event stream if it starts "data:")

    def __post_init__(self) -> None:
        self.kind = self.kind.replace("-", "_")
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r} (one of {', '.join(sorted(KINDS))})")
        if self.kind == "status":
            self.status = 500 if self.status is None else int(self.status)
            if not 400 <= self.status <= 599:
                raise ValueError(f"fault status must be 400..599, not {self.status}")
        if self.kind == "credits":
            self.status = 429
        if self.times < 1:
            raise ValueError("fault times must be >= 1")
        if self.after < 0 or self.seconds < 0:
            raise ValueError("fault after/seconds must be >= 0")

    @property
    def is_stream_fault(self) -> bool:
        return self.kind in STREAM_KINDS

    def matches(self, path: str, streaming: bool) -> bool:
        if self.is_stream_fault and not streaming:
            return False
        return self.path is None or path.rstrip("/").endswith(self.path.rstrip("/"))

    def as_error(self) -> ApiError:
        """The HTTP error reply of a status/credits fault."""
        if self.kind == "credits":
            return ApiError(429, self.message or CREDITS_MESSAGE)
        assert self.status is not None
        headers: dict[str, str] = {}
        if self.retry_after is not None:
            headers["retry-after"] = _number(self.retry_after)
        if self.retry_after_ms is not None:
            headers["retry-after-ms"] = _number(self.retry_after_ms)
        if self.body is not None:
            kind = "text/event-stream" if self.body.startswith("data:") else "text/plain"
            return ApiError(self.status, self.message or "", headers, raw=self.body.encode(), media_type=kind)
        if self.status == 404 and self.message is None:
            error = route_not_found()
            return ApiError(404, error.message, headers)
        message = self.message or DEFAULT_MESSAGES.get(self.status, f"HTTP {self.status}.")
        return ApiError(self.status, message, headers)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fault:
        """Build from admin JSON: the field names above, or {"spec": "429:retry=2", ...}."""
        data = dict(data)
        spec = data.pop("spec", None)
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        if spec is not None:
            fault = parse_fault_spec(str(spec))
            for key, value in data.items():
                setattr(fault, key, value)
            fault.__post_init__()
            return fault
        if "kind" not in data:
            raise ValueError("a fault needs `kind` or `spec`")
        return cls(**data)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def parse_fault_spec(spec: str) -> Fault:
    """Parse the `!fault` syntax.

    SPEC = HEAD[:VALUE][:key=value...]
      HEAD   401 | 404 | 429 | 500 | 503 (any 400-599) | credits | cut | end | stall | malformed | error-event
      VALUE  events before cut/end/malformed/error-event; seconds for stall
      keys   retry=SECONDS, retry-ms=MS, after=N (stall), times=N
    Examples: 429:retry=2, cut:5, stall:3:after=2, error-event:0, 503:times=3
    """
    parts = [p for p in spec.strip().split(":") if p != ""]
    if not parts:
        raise ValueError("empty fault spec")
    head, rest = parts[0].lower(), parts[1:]
    options: dict[str, str] = {}
    positional: list[str] = []
    for part in rest:
        if "=" in part:
            key, _, value = part.partition("=")
            options[key.strip().lower()] = value.strip()
        else:
            positional.append(part.strip())
    if len(positional) > 1:
        raise ValueError(f"too many values in fault spec {spec!r}")
    kwargs: dict[str, Any] = {}
    try:
        if head.isdigit():
            kwargs.update(kind="status", status=int(head))
        elif head == "credits":
            kwargs["kind"] = "credits"
        elif head.replace("-", "_") in STREAM_KINDS:
            kwargs["kind"] = head.replace("-", "_")
            if positional:
                key = "seconds" if kwargs["kind"] == "stall" else "after"
                kwargs[key] = float(positional[0]) if key == "seconds" else int(positional[0])
                positional = []
        else:
            raise ValueError(f"unknown fault {head!r}")
        if positional:
            raise ValueError(f"unexpected value {positional[0]!r} in fault spec {spec!r}")
        for key, value in options.items():
            if key in ("retry", "retry-after", "retry_after"):
                kwargs["retry_after"] = float(value)
            elif key in ("retry-ms", "retry_ms", "retry-after-ms", "retry_after_ms"):
                kwargs["retry_after_ms"] = float(value)
            elif key == "after":
                kwargs["after"] = int(value)
            elif key == "times":
                kwargs["times"] = int(value)
            elif key in ("seconds", "secs"):
                kwargs["seconds"] = float(value)
            else:
                raise ValueError(f"unknown fault option {key!r}")
    except ValueError as exc:
        if "fault" in str(exc):
            raise
        raise ValueError(f"bad number in fault spec {spec!r}") from exc
    return Fault(**kwargs)
