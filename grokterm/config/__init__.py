"""grokterm's configuration: the API key and base URL (`credentials`), config.toml (`settings`).

`from grokterm import config` gives the credentials API below (small, imported eagerly);
config.toml's model and its loading live in `grokterm.config.settings` (pydantic and
tomlkit: imported only where settings are needed, to keep start-up light).
"""

from __future__ import annotations

from grokterm.config.credentials import (
    KEYRING_SERVICE,
    KEYRING_USERNAME,
    ApiKey,
    ConfigError,
    KeyringUnavailableError,
    KeySource,
    MissingApiKeyError,
    clear_api_key,
    key_from_args,
    read_keyring_key,
    resolve_api_key,
    resolve_base_url,
    store_api_key,
)

__all__ = [
    "KEYRING_SERVICE",
    "KEYRING_USERNAME",
    "ApiKey",
    "ConfigError",
    "KeySource",
    "KeyringUnavailableError",
    "MissingApiKeyError",
    "clear_api_key",
    "key_from_args",
    "read_keyring_key",
    "resolve_api_key",
    "resolve_base_url",
    "store_api_key",
]
