"""Schema creation, file permissions, and upgrades from every earlier schema version."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from grokterm import paths
from grokterm.store import SchemaTooNewError, Store
from grokterm.store.schema import CURRENT_VERSION, MIGRATIONS, migrate


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def old_file(path: Path, version: int) -> sqlite3.Connection:
    """A database file exactly as grokterm with schema `version` would have left it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=version)
    return conn


def test_fresh_database_is_current_wal_with_foreign_keys(store):
    assert store.schema_version == CURRENT_VERSION == len(MIGRATIONS)
    assert store.path == paths.database_file()
    journal = store._db.read(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0])
    foreign_keys = store._db.read(lambda c: c.execute("PRAGMA foreign_keys").fetchone()[0])
    assert (journal, foreign_keys) == ("wal", 1)


def test_database_wal_shm_are_0600_and_new_parent_dirs_0700(isolated_user_files):
    old_umask = os.umask(0o022)  # a typical umask that would give 0644 files
    try:
        db = isolated_user_files / "fresh" / "nested" / "grokterm.db"
        with Store(db) as s:
            conversation = s.create_conversation("hello")
            s.add_message(conversation.id, "user", "write something so the WAL exists")
            wal, shm = db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")
            assert wal.exists() and shm.exists()
            assert (mode(db), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
            s.add_attachment(1, b"\x89PNG fake", mime="image/png", name="x.png")
            image = next(s.images_dir.iterdir())
            assert mode(image) == 0o600
            assert mode(s.images_dir) == 0o700
        assert mode(db.parent) == 0o700 and mode(db.parent.parent) == 0o700
    finally:
        os.umask(old_umask)


def test_existing_parent_folder_permissions_are_left_alone(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    os.chmod(folder, 0o755)
    with Store(folder / "g.db"):
        pass
    assert mode(folder) == 0o755
    assert mode(folder / "g.db") == 0o600


def test_newer_schema_is_refused_and_left_untouched(tmp_path):
    db = tmp_path / "future.db"
    conn = old_file(db, CURRENT_VERSION)
    conn.execute(f"PRAGMA user_version = {CURRENT_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNewError, match="newer grokterm"):
        Store(db)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION + 1
    conn.close()


def _seed_v1(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT INTO conversations (id, uid, title, model, created_at, updated_at)"
        " VALUES (1, 'u1', 'Old chat', 'grok-3', 100.0, 200.0)"
    )
    conn.execute(
        "INSERT INTO messages (id, conversation_id, role, text, created_at, updated_at, status)"
        " VALUES (1, 1, 'user', 'what is a zeppelin', 100.0, 100.0, 'complete')"
    )
    conn.execute(
        "INSERT INTO messages (id, conversation_id, role, text, model, created_at, updated_at, status,"
        " response_id, input_tokens, output_tokens, cost_ticks)"
        " VALUES (2, 1, 'assistant', 'An airship with a rigid frame.', 'grok-3', 150.0, 150.0, 'complete',"
        " 'resp-old', 10, 7, 12345)"
    )
    conn.execute(
        "INSERT INTO messages (id, conversation_id, role, text, created_at, updated_at, status, writer)"
        " VALUES (3, 1, 'assistant', 'half a rep', 160.0, 160.0, 'streaming', NULL)"
    )


def _seed_v2(conn: sqlite3.Connection) -> None:
    _seed_v1(conn)  # a v2 app indexed its replies itself:
    conn.execute(
        "INSERT INTO responses (response_id, conversation_id, message_id, model, created_at, expires_at,"
        " prompt_preview, reply_preview) VALUES ('resp-old', 1, 2, 'grok-3', 150.0, ?, 'what is a zeppelin',"
        " 'An airship with a rigid frame.')", (150.0 + 30 * 24 * 3600,),
    )
    conn.execute("INSERT INTO ui_state (key, value, updated_at) VALUES ('open_tabs', '[1]', 1.0)")


def _seed_v3(conn: sqlite3.Connection) -> None:
    _seed_v2(conn)  # v3 only added the full-text index, rebuilt from these rows


def _seed_v4(conn: sqlite3.Connection) -> None:
    _seed_v3(conn)  # v4 only added messages.kind (NULL: chat messages)


def _seed_v5(conn: sqlite3.Connection) -> None:
    _seed_v4(conn)  # v5 only added conversations.origin (NULL: the app, or unknown)


def _seed_v6(conn: sqlite3.Connection) -> None:
    _seed_v5(conn)  # v6 only added message_sources (replies without search have no row)
    conn.execute(  # an image prompt written before v7: no record of what it asked for
        "INSERT INTO messages (id, conversation_id, role, text, created_at, updated_at, status, kind)"
        " VALUES (4, 1, 'user', 'a red balloon over Paris', 170.0, 170.0, 'complete', 'image_prompt')"
    )


SEEDS = {1: _seed_v1, 2: _seed_v2, 3: _seed_v3, 4: _seed_v4, 5: _seed_v5, 6: _seed_v6}


def test_every_earlier_version_has_a_seed():
    assert sorted(SEEDS) == list(range(1, CURRENT_VERSION))


@pytest.mark.parametrize("version", sorted(SEEDS))
def test_upgrade_from_earlier_version_keeps_data_and_enables_new_features(tmp_path, version):
    db = tmp_path / f"v{version}.db"
    conn = old_file(db, version)
    SEEDS[version](conn)
    conn.close()

    with Store(db) as s:
        assert s.schema_version == CURRENT_VERSION
        conversation = s.get_conversation(1)
        assert conversation is not None and conversation.title == "Old chat"
        messages = [m for m in s.list_messages(1) if m.kind is None]
        assert [m.text for m in messages] == ["what is a zeppelin", "An airship with a rigid frame.", "half a rep"]
        assert messages[1].cost_ticks == 12345
        # v2: the response index (back-filled from the old messages when upgrading from v1).
        entry = s.get_response_entry("resp-old")
        assert entry is not None
        assert (entry.message_id, entry.prompt_preview, entry.reply_preview) == (
            2, "what is a zeppelin", "An airship with a rigid frame.")
        assert entry.expires_at == 150.0 + 30 * 24 * 3600
        # v3: messages written before full-text search existed are searchable.
        assert [h.message_id for h in s.search("zeppelin")] == [1]
        assert [h.message_id for h in s.search("airship*")] == [2]
        # and new writes keep the index in sync
        s.update_message(2, text="A blimp, really.")
        assert s.search("airship") == [] and [h.message_id for h in s.search("blimp")] == [2]
        if version >= 2:
            assert s.ui_get("open_tabs") == [1]
        s.ui_set("active_tab", 1)
        assert s.ui_get("active_tab") == 1
        # v6: replies can keep their search sources; old replies simply have none.
        assert s.sources_of([1, 2, 3]) == {}
        s.set_sources(2, {"citations": [{"url": "https://example.org/z", "title": "Zeppelins"}]})
        assert s.sources_of([2])[2].citations == ({"url": "https://example.org/z", "title": "Zeppelins"},)
        # an old half-written reply is recovered like any other
        assert [m.id for m in s.recover_interrupted()] == [3]
        # v4: old messages are chat messages; image generations can be stored next to them
        assert [m.kind for m in s.list_messages(1)][:3] == [None, None, None]
        generated = s.add_message(1, "assistant", "revised", status="complete", kind="image", cost_ticks=7)
        assert (generated.kind, generated.cost_ticks) == ("image", 7)
        # v5: conversations know who started them; old ones read as unknown (the app)
        assert conversation.origin is None
        assert s.create_conversation("from the CLI", origin="ask").origin == "ask"
        # v7: image prompts keep what they asked for; older ones have no record (retried with n=1)
        from grokterm.store.image_requests import ImageRequestRow

        assert s.image_request(4 if version == 6 else 1) is None
        prompt = s.add_message(1, "user", "three balloons", kind="image_prompt",
                               image_request=ImageRequestRow(3, "grok-imagine-image-quality"))
        assert s.image_request(prompt.id) == ImageRequestRow(3, "grok-imagine-image-quality")
        s.delete_message(prompt.id)
        assert s.image_request(prompt.id) is None  # deleted with its prompt


def test_reopening_a_current_file_runs_no_migration(tmp_path):
    db = tmp_path / "g.db"
    with Store(db) as s:
        s.create_conversation("keep me")
    with Store(db) as s:
        assert [c.title for c in s.list_conversations()] == ["keep me"]
        assert s.schema_version == CURRENT_VERSION
