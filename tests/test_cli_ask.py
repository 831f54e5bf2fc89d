"""`grokterm ask` end to end: a real subprocess against the emulator (output, JSON, exit codes, safety)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

WRONG_KEY = "xai-WRONGwrongWRONGwrong0123456789"


def run_cli(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
            timeout: float = 30) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "grokterm", *args],
        input=(stdin or "").encode(), capture_output=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def ask(emulator, *args: str, key: str | None = None, **kwargs) -> subprocess.CompletedProcess[bytes]:
    return run_cli("ask", *args, "--base-url", emulator.base_url, "--api-key", key or emulator.api_key, **kwargs)


def assert_key_hidden(result: subprocess.CompletedProcess[bytes], key: str) -> None:
    assert key.encode() not in result.stdout and key.encode() not in result.stderr


def test_answer_streams_to_stdout(emulator) -> None:
    result = ask(emulator, "!echo Hello from grok")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"Hello from grok\n"
    assert result.stderr == b""
    sent = emulator.state.requests[-1]
    assert sent.path == "/v1/responses" and sent.json["model"] == "grok-4-0709"
    assert_key_hidden(result, emulator.api_key)


def test_question_from_stdin_with_system_prompt_and_model(emulator) -> None:
    result = run_cli("--base-url", emulator.base_url, "--api-key", emulator.api_key,
                     "ask", "-m", "grok-3", "-s", "be terse", stdin="!echo piped in\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"piped in\n"
    sent = emulator.state.requests[-1].json
    assert sent["model"] == "grok-3"
    assert sent["input"] == [{"role": "system", "content": "be terse"}, {"role": "user", "content": "!echo piped in"}]


@pytest.mark.parametrize("mode", [[], ["--no-stream"], ["--api-style", "chat"]])
def test_escape_sequences_in_the_reply_never_reach_stdout(emulator, mode: list[str]) -> None:
    evil = ("safe \x1b[2J\x1b[H cleared \x1b]0;pwned title\x07 titled "
            "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ \x9b31m red \x1bP1$qm\x1b\\ end")
    result = ask(emulator, *mode, f"!echo {evil}")
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
    for word in ("safe", "cleared", "titled", "link", "red", "end"):
        assert word in out
    assert "pwned" not in out and "evil.example" not in out


def test_json_output_is_machine_readable_and_escapes_control_bytes(emulator) -> None:
    result = ask(emulator, "--json", "-m", "grok-3-mini", "!echo bell\x07 and \x1b[31mred\x9b")
    assert result.returncode == 0, result.stderr
    assert b"\x1b" not in result.stdout and b"\x07" not in result.stdout and b"\xc2\x9b" not in result.stdout
    body = json.loads(result.stdout)
    assert body["text"] == "bell\x07 and \x1b[31mred\x9b"  # exact text, escaped on the wire
    assert body["reasoning"] and body["model"] == "grok-3-mini" and body["stored"] is True
    assert body["response_id"] in emulator.state.responses
    assert body["usage"]["output_tokens"] > 0 and body["usage"]["reasoning_tokens"] > 0
    assert body["cost_ticks"] > 0 and body["cost"] == body["cost_ticks"] / 10**10


def test_usage_line_on_stderr(emulator) -> None:
    result = ask(emulator, "-u", "!echo counted")
    assert result.returncode == 0 and result.stdout == b"counted\n"
    assert result.stderr.startswith(b"usage: in ") and b" \xc2\xb7 $" in result.stderr


@pytest.mark.parametrize("spec, code, text", [
    ("401", 4, "API key rejected"),
    ("403", 5, "permission denied"),
    ("404", 8, "not found"),
    ("credits", 6, "credits"),
    ("429:retry=0.01:times=5", 7, "rate limited"),
    ("500:retry=0.01:times=5", 10, "server error"),
    ("stall:30:after=4", 13, "stalled"),
    ("cut:6", 13, "interrupted"),
])
def test_exit_codes_per_error_class(emulator, spec: str, code: int, text: str) -> None:
    result = ask(emulator, "--timeout", "0.5", f"!fault {spec} !long 40")
    assert result.returncode == code, result.stderr
    last_line = result.stderr.decode().strip().splitlines()[-1]
    assert last_line.startswith("grokterm: ") and text in last_line
    assert_key_hidden(result, emulator.api_key)


def test_wrong_key_exits_4_and_is_never_printed(emulator) -> None:
    result = ask(emulator, "hello", key=WRONG_KEY)
    assert result.returncode == 4
    assert b"API key rejected" in result.stderr
    assert_key_hidden(result, WRONG_KEY)


def test_connection_refused_exits_12() -> None:
    # the port stays bound (never listening) during the call, so no other socket can take it: refused for sure
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        result = run_cli("ask", "--retries", "0", "--base-url", f"http://127.0.0.1:{port}",
                         "--api-key", WRONG_KEY, "hello")
    assert result.returncode == 12
    assert b"connection refused" in result.stderr and result.stdout == b""
    assert_key_hidden(result, WRONG_KEY)


def test_missing_key_question_and_image_have_their_own_codes(emulator, tmp_path) -> None:
    no_key = run_cli("ask", "--base-url", emulator.base_url, "hello")
    assert no_key.returncode == 3 and b"no API key" in no_key.stderr
    no_question = ask(emulator, stdin="   ")
    assert no_question.returncode == 2 and b"no question" in no_question.stderr
    (tmp_path / "notes.txt").write_text("not an image")
    bad_image = ask(emulator, "--image", str(tmp_path / "notes.txt"), "describe")
    assert bad_image.returncode == 15 and bad_image.stderr.startswith(b"grokterm: ")
    assert emulator.state.requests == []  # nothing was sent for any of them


def test_image_is_attached(emulator, tmp_path) -> None:
    from PIL import Image

    Image.new("RGB", (40, 30), (10, 200, 10)).save(tmp_path / "green.png")
    result = ask(emulator, "-m", "grok-2-vision-1212", "--image", str(tmp_path / "green.png"), "--json", "what?")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["stored"] is False and body["usage"]["image_tokens"] > 0
    sent = emulator.state.requests[-1].json
    assert sent["store"] is False
    assert sent["input"][-1]["content"][1]["image_url"].startswith("data:image/")


def test_config_toml_supplies_model_and_api_style(emulator, isolated_user_files) -> None:
    config_file = isolated_user_files / "config" / "config.toml"
    config_file.parent.mkdir(parents=True, exist_ok=True)
    config_file.write_text('default_model = "grok-3-mini"\napi_style = "chat"\n')
    result = ask(emulator, "!echo configured")
    assert result.returncode == 0 and result.stdout == b"configured\n", result.stderr
    sent = emulator.state.requests[-1]
    assert sent.path == "/v1/chat/completions" and sent.json["model"] == "grok-3-mini"
    explicit = ask(emulator, "-m", "grok-3", "--api-style", "responses", "!echo flags win")
    assert explicit.returncode == 0
    assert emulator.state.requests[-1].path == "/v1/responses"
    assert emulator.state.requests[-1].json["model"] == "grok-3"
