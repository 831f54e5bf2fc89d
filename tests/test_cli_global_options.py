"""`--demo` and `--version` are global: accepted before the command and after it, by every command.

Real subprocesses with no key anywhere (conftest clears $XAI_API_KEY and installs a failing
keyring), so `--demo` can only work by starting the built-in emulator on loopback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import grokterm


def run_cli(*args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "grokterm", *args], input=stdin.encode(),
                          capture_output=True, timeout=timeout, env=dict(os.environ))


@pytest.mark.parametrize("where", ["before", "after"])
def test_demo_ask_answers_without_any_key(where: str) -> None:
    args = ["--demo", "ask", "!echo hello from the demo"] if where == "before" else \
        ["ask", "--demo", "!echo hello from the demo"]
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"hello from the demo\n"
    assert result.stderr == b""  # the emulator's own logging never mixes with the command's output


def test_without_demo_the_same_command_still_needs_a_key() -> None:
    result = run_cli("ask", "hi")
    assert result.returncode == 3 and b"no API key" in result.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_demo_models_lists_the_emulator_catalogue(where: str) -> None:
    result = run_cli(*(["--demo", "models", "--json"] if where == "before" else ["models", "--demo", "--json"]))
    assert result.returncode == 0, result.stderr
    ids = {model["id"] for model in json.loads(result.stdout)}
    assert "grok-4-0709" in ids


def test_demo_wins_over_a_wrong_key_and_url() -> None:
    """--demo must never send a real key anywhere: it ignores --api-key/--base-url entirely."""
    result = run_cli("--api-key", "xai-WRONGwrongWRONG0123456789", "--base-url", "http://127.0.0.1:9/v1",
                     "--demo", "ask", "!echo still fine")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"still fine\n"


def test_demo_responses_and_auth_status_are_honoured() -> None:
    shown = run_cli("responses", "show", "--demo", "resp_does_not_exist")
    assert shown.returncode == 8, shown.stderr  # asked the emulator (404), not "no API key" (3)
    status = run_cli("--demo", "auth", "status")
    assert status.returncode == 0, status.stderr


@pytest.mark.parametrize("args", [["--version"], ["ask", "--version"], ["models", "--version"],
                                  ["history", "--version"], ["responses", "--version"], ["image", "--version"]])
def test_version_everywhere(args: list[str]) -> None:
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().strip() == f"grokterm {grokterm.__version__}"


def first_line_then_close(args: list[str], stdin: bytes | None = None) -> tuple[bytes, int, bytes]:
    """Run grokterm like `grokterm ARGS | head -1`: (the first line, exit code, stderr)."""
    process = subprocess.Popen([sys.executable, "-m", "grokterm", *args],
                               stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    if process.stdin is not None:
        process.stdin.write(stdin or b"")
        process.stdin.close()
    first = process.stdout.readline()
    process.stdout.close()  # like `head -1` exiting
    try:
        code = process.wait(timeout=60)
    finally:
        process.kill()
    errors = process.stderr.read()
    process.stderr.close()
    return first, code, errors


def test_demo_answer_in_a_pipe_that_closes_early() -> None:
    """`grokterm --demo ask hi | head -1`: the first line arrives, then a quiet exit 0."""
    first, code, errors = first_line_then_close(["--demo", "ask", "!long 400"])
    assert first.strip()
    assert code == 0 and b"Traceback" not in errors and b"BrokenPipe" not in errors, errors


def test_any_command_stops_quietly_when_the_reader_leaves(tmp_path) -> None:
    """`grokterm history --json list | head -1` with more output than a pipe holds: exit 0, no traceback
    (handled once in cli.main, so every command gets it)."""
    from grokterm.store import Store

    with Store(Path(os.environ["GROKTERM_DB"])) as store:
        for n in range(300):
            store.create_conversation(f"conversation {n} " + "with a long title " * 8, model="grok-3")
    first, code, errors = first_line_then_close(["history", "--json", "list", "--limit", "1000"])
    assert first.strip() == b"["
    assert code == 0 and b"Traceback" not in errors and b"BrokenPipe" not in errors, errors


def test_demo_continue_sends_the_whole_conversation_without_a_doomed_chain_first() -> None:
    """Each --demo process has its own emulator, so the stored response of the last turn is never
    there: `--demo ask -c` sends the whole history straight away (no 404 round trip, no notice)."""
    first = run_cli("--demo", "ask", "!echo my name is Ada")
    assert first.returncode == 0, first.stderr
    for _ in range(2):
        again = run_cli("--demo", "ask", "-c", "!recall")
        assert again.returncode == 0, again.stderr
        assert again.stderr == b"" and b"my name is Ada" in again.stdout


def test_demo_replies_are_not_left_live_in_the_index_after_the_demo() -> None:
    """The demo emulator (and what it stored) ends with the command: the index does not keep
    calling those responses live."""
    asked = run_cli("--demo", "ask", "--json", "!echo remember me")
    assert asked.returncode == 0, asked.stderr
    response_id = json.loads(asked.stdout)["response_id"]
    listed = run_cli("responses", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    [row] = [row for row in json.loads(listed.stdout) if row["response_id"] == response_id]
    assert row["status"] == "unknown"
