"""Shared test set-up: every test runs with its own config/data folders and no real keyring.

Fixture families live in their own modules (fixtures_*.py), loaded below as pytest plugins.
"""

from __future__ import annotations

import logging
import os

import pytest

# Never touch the developer's real keyring: the fail backend raises NoKeyringError,
# tests that need a working keyring install an in-memory one themselves.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
for _var in ("XAI_API_KEY", "XAI_BASE_URL"):
    os.environ.pop(_var, None)
# Every emulator the tests start (in-process or `grokterm emulator` subprocesses) is strict: a request
# field or header with no documented source fails the test (grokterm/emulator/allowlist.py).
os.environ["GROKTERM_EMULATOR_STRICT"] = "1"


@pytest.fixture(autouse=True)
def isolated_user_files(tmp_path, monkeypatch):
    """Point every user-file path at a temp dir for the duration of a test."""
    home = tmp_path / "user"
    monkeypatch.setenv("GROKTERM_CONFIG", str(home / "config" / "config.toml"))
    monkeypatch.setenv("GROKTERM_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("GROKTERM_DB", str(home / "data" / "grokterm.db"))
    monkeypatch.setenv("GROKTERM_THEMES_DIR", str(home / "config" / "themes"))
    yield home
    for handler in list(logging.getLogger("grokterm").handlers):  # cli.main() set up a log in this test's dir
        logging.getLogger("grokterm").removeHandler(handler)
        handler.close()


# The fixture families (tests/fixtures_*.py), loaded as plugins so
# every test sees them without importing them (an import that fails must fail loudly, not vanish).
pytest_plugins = ["fixtures_emulator", "fixtures_keyring", "fixtures_store"]
