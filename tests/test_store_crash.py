"""Crash safety with real processes: SIGKILL mid-stream, and several writers at once.

Synchronisation is by pipes (a child prints a line when it reached the point we
want), never by sleeping.
"""

from __future__ import annotations

import os
import select
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from grokterm.store import Store, StoreBusyError
from grokterm.store import database as database_module
from grokterm.store.schema import migrate

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")

STREAMER = r"""
import sys
from grokterm.store import Store, StreamCheckpointer
db, announce_after = sys.argv[1], int(sys.argv[2])
store = Store(db)
turn = store.start_turn("tell me a very long story", model="grok-4")
if announce_after == 0:  # killed before the first token arrives
    print(turn.assistant_message_id, 0, flush=True)
    sys.stdin.readline()
cp = StreamCheckpointer(store, turn.assistant_message_id, interval=3600.0, max_chars=64)
i = 0
while True:  # a reply that never ends, checkpointed every 64 characters
    i += 1
    if cp.feed(f"word{i} ") and cp.writes == announce_after:
        print(turn.assistant_message_id, len(cp.text), flush=True)
"""

WRITER = r"""
import sys
from grokterm.store import Store, StreamCheckpointer
db, tag, turns = sys.argv[1], sys.argv[2], int(sys.argv[3])
print("ready", flush=True)
sys.stdin.readline()  # everyone starts together
store = Store(db)  # the file is an old schema: the writers race to upgrade it too
conversation = store.create_conversation(tag)
for i in range(turns):
    turn = store.start_turn(f"{tag} question {i}", model="m", conversation_id=conversation.id)
    cp = StreamCheckpointer(store, turn.assistant_message_id, interval=0.0, max_chars=1)
    for w in range(3):
        cp.feed(f"{tag}w{i}x{w} ")
    store.finish_message(turn.assistant_message_id, "complete", text=cp.text, response_id=f"{tag}-{i}")
    store.ui_set("last-" + tag, i)
store.close()
print("done", flush=True)
"""


def _spawn(script: str, *args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen(
        [sys.executable, "-c", script, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, cwd=REPO, env=env,
    )


def _read_line(proc: subprocess.Popen, timeout: float = 60.0) -> str:
    """The child's next line (its readiness signal); fails rather than hangs if it never comes."""
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline() if ready else ""
    if not line:
        proc.kill()
        raise AssertionError(f"child gave no signal; stderr:\n{proc.stderr.read()}")
    return line.strip()


@pytest.mark.parametrize("announce_after", [0, 1, 4])
def test_sigkill_mid_stream_leaves_partial_text_that_recovers_as_interrupted(tmp_path, announce_after):
    db = tmp_path / "g.db"
    child = _spawn(STREAMER, str(db), str(announce_after))
    message_id, saved_chars = map(int, _read_line(child).split())
    child.send_signal(signal.SIGKILL)  # it keeps streaming and checkpointing until this lands
    child.wait()
    assert child.returncode == -signal.SIGKILL

    with Store(db) as store:
        row = store.get_message(message_id)
        assert row.status == ("pending" if announce_after == 0 else "streaming")
        assert len(row.text) >= saved_chars  # at least what was checkpointed before the signal
        words = row.text.split()
        assert words == [f"word{i}" for i in range(1, len(words) + 1)]  # an intact prefix of the stream
        user = store.get_message(message_id - 1)
        assert (user.role, user.text, user.status) == ("user", "tell me a very long story", "complete")

        recovered = store.recover_interrupted()
        assert [m.id for m in recovered] == [message_id]
        assert recovered[0].status == "interrupted" and recovered[0].text == row.text
        assert store.get_message(message_id).status == "interrupted"
        integrity = store._db.read(lambda c: c.execute("PRAGMA integrity_check").fetchone()[0])
        assert integrity == "ok"


def test_concurrent_writer_processes_never_hit_database_locked(tmp_path):
    db = tmp_path / "g.db"
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, target=1)  # an old file, so the writers also race on the upgrade
    conn.close()
    turns = 60
    tags = ["alpha", "beta", "gamma"]
    children = [_spawn(WRITER, str(db), tag, str(turns)) for tag in tags]
    for child in children:
        assert _read_line(child) == "ready"
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        assert "locked" not in err and out.strip() == "done"

    with Store(db) as store:
        conversations = store.list_conversations(limit=10)
        assert sorted(c.title for c in conversations) == sorted(tags)
        for conversation in conversations:
            messages = store.list_messages(conversation.id)
            assert len(messages) == 2 * turns
            assert all(m.status == "complete" for m in messages)
            assert conversation.last_response_id == f"{conversation.title}-{turns - 1}"
            assert store.ui_get("last-" + conversation.title) == turns - 1
        assert len(store.list_responses(limit=100_000)) == len(tags) * turns
        assert len(store.search("betaw7x2")) == 1


def test_many_threads_share_one_store(store):
    conversation = store.create_conversation("threads")
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            barrier.wait()
            for i in range(25):
                turn = store.start_turn(f"t{n} q{i}", model="m", conversation_id=conversation.id)
                store.checkpoint(turn.assistant_message_id, "partial")
                store.finish_message(turn.assistant_message_id, "complete", text=f"t{n} a{i}")
                store.list_conversations()
                store.search(f"t{n}")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store.list_messages(conversation.id)) == 8 * 25 * 2


def _blocker(db: Path) -> sqlite3.Connection:
    """Another connection holding the write lock, as a busy process would."""
    conn = sqlite3.connect(db, isolation_level=None, timeout=0)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def test_a_write_waits_out_a_busy_writer_and_reads_are_never_blocked(tmp_path, monkeypatch):
    db = tmp_path / "g.db"
    with Store(db, busy_timeout=0.0) as store:
        store.create_conversation("before")
        blocker = _blocker(db)
        assert [c.title for c in store.list_conversations()] == ["before"]  # WAL: reads go on
        waits: list[float] = []

        def fake_sleep(seconds: float) -> None:  # the other writer finishes while we back off
            waits.append(seconds)
            if len(waits) == 2:
                blocker.execute("COMMIT")

        monkeypatch.setattr(database_module.time, "sleep", fake_sleep)
        store.create_conversation("after")
        assert len(waits) == 2
        assert {c.title for c in store.list_conversations()} == {"before", "after"}
        blocker.close()


def test_a_writer_that_never_lets_go_gives_a_clear_error(tmp_path, monkeypatch):
    db = tmp_path / "g.db"
    with Store(db, busy_timeout=0.0) as store:
        blocker = _blocker(db)
        waits: list[float] = []
        monkeypatch.setattr(database_module.time, "sleep", waits.append)
        with pytest.raises(StoreBusyError, match="locked by another process"):
            store.create_conversation("never")
        assert len(waits) == database_module.MAX_ATTEMPTS - 1
        blocker.execute("ROLLBACK")
        blocker.close()
        assert store.create_conversation("now").title == "now"
