"""The response index: every response id this app created, because the API cannot list them.

Entries outlive local deletes: deleting a conversation only clears the link,
since the server keeps the response until it expires (30 days) or is deleted
there. "Forget locally" removes just the index entry and never calls the API.
A 'live' entry past its expiry is reported as 'expired' without rewriting it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from grokterm import defaults
from grokterm.store.base import StoreBase, like_pattern
from grokterm.store.errors import NotFoundError
from grokterm.store.rows import MessageRow, ResponseIndexEntry, UsageLike, usage_values
from grokterm.store.schema import RESPONSE_STATUSES

PREVIEW_CHARS = 200
UNSTORED = "unstored"  # not a row status: a reply sent with store: false, which the server never kept
LISTED_STATUSES = (*RESPONSE_STATUSES, UNSTORED)  # what list_responses can filter on
_SORTS = {
    "created": "r.created_at",
    "expires": "r.expires_at",
    "cost": "COALESCE(r.cost_ticks, 0)",
    "tokens": "(COALESCE(r.input_tokens, 0) + COALESCE(r.output_tokens, 0) + COALESCE(r.reasoning_tokens, 0))",
    "model": "r.model",
}
_ENTRY_SELECT = """
    SELECT r.response_id, r.conversation_id, c.title AS conversation_title, r.message_id, r.model,
           r.created_at, r.expires_at, r.prompt_preview, r.reply_preview, r.input_tokens, r.cached_tokens,
           r.output_tokens, r.reasoning_tokens, r.cost_ticks,
           CASE WHEN r.status = 'live' AND r.expires_at <= :now THEN 'expired' ELSE r.status END AS status,
           r.stored, r.checked_at
    FROM responses r LEFT JOIN conversations c ON c.id = r.conversation_id
