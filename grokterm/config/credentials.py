"""The API key and the base URL: where they come from, in which order (config.toml: .settings).

The API key lives only in `--api-key`, `$XAI_API_KEY` or the OS keyring
(service "grokterm", username "api-key"), looked up in that order, and is
never written to a file by us. Keyring trouble of any kind (no backend,
locked, D-Bus down) becomes a `KeyringUnavailableError` with a one-line
message, never a traceback. `keyring` is imported lazily: it is slow to load
and most commands with `$XAI_API_KEY` set never need it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from grokterm import defaults
from grokterm.xai.errors import redact, redact_key
from grokterm.xai.urls import normalize_base_url

if TYPE_CHECKING:

    pass

KEYRING_SERVICE = "grokterm"
KEYRING_USERNAME = "api-key"

KeySource = Literal["argument", "environment", "keyring"]


class ConfigError(Exception):
    """A setting is missing or unusable; `str(e)` is one line for the user."""


class KeyringUnavailableError(ConfigError):
    pass


class MissingApiKeyError(ConfigError):
    pass


@dataclass(frozen=True)
class ApiKey:
    """A resolved key and where it came from; its repr never shows the key."""

    value: str
    source: KeySource

    def __post_init__(self) -> None:
        from grokterm.logs import add_secret

        add_secret(self.value)  # whatever its shape, the key in use never reaches the debug log

    @property
    def redacted(self) -> str:
        return redact_key(self.value)

    def __repr__(self) -> str:
        return f"ApiKey({self.redacted}, source={self.source!r})"

    __str__ = __repr__


def _keyring_call(action: str, func: Callable[..., Any], *args: str) -> Any:
    """Run `func(keyring, *args)`; any failure becomes a one-line KeyringUnavailableError."""
    try:
        import keyring
        import keyring.errors
    except Exception as exc:
        raise KeyringUnavailableError(f"OS keyring unavailable, cannot {action}: {type(exc).__name__}") from None
    try:
        return func(keyring, *args)
    except Exception as exc:
        text = str(exc).strip()
        detail = redact(text.splitlines()[0].split(". ")[0] if text else type(exc).__name__, args)
        raise KeyringUnavailableError(f"OS keyring unavailable, cannot {action}: {detail}") from None


def read_keyring_key() -> str | None:
    """The key stored in the OS keyring, or None; raises KeyringUnavailableError."""
    value = _keyring_call("read the API key", lambda kr: kr.get_password(KEYRING_SERVICE, KEYRING_USERNAME))
    return (value.strip() or None) if value else None


def store_api_key(key: str) -> None:
    """Save the key in the OS keyring; raises KeyringUnavailableError."""
    key = key.strip()
    if not key:
        raise ConfigError("empty API key: nothing stored")
    _keyring_call(
        "store the API key", lambda kr, k: kr.set_password(KEYRING_SERVICE, KEYRING_USERNAME, k), key
    )


def clear_api_key() -> bool:
    """Remove the key from the keyring; True if one was there. Raises KeyringUnavailableError."""

    def delete(kr: Any) -> bool:
        try:
            kr.delete_password(KEYRING_SERVICE, KEYRING_USERNAME)
        except kr.errors.PasswordDeleteError:
            return False
        return True

    return bool(_keyring_call("remove the API key", delete))


def resolve_api_key(explicit: str | None = None) -> ApiKey:
    """`--api-key`, then `$XAI_API_KEY`, then the keyring; raises MissingApiKeyError with the reason."""
    if explicit and explicit.strip():
        return ApiKey(explicit.strip(), "argument")
    env = os.environ.get("XAI_API_KEY", "").strip()
    if env:
        return ApiKey(env, "environment")
    try:
        stored = read_keyring_key()
    except KeyringUnavailableError as exc:
        raise MissingApiKeyError(
            f"no API key: set XAI_API_KEY or pass --api-key ({exc})"
        ) from None
    if stored:
        return ApiKey(stored, "keyring")
    raise MissingApiKeyError(
        "no API key: set XAI_API_KEY, pass --api-key, or store one with `grokterm auth set`"
    )


def resolve_base_url(explicit: str | None = None, configured: str | None = None) -> str:
    """`--base-url`, then `$XAI_BASE_URL`, then `configured` (the settings' profile), then
    https://api.x.ai/v1; normalised to end in /v1."""
    for candidate in (explicit, os.environ.get("XAI_BASE_URL"), configured):
        if candidate and candidate.strip():
            return normalize_base_url(candidate)
    return defaults.BASE_URL
