"""The TUI's launcher lets the OS keyring find its backend while the app imports, only when it will ask it."""

from __future__ import annotations

import argparse

import keyring
import pytest
from fixtures_keyring import KEY

from grokterm.config.credentials import warm_keyring
from grokterm.ui.launch import build_context, keyring_will_be_asked


def args(**given) -> argparse.Namespace:
    return argparse.Namespace(**{"demo": False, "api_key": None, "api_key_file": None, "base_url": None, **given})


@pytest.mark.parametrize(("given", "env", "asked"), [
    ({}, None, True),
    ({}, "xai-from-env", False),
    ({"demo": True}, None, False),
    ({"api_key": "xai-arg"}, None, False),
    ({"api_key_file": "/some/file"}, None, False),
    ({}, "   ", True),  # blank: not a key
])
def test_the_keyring_is_warmed_only_when_it_will_be_asked(monkeypatch, given, env, asked):
    if env is None:
        monkeypatch.delenv("XAI_API_KEY", raising=False)
    else:
        monkeypatch.setenv("XAI_API_KEY", env)
    assert keyring_will_be_asked(args(**given)) is asked


def test_a_warmed_keyring_still_gives_the_key(memory_keyring, monkeypatch):
    monkeypatch.delenv("XAI_API_KEY", raising=False)
    keyring.set_password("grokterm", "api-key", KEY)
    thread = warm_keyring()
    thread.join(timeout=30)
    assert not thread.is_alive()
    context = build_context(args())
    assert context.api_key is not None and context.api_key.reveal() == KEY and not context.show_welcome