"""


def _preview(text: str | None) -> str:
    return " ".join((text or "").split())[:PREVIEW_CHARS]


def _entry(row: sqlite3.Row) -> ResponseIndexEntry:
    values = {key: row[key] for key in row.keys()}  # noqa: SIM118 - sqlite3.Row iterates values
    values["stored"] = bool(values["stored"])
    return ResponseIndexEntry(**values)


class ResponsesMixin(StoreBase):
    def index_response(
        self, response_id: str, *, conversation_id: int | None = None, message_id: int | None = None,
        model: str | None = None, created_at: float | None = None, prompt_preview: str = "",
        reply_preview: str = "", usage: UsageLike | Mapping[str, Any] | None = None, stored: bool = True,
        status: str | None = None,
    ) -> ResponseIndexEntry:
        """Add or refresh an entry (finish_message does this for you for replies it saves).
        On refresh, fields passed as None/empty keep their earlier value."""
        status = status or ("live" if stored else "unknown")
        if status not in RESPONSE_STATUSES:
            raise ValueError(f"unknown response status {status!r}")

        def work(conn: sqlite3.Connection) -> ResponseIndexEntry:
            self._upsert_response(
                conn, response_id, conversation_id=conversation_id, message_id=message_id, model=model,
                created_at=created_at, prompt_preview=_preview(prompt_preview),
                reply_preview=_preview(reply_preview), usage=usage, stored=stored, status=status,
            )
            return self._get_response(conn, response_id)

        return self._db.write(work)

    def _upsert_response(
        self, conn: sqlite3.Connection, response_id: str, *, conversation_id: int | None, message_id: int | None,
        model: str | None, created_at: float | None, prompt_preview: str, reply_preview: str,
        usage: UsageLike | Mapping[str, Any] | None, stored: bool, status: str,
    ) -> None:
        created = self._now() if created_at is None else float(created_at)
        tokens = usage_values(usage)
        conn.execute(
            """INSERT INTO responses (response_id, conversation_id, message_id, model, created_at, expires_at,
                   prompt_preview, reply_preview, input_tokens, cached_tokens, output_tokens, reasoning_tokens,
                   cost_ticks, status, stored)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (response_id) DO UPDATE SET
                   conversation_id = COALESCE(excluded.conversation_id, conversation_id),
                   message_id = COALESCE(excluded.message_id, message_id),
                   model = COALESCE(excluded.model, model),
                   prompt_preview = CASE WHEN excluded.prompt_preview != '' THEN excluded.prompt_preview
                                         ELSE prompt_preview END,
                   reply_preview = CASE WHEN excluded.reply_preview != '' THEN excluded.reply_preview
                                        ELSE reply_preview END,
                   input_tokens = COALESCE(excluded.input_tokens, input_tokens),
                   cached_tokens = COALESCE(excluded.cached_tokens, cached_tokens),
                   output_tokens = COALESCE(excluded.output_tokens, output_tokens),
                   reasoning_tokens = COALESCE(excluded.reasoning_tokens, reasoning_tokens),
                   cost_ticks = COALESCE(excluded.cost_ticks, cost_ticks),
                   status = excluded.status,
                   stored = excluded.stored""",
            (response_id, conversation_id, message_id, model, created, created + defaults.RESPONSE_LIFETIME_SECONDS,
             prompt_preview, reply_preview, tokens.get("input_tokens"), tokens.get("cached_tokens"),
             tokens.get("output_tokens"), tokens.get("reasoning_tokens"), tokens.get("cost_ticks"),
             status, int(stored)),
        )

    def _index_reply(self, conn: sqlite3.Connection, reply: MessageRow, *, stored: bool) -> None:
        """Index a finished reply, previewing the user message it answered."""
        prompt = conn.execute(
            "SELECT text FROM messages WHERE conversation_id = ? AND role = 'user' AND id < ?"
            " ORDER BY id DESC LIMIT 1",
            (reply.conversation_id, reply.id),
        ).fetchone()
        status = "live" if stored and reply.status == "complete" else "unknown"
        self._upsert_response(
            conn, reply.response_id or "", conversation_id=reply.conversation_id, message_id=reply.id,
            model=reply.model, created_at=None, prompt_preview=_preview(prompt[0] if prompt else ""),
            reply_preview=_preview(reply.text),
            usage={name: getattr(reply, name) for name in
                   ("input_tokens", "cached_tokens", "output_tokens", "reasoning_tokens", "cost_ticks")},
            stored=stored, status=status,
        )

    def _get_response(self, conn: sqlite3.Connection, response_id: str) -> ResponseIndexEntry:
        row = conn.execute(_ENTRY_SELECT + " WHERE r.response_id = :id",
                           {"now": self._now(), "id": response_id}).fetchone()
        if row is None:
            raise NotFoundError(f"response {response_id} is not in the local index")
        return _entry(row)

    def get_response_entry(self, response_id: str) -> ResponseIndexEntry | None:
        return self._read_optional(self._get_response, response_id)

    def list_responses(
        self, *, status: str | None = None, conversation_id: int | None = None, model: str | None = None,
        query: str | None = None, sort: str = "created", descending: bool = True, limit: int = 200,
        offset: int = 0,
    ) -> list[ResponseIndexEntry]:
        """Filter by effective status (live/deleted/expired/unknown/unstored, as
        grokterm.chat.responses.effective_status tells them: a reply sent with store: false
        is 'unstored' unless we deleted it), conversation, model, or preview substring;
        sort by created, expires, cost, tokens or model."""
        if sort not in _SORTS:
            raise ValueError(f"sort must be one of {', '.join(_SORTS)}")
        where: list[str] = []
        params: dict[str, Any] = {"now": self._now(), "limit": int(limit), "offset": int(offset)}
        if status is not None:
            if status not in LISTED_STATUSES:
                raise ValueError(f"unknown response status {status!r}")
            if status == UNSTORED:
                where.append("r.stored = 0 AND r.status != 'deleted'")
            elif status == "live":
                where.append("r.stored = 1 AND r.status = 'live' AND r.expires_at > :now")
            elif status == "expired":
                where.append("r.stored = 1 AND (r.status = 'expired'"
                             " OR (r.status = 'live' AND r.expires_at <= :now))")
            elif status == "deleted":
                where.append("r.status = 'deleted'")
            else:
                where.append("r.stored = 1 AND r.status = :status")
            params["status"] = status
        if conversation_id is not None:
            where.append("r.conversation_id = :conversation_id")
            params["conversation_id"] = conversation_id
        if model:
            where.append("r.model = :model")
            params["model"] = model
        if query and query.strip():
            where.append(
                "(r.prompt_preview LIKE :q ESCAPE '\\' OR r.reply_preview LIKE :q ESCAPE '\\'"
                " OR r.response_id LIKE :q ESCAPE '\\')"
            )
            params["q"] = like_pattern(query.strip())
        sql = _ENTRY_SELECT
        if where:
            sql += " WHERE " + " AND ".join(where)
        direction = "DESC" if descending else "ASC"
        sql += f" ORDER BY {_SORTS[sort]} {direction}, r.created_at {direction} LIMIT :limit OFFSET :offset"
        return self._db.read(lambda conn: [_entry(r) for r in conn.execute(sql, params)])

    def responses_expiring(self, within_seconds: float = 3 * 24 * 3600) -> list[ResponseIndexEntry]:
        """Live stored responses that expire within `within_seconds`, soonest first."""
        def work(conn: sqlite3.Connection) -> list[ResponseIndexEntry]:
            now = self._now()
            rows = conn.execute(
                _ENTRY_SELECT + " WHERE r.status = 'live' AND r.stored = 1 AND r.expires_at > :now"
                " AND r.expires_at <= :until ORDER BY r.expires_at",
                {"now": now, "until": now + within_seconds},
            )
            return [_entry(r) for r in rows]

        return self._db.read(work)

    def mark_response_status(self, response_id: str, status: str) -> ResponseIndexEntry:
        """Record what the server said about a response (e.g. 'deleted' after DELETE, or a 404)."""
        if status not in RESPONSE_STATUSES:
            raise ValueError(f"unknown response status {status!r}")

        def work(conn: sqlite3.Connection) -> ResponseIndexEntry:
            cursor = conn.execute(
                "UPDATE responses SET status = ?, checked_at = ? WHERE response_id = ?",
                (status, self._now(), response_id),
            )
            if cursor.rowcount == 0:
                raise NotFoundError(f"response {response_id} is not in the local index")
            if status in ("deleted", "expired"):  # never chain on a response the server no longer has
                conn.execute(
                    "UPDATE conversations SET last_response_id = NULL WHERE last_response_id = ?", (response_id,)
                )
            return self._get_response(conn, response_id)

        return self._db.write(work)

    def mark_response_deleted(self, response_id: str) -> ResponseIndexEntry:
        return self.mark_response_status(response_id, "deleted")

    def forget_response(self, response_id: str) -> bool:
        """Remove the entry from the local index only (the server copy, if any, is untouched)."""
        return self._db.write(
            lambda conn: conn.execute("DELETE FROM responses WHERE response_id = ?", (response_id,)).rowcount > 0
        )
