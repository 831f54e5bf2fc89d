"""API key and base URL resolution: order, keyring failures as clean errors, no key in any text."""

from __future__ import annotations

import pytest
from fixtures_keyring import KEY

from grokterm import config


def test_explicit_key_wins_then_environment_then_keyring(memory_keyring, monkeypatch) -> None:
    memory_keyring.set_password("grokterm", "api-key", "xai-from-keyring-000000000000")
    monkeypatch.setenv("XAI_API_KEY", "xai-from-env-0000000000000000")
    assert config.resolve_api_key(" xai-explicit ") == config.ApiKey("xai-explicit", "argument")
    assert config.resolve_api_key() == config.ApiKey("xai-from-env-0000000000000000", "environment")
    monkeypatch.delenv("XAI_API_KEY")
    assert config.resolve_api_key() == config.ApiKey("xai-from-keyring-000000000000", "keyring")


def test_store_and_clear_round_trip(memory_keyring) -> None:
    config.store_api_key(f"  {KEY}\n")
    assert memory_keyring.items == {("grokterm", "api-key"): KEY}
    assert config.read_keyring_key() == KEY
    assert config.clear_api_key() is True
    assert config.clear_api_key() is False  # nothing left to delete
    with pytest.raises(config.MissingApiKeyError, match="grokterm auth set"):
        config.resolve_api_key()
    with pytest.raises(config.ConfigError, match="empty"):
        config.store_api_key("   ")


def test_no_keyring_backend_is_a_clear_message() -> None:
    # conftest installs keyring's fail backend (NoKeyringError)
    with pytest.raises(config.MissingApiKeyError) as missing:
        config.resolve_api_key()
    assert "no API key" in str(missing.value) and "keyring unavailable" in str(missing.value)
    with pytest.raises(config.KeyringUnavailableError):
        config.store_api_key(KEY)
    with pytest.raises(config.KeyringUnavailableError):
        config.clear_api_key()


def test_any_backend_failure_is_wrapped_and_never_shows_the_key(broken_keyring) -> None:
    for call in (config.read_keyring_key, lambda: config.store_api_key(KEY), config.clear_api_key):
        with pytest.raises(config.KeyringUnavailableError) as info:
            call()
        message = str(info.value)
        assert "dbus went away" in message and KEY not in message and "\n" not in message
        assert info.value.__cause__ is None and info.value.__suppress_context__


def test_api_key_repr_is_redacted() -> None:
    key = config.ApiKey(KEY, "environment")
    assert KEY not in repr(key) and KEY not in str(key) and KEY not in f"{key!r}"
    assert key.redacted == "xai-…abcd"


def test_base_url_resolution(monkeypatch) -> None:
    assert config.resolve_base_url() == "https://api.x.ai/v1"
    monkeypatch.setenv("XAI_BASE_URL", "http://127.0.0.1:8080")
    assert config.resolve_base_url() == "http://127.0.0.1:8080/v1"
    assert config.resolve_base_url("https://proxy.example/v1/") == "https://proxy.example/v1"
