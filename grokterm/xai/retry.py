"""When to retry a failed request and how long to wait (mirrors openai-python v3).

Only failures before a reply started are retried: connection errors, timeouts
waiting for the answer, HTTP 408/409/429/5xx. Never 400/401/403/404/422, never
"credits exhausted" (waiting will not add credits), never a stream that already
produced output. Delay: the server's `retry-after-ms` / `retry-after` when it is
in (0, 120] s, no retry at all when it is longer; otherwise exponential backoff
min(0.5·2^n, 8)·(1 − 0.25·random). A server header `x-should-retry` overrides.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from grokterm import defaults
from grokterm.xai.errors import XAIError

RETRY_AFTER_CAP = 120.0


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Seconds the server asked us to wait (`retry-after-ms`, then `retry-after`), or None."""
    if not headers:
        return None
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return float(value) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - datetime.now(UTC)).total_seconds()


@dataclass
class RetryPolicy:
    max_retries: int = defaults.MAX_RETRIES
    random: Callable[[], float] = field(default=random.random)

    def backoff(self, retries_done: int) -> float:
        return min(0.5 * 2.0**retries_done, 8.0) * (1 - 0.25 * self.random())

    def next_delay(
        self, error: XAIError, retries_done: int, headers: Mapping[str, str] | None = None
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        if retries_done >= self.max_retries:
            return None
        should = (headers or {}).get("x-should-retry")
        if should == "false":
            return None
        if should != "true" and not error.retryable:
            return None
        wait = retry_after_seconds(headers)
        if wait is not None and wait > RETRY_AFTER_CAP:
            return None
        if wait is not None and wait > 0:
            return wait
        return self.backoff(retries_done)
