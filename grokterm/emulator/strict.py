"""Strict mode: reject any request field, query parameter or header the allowlist has no source for.

The tables live in grokterm/emulator/allowlist.py; this module only walks a
request against them. The 400 names the first unknown item with its full
path (`messages[1].content[0].bogus`), so a test failure says what to
document or stop sending.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from grokterm.emulator.allowlist import (
    ALLOWED_FIELDS,
    ALLOWED_HEADER_PREFIXES,
    ALLOWED_HEADERS,
    ALLOWED_QUERY,
)
from grokterm.emulator.errors import ApiError

STRICT_ENV = "GROKTERM_EMULATOR_STRICT"


def strict_from_env() -> bool:
    """The default for new emulators: `GROKTERM_EMULATOR_STRICT=1` makes them strict."""
    return os.environ.get(STRICT_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _rejected(what: str) -> ApiError:
    return ApiError(400, f"Argument not supported: {what} (strict emulator: no documented source for it)")


def unknown_header(names: Iterable[str]) -> str | None:
    """The first header name with no documented source, or None."""
    for name in names:
        lower = name.lower()
        if lower in ALLOWED_HEADERS or any(lower.startswith(p) for p in ALLOWED_HEADER_PREFIXES):
            continue
        return lower
    return None


def unknown_field(body: object, allowed: Mapping[str, str]) -> str | None:
    """The display path of the first body field not covered by `allowed`, or None."""
    return _walk(body, "", "", allowed)


def _walk(value: object, pattern: str, shown: str, allowed: Mapping[str, str]) -> str | None:
    if pattern and f"{pattern}.*" in allowed:
        return None  # free-form below this point
    if isinstance(value, dict):
        for key, child in value.items():
            child_pattern = f"{pattern}.{key}" if pattern else str(key)
            child_shown = f"{shown}.{key}" if shown else str(key)
            if child_pattern not in allowed and f"{child_pattern}.*" not in allowed:
                return child_shown
            found = _walk(child, child_pattern, child_shown, allowed)
            if found:
                return found
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found = _walk(child, f"{pattern}[]", f"{shown}[{index}]", allowed)
            if found:
                return found
    return None


def check_request(endpoint: str, body: object, headers: Iterable[str], query: Iterable[str]) -> None:
    """Raise a 400 ApiError naming the first undocumented header, query parameter or body field.

    `endpoint` is "METHOD /route/{template}" as in ALLOWED_FIELDS.
    """
    header = unknown_header(headers)
    if header is not None:
        raise _rejected(f"header `{header}`")
    allowed_query = ALLOWED_QUERY.get(endpoint, {})
    for name in query:
        if name not in allowed_query:
            raise _rejected(f"query parameter `{name}`")
    if body is None:
        return
    allowed = ALLOWED_FIELDS.get(endpoint, {})
    if isinstance(body, dict):
        field = unknown_field(body, allowed)
        if field is not None:
            raise _rejected(f"field `{field}`")
