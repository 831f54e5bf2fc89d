"""Issue 10: storage faults and hostile input give one clear line, never a traceback; nothing saved is lost.

Corrupt database, read-only data folder, full disk (simulated by SQLite's page limit),
a closed pipe (`history list | head`), invalid UTF-8 on stdin, deeply nested import JSON.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from ui_helpers import make_app, notifications, send, wait_started

from grokterm.store import StorageFault, Store, StoreError

ROOT_CAN_WRITE_ANYWHERE = hasattr(os, "geteuid") and os.geteuid() == 0


def run_cli(*args: str, env: dict | None = None, stdin: bytes = b"", timeout: float = 60):
    return subprocess.run([sys.executable, "-m", "grokterm", *args], capture_output=True, input=stdin,
                          timeout=timeout, env={**os.environ, **(env or {})})


def assert_one_clear_line(stderr: bytes, *words: str) -> None:
    text = stderr.decode()
    assert "Traceback" not in text and text.startswith("grokterm: "), text
    assert len(text.strip().splitlines()) == 1, text
    for word in words:
        assert word in text, text


def corrupt_database(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    garbage = b"this is not an SQLite file, but it is somebody's data\n" * 100
    path.write_bytes(garbage)
    return garbage


# ----------------------------------------------------------------------------- the store layer


def test_a_corrupt_database_is_a_storage_fault_and_is_left_untouched(tmp_path) -> None:
    database = tmp_path / "grokterm.db"
    garbage = corrupt_database(database)
    with pytest.raises(StorageFault) as caught:
        Store(database)
    message = str(caught.value)
    assert "damaged" in message and str(database) in message and "mv " in message
    assert database.read_bytes() == garbage


def test_a_full_disk_is_a_storage_fault_and_keeps_what_was_saved(tmp_path) -> None:
    database = tmp_path / "grokterm.db"
    with Store(database) as store:
        conversation = store.create_conversation(model="m")
        store.add_message(conversation.id, "user", "saved before the disk filled up")
        pages = sqlite3.connect(database).execute("PRAGMA page_count").fetchone()[0]

        def fill(conn: sqlite3.Connection) -> None:
            conn.execute(f"PRAGMA max_page_count = {pages + 1}")  # what a full disk looks like to SQLite
            conn.execute("INSERT INTO messages (conversation_id, role, text, created_at, updated_at, status) "
                         "VALUES (?, 'user', ?, 0, 0, 'complete')", (conversation.id, "x" * 2_000_000))

        with pytest.raises(StorageFault, match="full"):
            store._db.write(fill)
    with Store(database) as store:
        texts = [m.text for m in store.list_messages(conversation.id)]
    assert texts == ["saved before the disk filled up"]


@pytest.mark.skipif(ROOT_CAN_WRITE_ANYWHERE, reason="root ignores folder permissions")
def test_a_read_only_data_folder_is_a_clear_storage_fault(tmp_path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(StorageFault, match="permissions"):
            Store(folder / "grokterm.db")
    finally:
        folder.chmod(0o700)


# ----------------------------------------------------------------------------- every command


@pytest.mark.parametrize("command", [("history", "list"), ("history", "search", "x"), ("export", "1"),
                                     ("responses", "list"), ("import", "-")])
def test_commands_on_a_corrupt_database_print_one_clear_line(command, isolated_user_files) -> None:
    database = Path(os.environ["GROKTERM_DB"])
    garbage = corrupt_database(database)
    result = run_cli(*command, stdin=b'{"format": "x"}')
    assert result.returncode != 0
    assert_one_clear_line(result.stderr, "damaged", str(database))
    assert database.read_bytes() == garbage


def test_history_into_a_closed_pipe_is_quiet(isolated_user_files) -> None:
    with Store(Path(os.environ["GROKTERM_DB"])) as store:
        for number in range(300):
            store.create_conversation(model="m", title=f"conversation number {number} " + "x" * 60)
    reader = subprocess.Popen([sys.executable, "-m", "grokterm", "history", "list", "--limit", "300"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy())
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.readline()  # like `head -1`: read one line, then hang up
    reader.stdout.close()
    stderr = reader.stderr.read()
    assert reader.wait(timeout=60) == 0
    assert b"Traceback" not in stderr and b"BrokenPipe" not in stderr, stderr


def test_invalid_utf8_on_stdin_is_a_clear_usage_error() -> None:
    result = run_cli("ask", "--base-url", "http://127.0.0.1:9/v1", stdin=b"caf\xe9 \xff\xfe question",
                     env={"XAI_API_KEY": "xai-" + "k" * 30})
    assert result.returncode == 2
    assert_one_clear_line(result.stderr, "not UTF-8")


def test_deeply_nested_import_json_is_a_clear_error(isolated_user_files) -> None:
    result = run_cli("import", "-", stdin=b"[" * 200_000 + b"]" * 200_000)
    assert result.returncode != 0
    assert_one_clear_line(result.stderr, "nested too deeply")


def test_store_errors_have_one_line_messages() -> None:
    from grokterm.store.errors import describe_fault

    for error in (sqlite3.DatabaseError("file is not a database"), sqlite3.OperationalError("database or disk is full"),
                  sqlite3.OperationalError("attempt to write a readonly database"), OSError(28, "No space left"),
                  PermissionError(13, "Permission denied")):
        message = describe_fault(error, "/data/grokterm.db")
        assert "/data/grokterm.db" in message and "\n" not in message and ";" in message
    assert issubclass(StorageFault, StoreError)


# ----------------------------------------------------------------------------- the TUI


async def test_tui_starts_on_a_corrupt_database_and_says_so(emulator, tmp_path) -> None:
    database = tmp_path / "grokterm.db"
    garbage = corrupt_database(database)
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        assert any("damaged" in n and "temporary history" in n for n in notifications(app))
        await send(pane, pilot, "!echo still works")
        assert pane.messages[-1].text == "still works"
        assert app.is_running
    assert database.read_bytes() == garbage


async def test_tui_reports_a_full_disk_while_saving_and_stays_up(emulator, tmp_path) -> None:
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "!echo saved first")
        store = app.store
        assert store is not None

        def full(*args, **kwargs):
            raise StorageFault(f"the disk holding {store.path} is full (database or disk is full); free some space")

        store.save_draft = full  # the next store write fails like a full disk
        app.run_store(store.save_draft, pane.conversation.id, "draft")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("is full" in n for n in notifications(app))
        assert app.is_running
    with Store(tmp_path / "grokterm.db") as reopened:
        assert [m.text for m in reopened.list_messages(pane.conversation.id)][-1] == "saved first"
