"""Store fixtures: a Store on the per-test database path, and a hand-driven clock.

Loaded by conftest.py as a pytest plugin.
"""

from __future__ import annotations

import pytest

from grokterm import paths
from grokterm.store import Store


class FakeClock:
    """A clock tests move by hand, so time-based behaviour needs no sleeping."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(isolated_user_files):
    """A fresh Store at paths.database_file() (a temp path set by conftest)."""
    opened = Store(paths.database_file())
    yield opened
    opened.close()


@pytest.fixture
def clocked_store(isolated_user_files, fake_clock):
    """A fresh Store whose notion of "now" is `fake_clock`."""
    opened = Store(paths.database_file(), clock=fake_clock)
    yield opened
    opened.close()


__all__ = ["FakeClock", "clocked_store", "fake_clock", "store"]
