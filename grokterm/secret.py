"""Secrets (the API key) in a type that never shows them, and the redaction every message goes through.

`Secret` holds the key; its `repr`/`str` are redacted (`Secret('xai-…b14o')`), so a
traceback that prints locals (Textual's does), a dataclass repr (`AppContext(...)`)
or a log line cannot leak it. Only `reveal()` gives the value, at the one place that
builds the Authorization header. Every Secret registers its value, and `redact()`
removes registered values whatever their shape (a proxy key need not start with
`xai-`), plus anything that looks like a key (known prefixes, `Bearer …`,
`api_key=…`), from any text we show or store (error messages, `messages.error`).
`SecretFilter` does the same for text that arrives in pieces (a reply echoing the key).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_KNOWN: set[str] = set()  # every secret value this process has held (redacted wherever it appears)
_MIN_SECRET = 8  # shorter "secrets" (test keys like "k") would redact ordinary words

# Key shapes of common providers and proxies: xai-, sk-/sk-proj-/sk-ant-, gsk_, pk-/rk-, AIza…, ghp_…
_KEY_PATTERN = re.compile(
    r"\b(?:xai|sk|sk-proj|sk-ant|gsk|pk|rk|sess|key|api)[-_][A-Za-z0-9_\-]{12,}"
    r"|\bAIza[0-9A-Za-z_\-]{30,}|\bgh[pousr]_[A-Za-z0-9]{30,}"
)
_BEARER_PATTERN = re.compile(r"(?i)(bearer\s+)(?!<)[^\s\"',}]+")  # keeps placeholders like <API key>
_ASSIGNED_PATTERN = re.compile(
    r"(?i)((?:x-)?(?:api[-_ ]?key|access[-_ ]?token|secret|password|authorization)[\"']?\s*[:=]\s*[\"']?)"
    r"(?!<|\*\*\*)([^\s\"',}]{6,})"
)


def redact_key(key: str | None) -> str:
    """A display form of a key that is safe to show: `xai-…b14o`."""
    if not key:
        return "(none)"
    key = key.strip()
    prefix = "xai-" if key.startswith("xai-") else ""
    return f"{prefix}…{key[-4:]}" if len(key) >= 12 else f"{prefix}…"


def register(value: str) -> None:
    """Remember `value` as a secret: `redact()` removes it from every text from now on."""
    value = value.strip()
    if len(value) >= _MIN_SECRET:
        _KNOWN.add(value)


def known_secrets() -> bool:
    """Whether any secret is registered (streams skip the filter when none is)."""
    return bool(_KNOWN)


def redact(text: str, secrets: Iterable[str | Secret | None] = (), *, shapes: bool = True) -> str:
    """`text` without the given or registered secrets and, with `shapes`, without anything key- or
    bearer-shaped (error messages; not model replies, where `sk-…` may be an example)."""
    if not text:
        return text
    values = {s.reveal() if isinstance(s, Secret) else s for s in secrets} | _KNOWN
    for secret in sorted((v for v in values if v and len(v) >= 4), key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, redact_key(secret))
    if not shapes:
        return text
    text = _KEY_PATTERN.sub(lambda m: redact_key(m.group(0)), text)
    text = _BEARER_PATTERN.sub(r"\1***", text)
    return _ASSIGNED_PATTERN.sub(r"\1***", text)


class Secret:
    """A secret string whose repr/str never show it; `reveal()` returns the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str | Secret) -> None:
        self._value = value.reveal() if isinstance(value, Secret) else value.strip()
        register(self._value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({redact_key(self._value)!r})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return other._value == self._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple:
        raise TypeError("a Secret cannot be pickled")


def reveal(value: str | Secret | None) -> str:
    """The plain value of a key given as str or Secret ('' for None)."""
    if value is None:
        return ""
    return value.reveal() if isinstance(value, Secret) else value


class SecretFilter:
    """`redact()` for streamed text: a secret split across deltas is still caught.

    The tail that could be the start of a registered secret is held back (at most
    the longest secret's length) until the next piece decides; call `flush()` at the end.
    """

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, chunk: str) -> str:
        text = self._pending + chunk if self._pending else chunk
        self._pending = ""
        hold = 0
        for secret in _KNOWN:
            if secret in text:
                text = text.replace(secret, redact_key(secret))
            if secret[0] not in text[-len(secret):]:
                continue  # the cheap common case: no possible start of this secret in the tail
            for size in range(min(len(secret) - 1, len(text)), hold, -1):
                if text.endswith(secret[:size]):
                    hold = size
                    break
        if hold:
            self._pending, text = text[-hold:], text[:-hold]
        return text

    def flush(self) -> str:
        text, self._pending = self._pending, ""
        return redact(text, shapes=False)
