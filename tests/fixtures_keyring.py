"""Keyring fixtures: a working in-memory keyring and one that fails like a dead D-Bus.

Loaded by conftest.py as a pytest plugin (conftest installs keyring's failing backend by default).
"""

from __future__ import annotations

import keyring
import keyring.backend
import keyring.errors
import pytest

KEY = "xai-TESTtestTESTtest1234567890abcd"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A working in-memory keyring for tests (conftest installs the failing one)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.items:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.items[(service, username)]


class BrokenKeyring(MemoryKeyring):
    """A backend failing the way D-Bus/secret-service backends do (not a KeyringError)."""

    def _fail(self, *args: str) -> None:
        raise RuntimeError(f"dbus went away while handling {KEY}")

    get_password = set_password = delete_password = _fail  # type: ignore[assignment]


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def broken_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    yield
    keyring.set_keyring(previous)
