"""Conversation edits are single store transactions: all of the edit happens, or none of it."""

from __future__ import annotations

import sqlite3

import pytest

from grokterm.chat import edits
from grokterm.store.errors import StorageFault
from grokterm.store.messages import MessagesMixin


def _conversation(store):
    """user, reply, user, reply: the ids in order."""
    first = store.start_turn("first question", model="grok-4")
    store.finish_message(first.assistant_message_id, "complete", text="first answer", response_id="resp-1")
    second = store.start_turn("second question", model="grok-4", conversation_id=first.conversation_id)
    store.finish_message(second.assistant_message_id, "failed", text="half an ans")
    ids = [first.user_message_id, first.assistant_message_id, second.user_message_id, second.assistant_message_id]
    return first.conversation_id, ids


def _ids(store, conversation_id):
    return [m.id for m in store.list_messages(conversation_id)]


async def test_take_back_removes_the_message_and_everything_after_it(store):
    conversation_id, ids = _conversation(store)
    assert await edits.take_back(store, conversation_id, ids[2]) == ids[2:]
    assert _ids(store, conversation_id) == ids[:2]
    assert await edits.take_back(store, conversation_id, 999_999) == []  # not in this conversation: nothing


async def test_restart_reply_replaces_the_tail_with_one_pending_reply(store):
    conversation_id, ids = _conversation(store)
    fresh = await edits.restart_reply(store, conversation_id, ids[1], model="grok-3")
    assert fresh is not None and fresh.status == "pending" and fresh.model == "grok-3"
    assert _ids(store, conversation_id) == [ids[0], fresh.id]
    assert store.get_conversation(conversation_id).last_response_id is None  # its chain head went with it
    assert await edits.restart_reply(store, conversation_id, ids[0], model="grok-3") is None  # a user message
    assert _ids(store, conversation_id) == [ids[0], fresh.id]


@pytest.mark.parametrize("edit", ["take_back", "restart_reply"])
async def test_a_failure_half_way_leaves_the_conversation_untouched(store, monkeypatch, edit):
    conversation_id, ids = _conversation(store)
    real_delete = MessagesMixin._delete_message
    calls = []

    def delete_then_fail(self, conn: sqlite3.Connection, message_id: int) -> bool:
        calls.append(message_id)
        if len(calls) == 2:
            raise sqlite3.OperationalError("database or disk is full")
        return real_delete(self, conn, message_id)

    monkeypatch.setattr(MessagesMixin, "_delete_message", delete_then_fail)
    run = (edits.take_back(store, conversation_id, ids[1]) if edit == "take_back"
           else edits.restart_reply(store, conversation_id, ids[1], model="grok-4"))
    with pytest.raises(StorageFault, match="full"):  # the store's one-line message (issue 10)
        await run
    assert len(calls) == 2  # the first row was deleted inside the transaction, then rolled back
    assert _ids(store, conversation_id) == ids


async def test_delete_message_removes_one(store):
    conversation_id, ids = _conversation(store)
    assert await edits.delete_message(store, ids[3]) is True
    assert _ids(store, conversation_id) == ids[:3]
