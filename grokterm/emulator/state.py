"""Everything the emulator remembers, shared safely between its thread and the tests.

The server runs on its own thread; tests push faults, advance the clock and
read the request log from the test thread. One lock guards all of it, and a
condition lets tests wait for requests instead of sleeping.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from grokterm.emulator.context import ContextMessage
from grokterm.emulator.faults import Fault

RESPONSE_TTL_SECONDS = 30 * 24 * 3600
MAX_GENERATED_IMAGES = 64


@dataclass(frozen=True)
class SeenRequest:
    """One request to /v1/..., as the server saw it (the authorization header is never kept)."""

    method: str
    path: str
    json: Any  # parsed JSON body, or None
    headers: dict[str, str]  # lower-case names
    received_at: float = field(default_factory=time.monotonic)


@dataclass
class StoredResponse:
    """A stored /v1/responses object plus the context needed to continue it."""

    id: str
    body: dict  # the final response object, as GET returns it
    context: tuple[ContextMessage, ...]  # the turn's full input context (earlier turns included)
    output_text: str
    created_at: float  # emulator clock

    def continued_context(self) -> list[ContextMessage]:
        """Context for a turn that sets previous_response_id to this one."""
        return [*self.context, ContextMessage("assistant", self.output_text)]


class EmulatorState:
    """Thread-safe emulator state: request log, fault queue, stored responses, clock, prompt cache."""

    def __init__(self, api_key: str, speed: float = 0.0, first_token_delay: float = 0.0, strict: bool = False):
        self.api_key = api_key
        self._defaults = (speed, first_token_delay, strict)
        self.strict = strict  # reject undocumented request fields/headers (grokterm/emulator/allowlist.py)
        self.report_cost = True  # usage carries cost_in_usd_ticks (False: like 2025 recordings)
        self.speed = speed  # tokens per second, 0 = unlimited
        self.first_token_delay = first_token_delay
        self._lock = threading.Lock()
        self._seen = threading.Condition(self._lock)
        self._requests: list[SeenRequest] = []
        self._faults: list[Fault] = []
        self._responses: dict[str, StoredResponse] = {}
        self._clock_offset = 0.0
        self._prefixes: set[bytes] = set()
        self._directive_hits: dict[bytes, int] = {}
        self._images: dict[str, bytes] = {}

    # ------------------------------------------------------------ reset / clock

    def reset(self) -> None:
        """Forget everything a test may have changed (faults, requests, responses, clock, speed, strictness)."""
        with self._lock:
            self._requests.clear()
            self._faults.clear()
            self._responses.clear()
            self._clock_offset = 0.0
            self._prefixes.clear()
            self._directive_hits.clear()
            self._images.clear()
            self.speed, self.first_token_delay, self.strict = self._defaults
            self.report_cost = True

    def clock_now(self) -> float:
        """Wall time plus the offset tests added with clock_advance()."""
        with self._lock:
            return time.time() + self._clock_offset

    def clock_advance(self, seconds: float) -> None:
        with self._lock:
            self._clock_offset += seconds

    # ------------------------------------------------------------ requests

    def record(self, request: SeenRequest) -> None:
        with self._seen:
            self._requests.append(request)
            self._seen.notify_all()

    @property
    def requests(self) -> list[SeenRequest]:
        """A snapshot of every /v1 request seen since the last reset, oldest first."""
        with self._lock:
            return list(self._requests)

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> bool:
        """Block until at least `count` requests were seen; False on timeout."""
        with self._seen:
            return self._seen.wait_for(lambda: len(self._requests) >= count, timeout)

    # ------------------------------------------------------------ faults

    def push_fault(self, fault: Fault) -> None:
        """Queue a fault; a copy is kept, so the caller's object is never changed."""
        with self._lock:
            self._faults.append(dataclasses.replace(fault))

    @property
    def faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take_fault(self, path: str, streaming: bool) -> Fault | None:
        """The first queued fault matching this request, counted against its `times`."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.matches(path, streaming):
                    fault.times -= 1
                    if fault.times <= 0:
                        del self._faults[index]
                    return fault
        return None

    def directive_fault_fires(self, raw_body: bytes, fault: Fault) -> bool:
        """A `!fault` directive hits the first `times` requests with an identical body."""
        key = hashlib.sha1(raw_body).digest()
        with self._lock:
            hits = self._directive_hits.get(key, 0)
            if hits >= fault.times:
                return False
            self._directive_hits[key] = hits + 1
            return True

    # ------------------------------------------------------------ stored responses

    def store_response(self, stored: StoredResponse) -> None:
        with self._lock:
            self._responses[stored.id] = stored

    def get_response(self, response_id: str) -> StoredResponse | None:
        """The stored response, or None when unknown, deleted or older than 30 days."""
        with self._lock:
            stored = self._responses.get(response_id)
            if stored is None:
                return None
            if time.time() + self._clock_offset - stored.created_at > RESPONSE_TTL_SECONDS:
                del self._responses[response_id]
                return None
            return stored

    def delete_response(self, response_id: str) -> bool:
        if self.get_response(response_id) is None:
            return False
        with self._lock:
            return self._responses.pop(response_id, None) is not None

    @property
    def responses(self) -> dict[str, StoredResponse]:
        """A snapshot of the stored responses by id (expired ones included until looked up)."""
        with self._lock:
            return dict(self._responses)

    # ------------------------------------------------------------ prompt cache

    def cached_prefix(self, model_id: str, context: list[ContextMessage]) -> int:
        """How many leading messages of `context` were seen before (same model): they count as cached."""
        cached = 0
        with self._lock:
            for count, key in enumerate(_prefix_keys(model_id, context), 1):
                if key in self._prefixes:
                    cached = count
        return cached

    def remember_prefixes(self, model_id: str, context: list[ContextMessage]) -> None:
        with self._lock:
            self._prefixes.update(_prefix_keys(model_id, context))

    # ------------------------------------------------------------ generated images

    def keep_image(self, name: str, data: bytes) -> None:
        with self._lock:
            self._images[name] = data
            while len(self._images) > MAX_GENERATED_IMAGES:
                del self._images[next(iter(self._images))]

    def image(self, name: str) -> bytes | None:
        with self._lock:
            return self._images.get(name)


def _prefix_keys(model_id: str, context: list[ContextMessage]) -> list[bytes]:
    keys = []
    running = hashlib.sha1(model_id.encode())
    for message in context:
        running.update(message.cache_key())
        keys.append(running.copy().digest())
    return keys
