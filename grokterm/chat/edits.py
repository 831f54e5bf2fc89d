"""Conversation edits the UI asks for: delete a message, edit-and-resend, retry a reply.

Each is one store transaction, so a crash or a full disk in the middle leaves the
conversation as it was, never half-truncated. Widgets call these and only redraw;
the rules (what "edit" removes, what "retry" replaces) live here and in the store.
"""

from __future__ import annotations

import asyncio

from grokterm.store import Store
from grokterm.store.rows import MessageRow


async def delete_message(store: Store, message_id: int) -> bool:
    """Delete one message (and its images when unused elsewhere)."""
    return await asyncio.to_thread(store.delete_message, message_id)


async def take_back(store: Store, conversation_id: int, message_id: int) -> list[int]:
    """Edit and resend: remove `message_id` and everything after it; returns the ids removed."""
    return await asyncio.to_thread(store.delete_from, conversation_id, message_id)


async def restart_reply(store: Store, conversation_id: int, reply_id: int, *, model: str) -> MessageRow | None:
    """Retry: `reply_id` and everything after it give way to one fresh pending reply (None: no such reply)."""
    return await asyncio.to_thread(store.restart_reply, conversation_id, reply_id, model=model)
