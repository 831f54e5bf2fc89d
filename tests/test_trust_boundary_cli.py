"""Issue 10 through the CLI: `grokterm ask` against the hostile server (tests/hostile_server.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hostile_server import HostileServer

KEY = "sk-hostile-test-key-0123456789abcdef"  # not xai- shaped: redaction must not rely on the prefix


@pytest.fixture
def hostile():
    with HostileServer() as server:
        yield server


def ask(server: HostileServer, *args: str, timeout: float = 60, env: dict | None = None,
        data_dir=None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "grokterm", "ask", "--base-url", server.base_url, "--api-style", "responses",
         "--retries", "0", *args],
        capture_output=True, timeout=timeout, env={**os.environ, "XAI_API_KEY": KEY, **(env or {})},
    )


def test_hostile_reply_reaches_stdout_inert(hostile) -> None:
    hostile.scenario = "stream"
    result = ask(hostile, "hi", "--reasoning")
    assert result.returncode == 0, result.stderr
    for stream in (result.stdout, result.stderr):
        assert b"\x1b" not in stream and b"\x07" not in stream and b"\xc2\x9b" not in stream
        assert b"SGFja2Vk" not in stream
        assert "\u202e".encode() not in stream and "\u200b".encode() not in stream
    out = result.stdout.decode()
    assert "[/] [@click=app.quit]quit[/]" in out  # literal text, nothing lost
    assert "safe⟨U+202E⟩evil⟨U+200B⟩hidden" in out


def test_hostile_error_text_is_inert_on_stderr(hostile) -> None:
    hostile.scenario = "error"
    result = ask(hostile, "hi")
    assert result.returncode == 9, result.stderr
    assert b"\x1b" not in result.stderr and b"\x07" not in result.stderr
    assert "[@click=app.quit]" in result.stderr.decode()


def test_json_output_keeps_the_exact_text_with_hidden_characters_escaped(hostile) -> None:
    import json

    hostile.scenario = "stream"
    result = ask(hostile, "hi", "--json")
    assert result.returncode == 0, result.stderr
    assert "\u202e".encode() not in result.stdout and "\u200b".encode() not in result.stdout
    assert b"\x1b" not in result.stdout and b"\x07" not in result.stdout
    body = json.loads(result.stdout)
    assert "safe\u202eevil\u200bhidden" in body["text"]  # the data itself is unchanged
