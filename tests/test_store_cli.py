"""`grokterm history`, `export` and `import` through the real CLI entry point."""

from __future__ import annotations

import json
import stat

import pytest

from grokterm.cli import main
from grokterm.store import NewImage


def _seed(store):
    turn = store.start_turn("Plan a trip to Kyoto", model="grok-4",
                            images=[NewImage(b"map-bytes", "image/png", "map.png")])
    store.finish_message(turn.assistant_message_id, "complete", text="Visit \x1b[2J temples in spring.",
                         response_id="resp-kyoto")
    other = store.start_turn("Fix my bash script", model="grok-3")
    store.finish_message(other.assistant_message_id, "complete", text="Quote your variables.")
    return turn.conversation_id, other.conversation_id


def test_history_list_text_and_json(store, capsys):
    kyoto, bash = _seed(store)
    store.archive_conversation(bash)
    assert main(["history"]) == 0
    out = capsys.readouterr().out
    assert "Plan a trip to Kyoto" in out and "Fix my bash script" not in out
    assert main(["history", "list", "--all", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {c["id"] for c in listed} == {kyoto, bash}
    assert main(["history", "--json", "list", "--archived"]) == 0
    assert [c["title"] for c in json.loads(capsys.readouterr().out)] == ["Fix my bash script"]


def test_history_search_strips_terminal_escapes(store, capsys):
    kyoto, _ = _seed(store)
    assert main(["history", "search", "temples", "spring"]) == 0
    out = capsys.readouterr().out
    assert "Plan a trip to Kyoto" in out and "temples in spring" in out
    assert "\x1b" not in out and "[2J" not in out  # model text cannot drive the terminal
    assert main(["history", "search", "--json", "kyoto"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert [(h["conversation_id"], h["role"], h["matches"]) for h in hits] == [(kyoto, "user", ["Kyoto"])]
    assert main(["history", "search", '"-*']) == 0
    assert "no messages match" in capsys.readouterr().out


def test_export_markdown_to_stdout_and_json_to_a_private_file(store, capsys, tmp_path):
    kyoto, _ = _seed(store)
    assert main(["export", str(kyoto)]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# Plan a trip to Kyoto") and "](images/" in md
    target = tmp_path / "kyoto.json"
    assert main(["export", store.get_conversation(kyoto).uid[:10], "-o", str(target)]) == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    document = json.loads(target.read_text())
    assert document["format"] == "grokterm-conversation"
    assert document["messages"][0]["attachments"][0]["data_base64"]


def test_import_round_trip_through_the_cli(store, capsys, tmp_path):
    kyoto, _ = _seed(store)
    target = tmp_path / "k.json"
    assert main(["export", str(kyoto), "--format", "json", "-o", str(target)]) == 0
    capsys.readouterr()
    assert main(["import", str(target)]) == 0
    out = capsys.readouterr().out
    assert "imported 'Plan a trip to Kyoto'" in out and "(2 messages)" in out
    copies = [c for c in store.list_conversations() if c.title == "Plan a trip to Kyoto"]
    assert len(copies) == 2
    texts = [[m.text for m in store.list_messages(c.id)] for c in copies]
    assert texts[0] == texts[1]


def test_errors_are_one_line_with_exit_status_1(store, capsys, tmp_path):
    assert main(["export", "424242"]) == 1
    assert "no conversation '424242'" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "nope"}')
    assert main(["import", str(bad)]) == 1
    assert "not a grokterm conversation export" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "missing.json")]) == 1
    assert "cannot read" in capsys.readouterr().err


async def test_turn_options_travel_with_export_and_import(store, capsys, tmp_path, emulator):
    """The TUI's per-conversation turn options are in the JSON export, come back on import (and are
    sent on the imported conversation's next turn); an export without them imports with the defaults."""
    from grokterm.chat.options import TurnOptions, load_options, save_options
    from grokterm.chat.runner import TurnRunner
    from grokterm.xai.client import XAIClient

    kyoto, _ = _seed(store)
    save_options(store, kyoto, TurnOptions("low", 0.5, 64))
    target = tmp_path / "k.json"
    assert main(["export", str(kyoto), "--format", "json", "-o", str(target)]) == 0
    document = json.loads(target.read_text())
    assert document["version"] == 1  # an added optional field: older grokterms still read the file
    assert document["conversation"]["options"] == {"reasoning_effort": "low", "temperature": 0.5,
                                                   "max_output_tokens": 64}
    assert main(["import", str(target)]) == 0
    copy = max(c.id for c in store.list_conversations())
    assert copy != kyoto and load_options(store, copy) == TurnOptions("low", 0.5, 64)
    async with XAIClient(emulator.api_key, base_url=emulator.base_url, max_retries=0) as client:
        async for _ in TurnRunner(store, client).send(copy, "!echo hi", model="grok-3-mini"):
            pass
    sent = [r.json for r in emulator.state.requests if r.path == "/v1/responses"][-1]
    assert (sent["temperature"], sent["max_output_tokens"], sent["reasoning"]["effort"]) == (0.5, 64, "low")
    del document["conversation"]["options"]  # an export written before options were carried
    target.write_text(json.dumps(document))
    capsys.readouterr()
    assert main(["import", str(target)]) == 0
    older = max(c.id for c in store.list_conversations())
    assert older not in (kyoto, copy) and load_options(store, older) == TurnOptions()


@pytest.mark.parametrize("env, bold", [({}, True), ({"NO_COLOR": "1"}, False), ({"TERM": "dumb"}, False)])
def test_history_search_bolds_matches_on_a_terminal_unless_no_color(store, env, bold):
    """Matches are bold only on a terminal (a real pty here), and never with NO_COLOR or TERM=dumb."""
    import os
    import pty
    import subprocess
    import sys

    _seed(store)
    master, slave = pty.openpty()
    try:
        environment = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
        environment.update({"TERM": "xterm-256color", **env})
        result = subprocess.run([sys.executable, "-m", "grokterm", "history", "search", "kyoto"], stdout=slave,
                                stderr=subprocess.PIPE, env=environment, timeout=60)
        assert result.returncode == 0, result.stderr
        os.close(slave)
        slave = -1
        out = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the pty's other end is closed and drained
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)
    assert b"Kyoto" in out and (b"\x1b[1mKyoto\x1b[22m" in out) == bold, out
