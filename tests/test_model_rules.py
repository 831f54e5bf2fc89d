"""Per-model rules (grokterm.xai.capabilities): never send a parameter the model rejects, and say so."""

from __future__ import annotations

import pytest
from test_cli_ask import ask

from grokterm.xai.capabilities import effort_to_send, rules_for
from grokterm.xai.wire import LanguageModel


def turn_bodies(emulator) -> list[dict]:
    return [r.json for r in emulator.state.requests if r.path in ("/v1/responses", "/v1/chat/completions")]


@pytest.mark.parametrize(("model", "effort", "sent"), [
    ("grok-3-mini", "high", "high"),
    ("grok-3-mini", "low", "low"),
    ("grok-3-mini-latest", "high", "high"),  # a documented alias
    ("grok-3-mini", "medium", None),  # grok-3-mini takes low or high only
    ("grok-4-0709", "high", None),  # "reasoning_effort is not supported by grok-3, grok-4 ..."
    ("grok-4", "low", None),
    ("grok-3", "low", None),
    ("grok-4-fast-reasoning", "high", None),
    ("some-future-model", "high", None),  # no document says it takes one
    ("grok-3-mini", None, None),
])
def test_effort_is_sent_only_where_the_reasoning_guide_allows_it(model, effort, sent):
    chosen, notice = effort_to_send(model, effort)
    assert chosen == sent
    assert bool(notice) == (effort is not None and sent is None)
    if notice:
        assert model in notice and effort in notice


def test_the_server_model_list_resolves_aliases_and_modalities():
    models = [LanguageModel(id="grok-3-mini", aliases=["mini-alias"], input_modalities=["text"]),
              LanguageModel(id="seer", input_modalities=["text", "image"], max_prompt_length=4096),
              LanguageModel(id="unknown-modalities", input_modalities=[])]
    assert effort_to_send("mini-alias", "high", models) == ("high", "")
    assert rules_for("mini-alias", models).accepts_images is False
    assert rules_for("seer", models).accepts_images is True
    assert rules_for("seer", models).context_window == 4096  # the server's own number wins
    assert rules_for("unknown-modalities", models).accepts_images is None
    assert rules_for("grok-2-vision-1212").context_window == 8192  # xAI "Models and Pricing" (2024)
    assert rules_for("grok-3").context_window is None  # no document gives one


def test_ask_never_sends_reasoning_effort_to_grok_4_0709_and_says_so(emulator):
    result = ask(emulator, "-m", "grok-4-0709", "--reasoning-effort", "high", "!echo fine")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"fine\n"
    assert b"grok-4-0709 does not take a reasoning effort" in result.stderr
    (body,) = turn_bodies(emulator)
    assert "reasoning" not in body and "reasoning_effort" not in body


def test_ask_sends_a_documented_effort_through_an_alias(emulator):
    result = ask(emulator, "-m", "grok-3-mini-beta", "--reasoning-effort", "low", "!echo fine")
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    (body,) = turn_bodies(emulator)
    assert body["reasoning"] == {"effort": "low"}
