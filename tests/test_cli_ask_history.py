"""`grokterm ask` records its turns in the store (unless --no-save) and survives kill -9 mid-stream."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

from PIL import Image
from test_cli_ask import ask

from grokterm.store import Store
from tests.cli_helpers import interrupt_once_answering


def open_store() -> Store:
    return Store(Path(os.environ["GROKTERM_DB"]))


def test_ask_records_the_turn_and_indexes_the_response(emulator):
    result = ask(emulator, "-s", "be brief", "Explain monads")
    assert result.returncode == 0, result.stderr
    store = open_store()
    [conversation] = store.list_conversations()
    assert conversation.system_prompt == "be brief"
    rows = store.list_messages(conversation.id)
    assert [(r.role, r.status) for r in rows] == [("user", "complete"), ("assistant", "complete")]
    assert rows[0].text == "Explain monads"
    assert rows[1].text.strip() and rows[1].text.strip() in result.stdout.decode()
    assert rows[1].output_tokens and rows[1].cost_ticks
    entry = store.get_response_entry(rows[1].response_id)
    assert entry is not None and entry.status == "live" and entry.stored
    hits = store.search("monads")
    assert hits and hits[0].conversation_id == conversation.id
    store.close()


def test_no_save_leaves_no_trace(emulator):
    result = ask(emulator, "--no-save", "Explain monads")
    assert result.returncode == 0, result.stderr
    store = open_store()
    assert store.list_conversations(archived=None) == []
    store.close()


def test_a_failed_turn_is_recorded_as_failed(emulator):
    result = ask(emulator, "--retries", "0", "!fault 500")
    assert result.returncode == 10
    store = open_store()
    [conversation] = store.list_conversations()
    reply = store.list_messages(conversation.id)[-1]
    assert reply.status == "failed" and reply.error
    store.close()


def test_images_sent_by_ask_are_kept(emulator, tmp_path):
    picture = tmp_path / "shot.png"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(buffer, "PNG")
    picture.write_bytes(buffer.getvalue())
    result = ask(emulator, "-m", "grok-4-fast-reasoning", "-i", str(picture), "What is this?")  # a vision model
    assert result.returncode == 0, result.stderr
    assert "64×48" in result.stdout.decode()
    store = open_store()
    [conversation] = store.list_conversations()
    user = store.list_messages(conversation.id)[0]
    [attachment] = user.attachments
    assert (attachment.width, attachment.height, attachment.mime) == (64, 48, "image/png")
    assert store.attachment_bytes(attachment)
    store.close()


def test_kill_9_mid_stream_keeps_the_partial_reply(emulator_factory):
    slow = emulator_factory(speed=60.0)
    process = subprocess.Popen(
        [sys.executable, "-m", "grokterm", "ask", "--base-url", slow.base_url, "--api-key", slow.api_key,
         "!long 4000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy(),
    )
    try:
        # The first delta is checkpointed before it is printed, so once the answer shows on
        # stdout the database holds a streaming reply (reading the pipe blocks until then).
        shown = process.stdout.read(200)
        assert shown, process.stderr.read()
        store = open_store()
        rows = [m for c in store.list_conversations() for m in store.list_messages(c.id)]
        store.close()
        partial = next((r.text for r in rows if r.role == "assistant" and r.status == "streaming"), "")
        assert partial, "ask never checkpointed a partial reply"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    store = open_store()
    recovered = store.recover_interrupted()
    assert len(recovered) == 1
    reply = store.get_message(recovered[0].id)
    assert reply.status == "interrupted"
    assert reply.text.startswith(partial) and len(reply.text) >= len(partial)
    [conversation] = store.list_conversations()
    assert store.list_messages(conversation.id)[0].text == "!long 4000"
    store.close()


def test_ctrl_c_mid_stream_ends_the_line_keeps_the_reply_and_exits_130(emulator_factory):
    """Ctrl-C: what was printed stays, ends with a newline (so the message starts its own line, even
    with a citation held back), the reply is kept as 'stopped' with its text, exit code 130."""
    slow = emulator_factory(speed=60.0)
    process = subprocess.Popen(
        [sys.executable, "-m", "grokterm", "ask", "--base-url", slow.base_url, "--api-key", slow.api_key,
         "!long 4000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy(),
    )
    out, err = interrupt_once_answering(process)
    assert process.returncode == 130 and err == "grokterm: interrupted\n"
    assert out.endswith("\n") and not out.endswith("\n\n")
    store = open_store()
    [conversation] = store.list_conversations()
    reply = store.list_messages(conversation.id)[-1]
    assert reply.status == "stopped" and reply.text and reply.text.startswith(out.rstrip("\n")[:10])
    store.close()
