"""The database schema as an append-only list of upgrade steps, tracked by PRAGMA user_version.

Why a list and not one CREATE script: a user's file may have been written by any
earlier grokterm. Step N turns a version N-1 file into version N, so opening an old
file replays only the missing steps, and a test can build a file at any earlier
version (`migrate(conn, target=N)`) and upgrade it. Never edit a released step;
append a new one.

Version history:
  1. conversations, messages (with usage and stream status), attachments
  2. the response index (backfilled from messages that carry a response id),
     ui_state and cache key/value tables
  3. full-text search: an FTS5 external-content table over messages.text, kept in
     sync by triggers, rebuilt from existing rows
  4. messages.kind: NULL for chat messages; 'image_prompt' / 'image' for an image
     generation (the prompt, and the reply holding the generated pictures as
     attachments and the revised prompt as text). Chat history sent to the model
     leaves these rows out.
  5. conversations.origin: which front end started a conversation ('ask' for the CLI;
     NULL for the app and for every conversation written before), so lists can tell them apart
  6. message_sources: a reply's citations, server-side tool calls and tool usage
     (web / X search), as JSON, one row per reply
  7. image_requests: what an image prompt asked for (n, the model chosen), so a failed
     generation can be retried or edited as it was asked
"""

from __future__ import annotations

import sqlite3

from grokterm import defaults
from grokterm.store.errors import SchemaTooNewError

MESSAGE_STATUSES = ("pending", "streaming", "complete", "interrupted", "failed", "stopped")
RESPONSE_STATUSES = ("live", "deleted", "expired", "unknown")

_V1 = (
    """CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL DEFAULT '',
        model TEXT,
        system_prompt TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        archived INTEGER NOT NULL DEFAULT 0,
        draft TEXT NOT NULL DEFAULT '',
        last_response_id TEXT
    )""",
    # The sidebar's query: newest first within archived / not archived.
    "CREATE INDEX conversations_recent ON conversations(archived, updated_at DESC, id DESC)",
    """CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
        text TEXT NOT NULL DEFAULT '',
        reasoning TEXT NOT NULL DEFAULT '',
        model TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        status TEXT NOT NULL DEFAULT 'complete' CHECK (status IN
            ('pending', 'streaming', 'complete', 'interrupted', 'failed', 'stopped')),
        error TEXT,
        response_id TEXT,
        input_tokens INTEGER,
        cached_tokens INTEGER,
        output_tokens INTEGER,
        reasoning_tokens INTEGER,
        image_tokens INTEGER,
        cost_ticks INTEGER,
        ttft_ms INTEGER,
        tokens_per_s REAL,
        writer TEXT
    )""",
    "CREATE INDEX messages_by_conversation ON messages(conversation_id, id)",
    # Tiny partial index: finding unfinished replies at start-up never scans all messages.
    "CREATE INDEX messages_unfinished ON messages(status) WHERE status IN ('pending', 'streaming')",
    """CREATE TABLE attachments (
        id INTEGER PRIMARY KEY,
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        name TEXT NOT NULL DEFAULT '',
        mime TEXT NOT NULL,
        width INTEGER,
        height INTEGER,
        original_width INTEGER,
        original_height INTEGER,
        original_bytes INTEGER,
        sent_bytes INTEGER NOT NULL,
        detail TEXT NOT NULL DEFAULT 'auto',
        sha256 TEXT NOT NULL,
        file_name TEXT NOT NULL,
        created_at REAL NOT NULL
    )""",
    "CREATE INDEX attachments_by_message ON attachments(message_id)",
    "CREATE INDEX attachments_by_file ON attachments(file_name)",
)

