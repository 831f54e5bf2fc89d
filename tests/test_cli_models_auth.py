"""`grokterm models` and `grokterm auth set|status|clear`, run in-process against the emulator."""

from __future__ import annotations

import io
import json

import pytest

from grokterm import config
from grokterm.cli import main
from grokterm.commands.models_cmd import per_million
from grokterm.emulator.faults import Fault

NEW_KEY = "xai-NEWnewNEWnew0123456789abcdefgh"


def connection(emulator) -> list[str]:
    return ["--base-url", emulator.base_url, "--api-key", emulator.api_key]


def test_models_table(emulator, capsys) -> None:
    assert main(["models", *connection(emulator)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["MODEL", "ALIASES", "INPUT", "OUTPUT", "$/M", "IN", "$/M", "CACHED", "$/M", "OUT"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert "[vision]" in rows["grok-2-vision-1212"] and "text,image" in rows["grok-2-vision-1212"]
    assert "[vision]" not in rows["grok-3-mini"]
    assert rows["grok-3-mini"].split()[-3:] == ["0.30", "0.075", "0.50"]
    assert "grok-3-mini-latest" in rows["grok-3-mini"]


def test_models_json(emulator, capsys) -> None:
    assert main(["models", "--json", *connection(emulator)]) == 0
    models = {m["id"]: m for m in json.loads(capsys.readouterr().out)}
    assert models["grok-3-mini"]["prompt_text_token_price"] == 3000
    assert "image" in models["grok-2-vision-1212"]["input_modalities"]


def test_models_errors_map_to_exit_codes(emulator, capsys) -> None:
    emulator.state.push_fault(Fault(kind="status", status=401))
    assert main(["models", *connection(emulator)]) == 4
    assert capsys.readouterr().err.startswith("grokterm: API key rejected")


@pytest.mark.parametrize("price, text", [(3000, "0.30"), (750, "0.075"), (150000, "15.00"), (200, "0.02"),
                                         (0, "0.00"), (None, "?")])
def test_per_million(price, text) -> None:
    assert per_million(price) == text


def test_auth_set_status_clear(emulator, memory_keyring, monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{emulator.api_key}\n"))
    assert main(["auth", "set"]) == 0
    out = capsys.readouterr().out
    assert emulator.api_key not in out and "stored" in out
    assert memory_keyring.items == {("grokterm", "api-key"): emulator.api_key}

    assert main(["auth", "status", "--base-url", emulator.base_url]) == 0
    out = capsys.readouterr().out
    assert "(from keyring)" in out and "status:   active" in out and "grokterm emulator key" in out
    assert emulator.api_key not in out
    assert emulator.state.requests[-1].path == "/v1/api-key"

    assert main(["auth", "clear"]) == 0
    assert "removed" in capsys.readouterr().out and memory_keyring.items == {}
    assert main(["auth", "clear"]) == 0
    assert "no API key was stored" in capsys.readouterr().out


def test_auth_status_with_a_rejected_key_never_prints_it(emulator, capsys, monkeypatch) -> None:
    monkeypatch.setenv("XAI_API_KEY", NEW_KEY)
    assert main(["auth", "status", "--base-url", emulator.base_url]) == 4
    captured = capsys.readouterr()
    assert "API key rejected" in captured.err and NEW_KEY not in captured.err + captured.out


def test_auth_without_a_keyring_gives_a_clear_message(capsys, monkeypatch) -> None:
    # conftest installs keyring's fail backend
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW_KEY))
    assert main(["auth", "set"]) == 3
    err = capsys.readouterr().err
    assert "keyring unavailable" in err and "XAI_API_KEY" in err and NEW_KEY not in err
    assert main(["auth", "clear"]) == 3
    assert main(["auth", "status"]) == 3
    assert "no API key" in capsys.readouterr().err


def test_auth_set_refuses_an_empty_key(memory_keyring, monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert main(["auth", "set"]) == 2
    assert memory_keyring.items == {} and "no key entered" in capsys.readouterr().err
    with pytest.raises(config.MissingApiKeyError):
        config.resolve_api_key()
