"""Issue 10: the API key never shows — not in crash output, errors, stored rows or output — whatever its shape."""

from __future__ import annotations

import os
import pty
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hostile_server import HostileServer

from grokterm.secret import Secret, SecretFilter, redact, register

KEY = "sk-proxy-9f8e7d6c5b4a39281706abcdef"  # a proxy's key: not xai- shaped
XAI_KEY = "xai-" + "Q" * 40


@pytest.fixture
def hostile():
    with HostileServer() as server:
        yield server


def run_grokterm(*args: str, env: dict | None = None, timeout: float = 60, code: str | None = None,
                 stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "grokterm", *args]
    return subprocess.run(command, capture_output=True, timeout=timeout, input=stdin,
                          env={**os.environ, **(env or {})})


def assert_no_key(*blobs: bytes, key: str = KEY) -> None:
    for blob in blobs:
        assert key.encode() not in blob, blob[-2000:]
        assert key[4:20].encode() not in blob, blob[-2000:]  # not even a fragment


# ----------------------------------------------------------------------------- the type and redaction


def test_secret_repr_str_and_format_are_redacted() -> None:
    secret = Secret(KEY)
    for shown in (repr(secret), str(secret), f"{secret}", f"{secret!r}", repr([secret]), repr({"k": secret})):
        assert KEY not in shown and "…" in shown
    assert secret.reveal() == KEY and secret == Secret(KEY) and bool(secret) and not Secret("")
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_redaction_covers_any_key_shape() -> None:
    register("Zx9-custom-proxy-token-7781")  # any registered value, whatever it looks like
    text = ("custom Zx9-custom-proxy-token-7781; openai sk-proj-abcdefghijklmnop1234; groq gsk_abcdefghijklmnop1234;"
            f" xai {XAI_KEY}; Authorization: Bearer abc.def.ghi; api_key=hunter22secret; \"x-api-key\": \"qwertyuiop\"")
    cleaned = redact(text)
    for secret in ("Zx9-custom-proxy-token-7781", "sk-proj-abcdefghijklmnop1234", "gsk_abcdefghijklmnop1234",
                   XAI_KEY, "abc.def.ghi", "hunter22secret", "qwertyuiop"):
        assert secret not in cleaned, cleaned
    assert "custom" in cleaned and "openai" in cleaned  # the rest of the message is kept


def test_secret_filter_catches_a_key_split_across_deltas() -> None:
    register(KEY)
    text = f"here it is: {KEY} and again {KEY}."
    for step in (1, 3, 7, 50):
        stream = SecretFilter()
        out = "".join(stream.feed(text[i:i + step]) for i in range(0, len(text), step)) + stream.flush()
        assert KEY not in out and out.startswith("here it is: ") and out.endswith(".")
    stream = SecretFilter()
    assert stream.feed("sk-pro") + stream.feed("mpt engineering") + stream.flush() == "sk-prompt engineering"


# ----------------------------------------------------------------------------- echoed by a server


def test_key_echoed_in_an_error_is_not_printed(hostile, tmp_path) -> None:
    hostile.scenario = "echo_key"
    result = run_grokterm("ask", "--base-url", hostile.base_url, "--api-style", "responses", "--retries", "0", "hi",
                          env={"XAI_API_KEY": KEY})
    assert result.returncode != 0
    assert b"Incorrect API key" in result.stderr
    assert_no_key(result.stdout, result.stderr)


def test_key_echoed_mid_stream_is_neither_printed_nor_stored(hostile, isolated_user_files) -> None:
    hostile.scenario = "stream_echo_key"
    result = run_grokterm("ask", "--base-url", hostile.base_url, "--api-style", "responses", "--retries", "0", "hi",
                          env={"XAI_API_KEY": KEY})
    assert result.returncode != 0, result.stderr
    assert b"your key is" in result.stdout and b"rejected" in result.stderr
    assert_no_key(result.stdout, result.stderr)
    database = Path(os.environ.get("GROKTERM_DB", isolated_user_files / "data" / "grokterm.db"))
    rows = sqlite3.connect(database).execute("SELECT text, error FROM messages").fetchall()
    assert rows and any(error for _, error in rows)
    assert_no_key(repr(rows).encode())
    for path in database.parent.iterdir():  # the WAL and any other file we wrote
        if path.is_file():
            assert_no_key(path.read_bytes())


# ----------------------------------------------------------------------------- crash output

CRASH_AT_START = textwrap.dedent("""
    import sys
    from pathlib import Path
    from grokterm.ui import app as app_module
    from grokterm.ui.app import GrokApp
    from grokterm.ui.context import AppContext

    def broken_store(*args, **kwargs):
        api_key = {key!r}  # a local holding the key, as a careless frame might
        raise RuntimeError("unexpected failure while opening the store")

    app_module.Store = broken_store
    context = AppContext(api_key={key!r}, base_url="http://127.0.0.1:9/v1", db_path=Path(sys.argv[1]) / "g.db")
    app = GrokApp(context)
    app.run(headless=True, size=(100, 30))
    print("exit", app.return_code)
""")


def test_a_crash_at_start_up_shows_no_key(tmp_path) -> None:
    code = CRASH_AT_START.format(key=KEY)
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, timeout=60)
    output = result.stdout + result.stderr
    assert b"RuntimeError" in output or b"unexpected failure" in output, output[-3000:]
    assert_no_key(output)
    assert b"api_key = " not in output  # no locals at all in the traceback


def test_the_app_context_repr_hides_the_key() -> None:
    from grokterm.ui.context import AppContext

    context = AppContext(api_key=KEY)
    assert KEY not in repr(context) and KEY not in str(context.__dict__)
    assert isinstance(context.api_key, Secret) and context.api_key.reveal() == KEY


# ----------------------------------------------------------------------------- where a key may come from


def test_api_key_file_and_api_key_command(hostile, tmp_path, isolated_user_files) -> None:
    from grokterm.config.credentials import resolve_api_key

    key_file = tmp_path / "key.txt"
    key_file.write_text(KEY + "\n")
    key = resolve_api_key(key_file=str(key_file))
    assert key.value == KEY and key.source == "file" and KEY not in repr(key)
    key = resolve_api_key(command=f"{sys.executable} -c \"print('{KEY}')\"")
    assert key.value == KEY and key.source == "command"
    from grokterm.config import ConfigError

    with pytest.raises(ConfigError, match="key file"):
        resolve_api_key(key_file=str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="api_key_command"):
        resolve_api_key(command=f"{sys.executable} -c \"import sys; sys.exit(3)\"")
    # end to end: ask with --api-key-file sends that key
    hostile.scenario = "stream"
    result = run_grokterm("ask", "--base-url", hostile.base_url, "--api-style", "responses", "--api-key-file",
                          str(key_file), "hi")
    assert result.returncode == 0, result.stderr
    assert hostile.requests[-1][2]["authorization"] == f"Bearer {KEY}"


def test_api_key_on_the_command_line_warns_about_ps(hostile) -> None:
    """On a terminal, `--api-key` warns that every local user can read it in `ps`."""
    hostile.scenario = "stream"
    controller, terminal = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "grokterm", "ask", "--base-url", hostile.base_url, "--api-style", "responses",
             "--api-key", KEY, "hi"], stdout=subprocess.PIPE, stderr=terminal, timeout=60)
        os.close(terminal)
        terminal = -1
        chunks = []
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if terminal != -1:
            os.close(terminal)
        os.close(controller)
    stderr = b"".join(chunks)
    assert result.returncode == 0
    assert b"visible to other users" in stderr and b"ps" in stderr
    assert_no_key(stderr, result.stdout)