_V2 = (
    """CREATE TABLE responses (
        response_id TEXT PRIMARY KEY,
        conversation_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
        message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
        model TEXT,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        prompt_preview TEXT NOT NULL DEFAULT '',
        reply_preview TEXT NOT NULL DEFAULT '',
        input_tokens INTEGER,
        cached_tokens INTEGER,
        output_tokens INTEGER,
        reasoning_tokens INTEGER,
        cost_ticks INTEGER,
        status TEXT NOT NULL DEFAULT 'live' CHECK (status IN ('live', 'deleted', 'expired', 'unknown')),
        stored INTEGER NOT NULL DEFAULT 1,
        checked_at REAL
    )""",
    "CREATE INDEX responses_by_created ON responses(created_at DESC)",
    "CREATE INDEX responses_by_expiry ON responses(expires_at)",
    # Foreign-key children need an index, or every message delete scans this table.
    "CREATE INDEX responses_by_conversation ON responses(conversation_id)",
    "CREATE INDEX responses_by_message ON responses(message_id)",
    f"""INSERT OR IGNORE INTO responses (response_id, conversation_id, message_id, model, created_at,
            expires_at, prompt_preview, reply_preview, input_tokens, cached_tokens, output_tokens,
            reasoning_tokens, cost_ticks, status, stored)
        SELECT m.response_id, m.conversation_id, m.id, m.model, m.created_at,
            m.created_at + {defaults.RESPONSE_LIFETIME_SECONDS},
            COALESCE((SELECT substr(u.text, 1, 200) FROM messages u
                      WHERE u.conversation_id = m.conversation_id AND u.role = 'user' AND u.id < m.id
                      ORDER BY u.id DESC LIMIT 1), ''),
            substr(m.text, 1, 200), m.input_tokens, m.cached_tokens, m.output_tokens,
            m.reasoning_tokens, m.cost_ticks,
            CASE WHEN m.status = 'complete' THEN 'live' ELSE 'unknown' END, 1
        FROM messages m
        WHERE m.role = 'assistant' AND m.response_id IS NOT NULL
        ORDER BY m.id""",
    """CREATE TABLE ui_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at REAL NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE cache (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        fetched_at REAL NOT NULL
    ) WITHOUT ROWID""",
)

_V3 = (
    # External content: the text lives once, in messages; FTS keeps only its index.
    # remove_diacritics: "cafe" finds "café". No porter stemmer: it is English-only and
    # it stems prefix queries too ("kay*" became "kai*" and missed "kayak"), which would
    # break search-as-you-type; `run*` covers "running" instead.
    """CREATE VIRTUAL TABLE messages_fts USING fts5(
        text, content='messages', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END""",
    """CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages
        WHEN old.text IS NOT new.text BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
    END""",
    "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
)

_V4 = (
    # Additive and nullable: every existing row stays a chat message.
    "ALTER TABLE messages ADD COLUMN kind TEXT CHECK (kind IS NULL OR kind IN ('image_prompt', 'image'))",
)

MESSAGE_KINDS = ("image_prompt", "image")

_V5 = (
    # Nullable and additive: old rows read as NULL (started in the app, or origin unknown).
    "ALTER TABLE conversations ADD COLUMN origin TEXT",
)

_V6 = (
    # Additive: replies without search have no row. JSON because the shapes follow the API's
    # (docs/api/tools-search.md) and are only ever read whole, with the reply.
    """CREATE TABLE message_sources (
        message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        citations TEXT NOT NULL DEFAULT '[]',
        tool_calls TEXT NOT NULL DEFAULT '[]',
        tool_usage TEXT
    )""",
)

_V7 = (
    # Additive: only image prompts written from now on have a row; older ones retry with n=1.
    """CREATE TABLE image_requests (
        message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        n INTEGER NOT NULL CHECK (n >= 1),
        model TEXT
    )""",
)

# MIGRATIONS[i] upgrades a version-i file to version i+1.
MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7)
CURRENT_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int = CURRENT_VERSION) -> int:
    """Bring the file up to `target` inside one write transaction; returns the version found.

    `conn` must be in autocommit mode (isolation_level=None). Two processes opening
    an old file at once are safe: the second waits for the write lock, then sees the
    new user_version and does nothing.
    """
    if not 0 <= target <= CURRENT_VERSION:
        raise ValueError(f"no schema version {target}")
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = schema_version(conn)
        if found > CURRENT_VERSION:
            raise SchemaTooNewError(
                f"this database has schema version {found}, written by a newer grokterm; "
                f"this version understands up to {CURRENT_VERSION}"
            )
        for version in range(found, target):
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
        if target > found:
            conn.execute(f"PRAGMA user_version = {int(target)}")
        conn.execute("COMMIT")
        return found
    except BaseException:
        conn.execute("ROLLBACK")
        raise
