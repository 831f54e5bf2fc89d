"""`grokterm responses list|show|delete|forget|continue` in a real subprocess against the emulator.

The database is the per-test one conftest points GROKTERM_DB at; turns are made in-process
with TurnRunner (as the TUI does), then the CLI reads and acts on the same file.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from grokterm import paths
from grokterm.chat.runner import TurnRunner
from grokterm.store import Store
from grokterm.xai.client import XAIClient
from tests.cli_helpers import interrupt_once_answering

MODEL = "grok-3"


def cli(emulator, *args: str, base_url: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grokterm", "responses", *args],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        env={**os.environ, "XAI_API_KEY": emulator.api_key, "XAI_BASE_URL": base_url or emulator.base_url},
    )


def cli_json(emulator, *args: str):
    result = cli(emulator, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
async def turns(emulator):
    """Three replies in one conversation: (store, [response ids])."""
    store = Store(paths.database_file())
    async with XAIClient(emulator.api_key, base_url=emulator.base_url, max_retries=0) as client:
        runner = TurnRunner(store, client)
        conversation = store.create_conversation(title="Tea party", model=MODEL)
        for prompt in ("my name is Ada", "I like tea", "!echo \x1b]0;pwned\x07clean text"):
            async for _ in runner.send(conversation.id, prompt, model=MODEL):
                pass
    ids = [m.response_id for m in store.list_messages(conversation.id) if m.role == "assistant"]
    assert len(ids) == 3 and all(ids)
    yield store, ids
    store.close()


async def test_list_reads_the_index_without_the_network(emulator, turns):
    _, ids = turns
    seen = len(emulator.state.requests)
    rows = cli_json(emulator, "list")
    assert [row["response_id"] for row in rows] == ids[::-1]
    assert {(row["status"], row["conversation_title"], row["model"]) for row in rows} == {("live", "Tea party", MODEL)}
    assert all(row["cost_ticks"] and 29 * 86400 < row["seconds_left"] <= 30 * 86400 for row in rows)
    assert cli(emulator).stdout == cli(emulator, "list").stdout != ""  # list is the default action
    text = cli(emulator, "list", "--sort", "created", "--asc")
    assert text.returncode == 0 and [line.split()[0] for line in text.stdout.splitlines()] == ids
    assert "\x1b" not in text.stdout and "\x07" not in text.stdout
    assert len(emulator.state.requests) == seen  # no API call


async def test_show_prints_the_stored_reply_and_its_chain(emulator, turns):
    _, ids = turns
    body = cli_json(emulator, "show", ids[2])
    assert body["response"]["id"] == ids[2] and body["response"]["previous_response_id"] == ids[1]
    assert body["index"]["status"] == "live" and body["index"]["checked_at"] is not None
    assert [link["response_id"] for link in body["chain"]] == ids[:2] and body["chain_complete"] is True
    text = cli(emulator, "show", ids[2])
    assert text.returncode == 0 and "clean text" in text.stdout
    assert "\x1b" not in text.stdout and "\x07" not in text.stdout and "pwned" not in text.stdout


async def test_show_of_an_unknown_id_exits_8_and_a_foreign_one_joins_the_index(emulator, emulator_http, turns):
    store, _ = turns
    missing = cli(emulator, "show", "no-such-id")
    assert missing.returncode == 8 and "not on the server" in missing.stderr
    foreign = emulator_http.post("/responses", json={"model": MODEL, "input": "!echo from elsewhere"}).json()
    body = cli_json(emulator, "show", foreign["id"])
    assert body["response"]["output"][-1]["content"][0]["text"] == "from elsewhere"
    assert store.get_response_entry(foreign["id"]).status == "live"


async def test_delete_then_get_is_404_and_the_row_says_deleted(emulator, emulator_http, turns):
    store, ids = turns
    body = cli_json(emulator, "delete", ids[0])
    assert body["deleted"] == [ids[0]] and body["not_found"] == []
    assert emulator_http.get(f"/responses/{ids[0]}").status_code == 404
    rows = {row["response_id"]: row for row in cli_json(emulator, "list")}
    assert rows[ids[0]]["status"] == "deleted" and rows[ids[1]]["status"] == "live"
    again = cli(emulator, "delete", ids[0])
    assert again.returncode == 8 and "deleted" in again.stderr
    assert store.get_response_entry(ids[0]).status == "deleted"
    forgot = cli_json(emulator, "forget", ids[0])
    assert forgot["forgotten"] == [ids[0]] and store.get_response_entry(ids[0]) is None


async def test_continue_streams_a_reply_chained_on_the_response(emulator, turns):
    store, ids = turns
    result = cli(emulator, "continue", ids[0], "!recall")
    assert result.returncode == 0, result.stderr
    request = [r for r in emulator.state.requests if r.path == "/v1/responses" and r.method == "POST"][-1]
    assert request.json["previous_response_id"] == ids[0]
    assert request.json["input"] == [{"role": "user", "content": "!recall"}]
    assert "my name is Ada" in result.stdout and "I like tea" not in result.stdout
    assert "new conversation" in result.stderr  # ids[0] is not the chain head: a branch
    body = cli_json(emulator, "continue", ids[2], "!echo \x1b[2Jsafe")
    assert body["new_conversation"] is False and body["previous_response_id"] == ids[2]
    assert body["text"] == "\x1b[2Jsafe"  # JSON escapes it; plain output would have dropped it
    recorded = store.get_message(store.get_response_entry(body["response_id"]).message_id)
    assert recorded.text == "\x1b[2Jsafe" and recorded.status == "complete"
    plain = cli(emulator, "continue", body["response_id"], "!echo \x1b[2Jsafe again")
    assert plain.returncode == 0 and plain.stdout == "safe again\n"


async def test_network_faults_exit_with_their_code_and_keep_the_index(emulator, turns):
    store, ids = turns
    before = store.list_responses()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    for args in (("show", ids[0]), ("delete", ids[0]), ("continue", ids[0], "hi"), ("list", "--check")):
        result = cli(emulator, *args, "--retries", "0", base_url=dead)
        assert result.returncode == 12, (args, result.stderr)
        assert "cannot connect" in result.stderr and emulator.api_key not in result.stderr
    assert store.list_responses() == before


async def test_list_filters_unstored_replies_as_the_browser_shows_them(emulator, turns):
    """A reply sent with store: false (chat completions here) lists as 'unstored' and only under
    --status unstored, never under --status unknown or live (as the TUI browser filters them)."""
    store, ids = turns
    async with XAIClient(emulator.api_key, base_url=emulator.base_url, max_retries=0, api_style="chat") as client:
        conversation = store.create_conversation(title="Unkept", model=MODEL)
        async for _ in TurnRunner(store, client).send(conversation.id, "!echo not kept", model=MODEL):
            pass
    unstored = [m.response_id for m in store.list_messages(conversation.id) if m.role == "assistant"]
    assert len(unstored) == 1 and unstored[0] and store.get_response_entry(unstored[0]).stored is False
    rows = cli_json(emulator, "list", "--status", "unstored")
    assert [(row["response_id"], row["status"]) for row in rows] == [(unstored[0], "unstored")]
    assert cli_json(emulator, "list", "--status", "unknown") == []
    assert [row["response_id"] for row in cli_json(emulator, "list", "--status", "live")] == ids[::-1]
    text = cli(emulator, "list", "--status", "unstored")
    assert text.returncode == 0 and text.stdout.split()[0] == unstored[0] and " unstored " in text.stdout


async def test_ctrl_c_during_continue_ends_the_line_and_keeps_the_reply(emulator_factory):
    slow = emulator_factory(speed=60.0)
    store = Store(paths.database_file())
    try:
        async with XAIClient(slow.api_key, base_url=slow.base_url, max_retries=0) as client:
            conversation = store.create_conversation(title="Slow", model=MODEL)
            async for _ in TurnRunner(store, client).send(conversation.id, "!echo hi", model=MODEL):
                pass
        [head] = [m.response_id for m in store.list_messages(conversation.id) if m.role == "assistant"]
        process = subprocess.Popen(
            [sys.executable, "-m", "grokterm", "responses", "continue", head, "!long 4000"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            env={**os.environ, "XAI_API_KEY": slow.api_key, "XAI_BASE_URL": slow.base_url},
        )
        out, err = interrupt_once_answering(process)
        assert process.returncode == 130 and err.endswith("grokterm: interrupted\n")
        assert out.endswith("\n") and not out.endswith("\n\n")
        reply = store.list_messages(conversation.id)[-1]
        assert reply.status == "stopped" and reply.text.startswith(out.rstrip("\n")[:10])
    finally:
        store.close()
