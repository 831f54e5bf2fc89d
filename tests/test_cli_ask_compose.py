"""`grokterm ask` as terminal people use it: piped text plus a question, conversations continued from
the CLI (`-c`, `--cid`), titled and marked as started by `ask`. Real subprocesses, loopback emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from test_cli_ask import ask, run_cli
from test_cli_global_options import first_line_then_close

from grokterm.store import Store
from grokterm.store.display import origin_label
from grokterm.ui.screens.conversations_screen import Entry, entry_label


def open_store() -> Store:
    return Store(Path(os.environ["GROKTERM_DB"]))


def user_input(emulator) -> list:
    return emulator.state.requests[-1].json["input"]


def test_piped_text_then_the_question_are_both_sent_and_the_question_titles_it(emulator) -> None:
    result = ask(emulator, "What does it say?", stdin="line one\nline two\n")
    assert result.returncode == 0, result.stderr
    assert user_input(emulator) == [{"role": "user", "content": "line one\nline two\n\nWhat does it say?"}]
    with open_store() as store:
        [conversation] = store.list_conversations()
        assert conversation.title == "What does it say?"  # not "line one"
        assert conversation.origin == "ask"
        [question, _reply] = store.list_messages(conversation.id)
        assert question.text == "line one\nline two\n\nWhat does it say?"


def test_only_piped_text_is_the_question_and_empty_stdin_changes_nothing(emulator) -> None:
    piped = ask(emulator, stdin="!echo from the pipe\n")
    assert piped.returncode == 0 and piped.stdout == b"from the pipe\n", piped.stderr
    argument = ask(emulator, "!echo from the argument", stdin="  \n")
    assert argument.returncode == 0 and argument.stdout == b"from the argument\n", argument.stderr
    assert user_input(emulator) == [{"role": "user", "content": "!echo from the argument"}]


def test_no_stdin_ignores_what_is_piped(emulator) -> None:
    result = ask(emulator, "--no-stdin", "!echo only this", stdin="not this\n")
    assert result.returncode == 0 and result.stdout == b"only this\n", result.stderr
    assert user_input(emulator) == [{"role": "user", "content": "!echo only this"}]


def test_invalid_utf8_on_stdin_is_refused_clearly_and_nothing_is_sent_or_saved(emulator) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "grokterm", "ask", "--base-url", emulator.base_url, "--api-key", emulator.api_key,
         "summarise"], input=b"caf\xe9 au lait\n", capture_output=True, timeout=30, env=dict(os.environ))
    assert result.returncode == 2
    assert result.stdout == b""
    assert b"stdin is not UTF-8 text (byte 0xe9 at offset 3)" in result.stderr
    assert b"Traceback" not in result.stderr
    assert not list(emulator.state.requests)
    with open_store() as store:
        assert store.list_conversations() == []


def test_a_utf8_bom_is_dropped(emulator) -> None:
    result = ask(emulator, "!echo x", stdin="\ufeffpiped")
    assert result.returncode == 0, result.stderr
    assert user_input(emulator)[0]["content"] == "piped\n\n!echo x"


def test_continue_last_chains_on_the_stored_reply_and_keeps_the_model(emulator) -> None:
    first = ask(emulator, "--json", "-m", "grok-3", "!echo one")
    assert first.returncode == 0, first.stderr
    body = json.loads(first.stdout)
    second = ask(emulator, "-c", "!echo two")
    assert second.returncode == 0 and second.stdout == b"two\n", second.stderr
    sent = emulator.state.requests[-1].json
    assert sent["previous_response_id"] == body["response_id"]  # the server keeps the context
    assert sent["input"] == [{"role": "user", "content": "!echo two"}]
    assert sent["model"] == "grok-3"  # the conversation's model, no -m needed
    recall = ask(emulator, "--continue", "!recall")
    assert b"!echo one" in recall.stdout and b"!echo two" in recall.stdout  # the server saw the whole chain
    with open_store() as store:
        [conversation] = store.list_conversations()
        assert conversation.id == body["conversation_id"]
        texts = [m.text for m in store.list_messages(conversation.id)]
        assert texts[:4] == ["!echo one", "one", "!echo two", "two"] and len(texts) == 6


def test_cid_continues_that_conversation_by_number_or_uid(emulator) -> None:
    for prompt in ("!echo first chat", "!echo second chat"):
        assert ask(emulator, prompt).returncode == 0
    with open_store() as store:
        newest, oldest = store.list_conversations()
    by_number = ask(emulator, "--cid", str(oldest.id), "!recall")
    assert by_number.returncode == 0, by_number.stderr
    assert b"!echo first chat" in by_number.stdout and b"second" not in by_number.stdout
    by_uid = ask(emulator, "--cid", newest.uid[:8], "!recall")
    assert b"!echo second chat" in by_uid.stdout and b"first" not in by_uid.stdout
    with open_store() as store:
        assert len(store.list_messages(oldest.id)) == 4 and len(store.list_messages(newest.id)) == 4
        assert len(store.list_conversations()) == 2


def test_nothing_to_continue_exits_8_and_sends_nothing(emulator) -> None:
    missing = ask(emulator, "--cid", "99", "hello")
    assert missing.returncode == 8 and b"no conversation '99'" in missing.stderr
    empty = ask(emulator, "-c", "hello")
    assert empty.returncode == 8 and b"no conversation to continue" in empty.stderr
    both = ask(emulator, "-c", "--cid", "1", "hello")
    assert both.returncode == 2  # argparse: not allowed together
    assert not list(emulator.state.requests)


def test_continue_with_no_save_sends_the_history_but_records_nothing(emulator) -> None:
    assert ask(emulator, "!echo remembered").returncode == 0
    result = ask(emulator, "-c", "--no-save", "!recall")
    assert result.returncode == 0 and b"!echo remembered" in result.stdout, result.stderr
    with open_store() as store:
        [conversation] = store.list_conversations()
        assert len(store.list_messages(conversation.id)) == 2


def test_continue_with_a_new_system_prompt_resends_the_history_unchained(emulator) -> None:
    assert ask(emulator, "!echo hello").returncode == 0
    result = ask(emulator, "-c", "-s", "be terse", "!echo again")
    assert result.returncode == 0, result.stderr
    sent = emulator.state.requests[-1].json
    assert "previous_response_id" not in sent  # the stored context has the old (no) system prompt
    assert sent["input"][0] == {"role": "system", "content": "be terse"}
    assert [m["content"] for m in sent["input"][1:]] == ["!echo hello", "hello", "!echo again"]
    with open_store() as store:
        [conversation] = store.list_conversations()
        assert conversation.system_prompt == "be terse"
    trial = ask(emulator, "-c", "--no-save", "-s", "be loud", "!echo once")
    assert trial.returncode == 0, trial.stderr
    sent = emulator.state.requests[-1].json
    assert "previous_response_id" not in sent and sent["input"][0] == {"role": "system", "content": "be loud"}
    assert [m["role"] for m in sent["input"]].count("system") == 1
    with open_store() as store:  # --no-save: not even the system prompt changed
        [conversation] = store.list_conversations()
        assert conversation.system_prompt == "be terse" and len(store.list_messages(conversation.id)) == 4


def test_history_and_the_finder_tell_ask_runs_apart(emulator) -> None:
    assert ask(emulator, "Explain monads briefly").returncode == 0
    with open_store() as store:
        app_chat = store.create_conversation("Planned in the app")
        store.add_message(app_chat.id, "user", "hello")
    listed = run_cli("history", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.decode().splitlines()
    assert any(" ask  Explain monads briefly" in line for line in lines), lines
    assert any(" app  Planned in the app" in line for line in lines), lines
    as_json = json.loads(run_cli("history", "--json", "list").stdout)
    assert {c["title"]: c["origin"] for c in as_json} == {"Explain monads briefly": "ask", "Planned in the app": None}
    assert origin_label(None) == "app" and origin_label("ask") == "ask"
    found = json.loads(run_cli("history", "--json", "search", "monads").stdout)
    assert found and {hit["conversation_origin"] for hit in found} == {"ask"}
    # The app's finder (conversations screen) marks them too, in lists and search hits alike.
    assert "ask" in entry_label(Entry(1, "Explain monads briefly", False, 0.0, origin="ask")).plain
    assert "ask" not in entry_label(Entry(2, "Planned in the app", False, 0.0)).plain
    with open_store() as store:
        hits = store.search("monads")
        assert hits and {hit.conversation_origin for hit in hits} == {"ask"}
        assert [hit.conversation_origin for hit in store.search("hello")] == [None]


def test_composed_prompt_in_a_pipeline_that_closes_early(emulator) -> None:
    """`git log | grokterm ask "summarise" | head -1`: first line out, quiet exit 0."""
    first, code, errors = first_line_then_close(
        ["ask", "--base-url", emulator.base_url, "--api-key", emulator.api_key, "!long 400"],
        stdin=b"a long log\n" * 100)
    assert first.strip() and code == 0 and b"Traceback" not in errors, errors
    assert emulator.state.requests[-1].json["input"][0]["content"].startswith("a long log\na long log")
