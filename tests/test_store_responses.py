"""The response index: created on finish, previews, expiry by clock, filters/sorts, delete/forget."""

from __future__ import annotations

import pytest

from grokterm.store import NotFoundError

DAY = 24 * 3600


def _reply(store, prompt, text, response_id, *, model="grok-4", cost=None, tokens=None, conversation_id=None,
           stored=True, status="complete"):
    turn = store.start_turn(prompt, model=model, conversation_id=conversation_id)
    usage = None if tokens is None else {"input_tokens": tokens, "output_tokens": tokens, "cost_ticks": cost}
    store.finish_message(turn.assistant_message_id, status, text=text, response_id=response_id, usage=usage,
                         stored=stored)
    return turn


def test_finishing_a_reply_indexes_it_with_previews_usage_and_expiry(clocked_store, fake_clock):
    s = clocked_store
    turn = _reply(s, "What is the   capital\nof France?", "Paris. " * 100, "resp-1", cost=5000, tokens=12)
    entry = s.get_response_entry("resp-1")
    assert (entry.conversation_id, entry.message_id, entry.model) == (
        turn.conversation_id, turn.assistant_message_id, "grok-4")
    assert entry.conversation_title == "What is the capital"  # the prompt's first line
    assert entry.prompt_preview == "What is the capital of France?"  # whitespace folded
    assert entry.reply_preview.startswith("Paris. Paris.") and len(entry.reply_preview) == 200
    assert (entry.input_tokens, entry.output_tokens, entry.cost_ticks) == (12, 12, 5000)
    assert (entry.created_at, entry.expires_at) == (fake_clock.now, fake_clock.now + 30 * DAY)
    assert (entry.status, entry.stored) == ("live", True)
    assert entry.seconds_left(fake_clock.now + 29 * DAY) == DAY


def test_unstored_and_unfinished_replies_are_indexed_as_unknown(store):
    _reply(store, "q1", "a", "resp-nostore", stored=False)
    _reply(store, "q2", "par", "resp-stopped", status="stopped")
    assert (store.get_response_entry("resp-nostore").status, store.get_response_entry("resp-nostore").stored) == (
        "unknown", False)
    assert store.get_response_entry("resp-stopped").status == "unknown"


def test_live_entries_become_expired_after_30_days_and_expiring_soon_lists_them(clocked_store, fake_clock):
    s = clocked_store
    _reply(s, "old", "a", "resp-old")
    fake_clock.advance(20 * DAY)
    _reply(s, "new", "b", "resp-new")
    fake_clock.advance(8 * DAY)  # resp-old has 2 days left, resp-new 22
    assert [e.response_id for e in s.responses_expiring(within_seconds=3 * DAY)] == ["resp-old"]
    fake_clock.advance(2 * DAY + 1)
    assert s.get_response_entry("resp-old").status == "expired"
    assert [e.response_id for e in s.list_responses(status="expired")] == ["resp-old"]
    assert [e.response_id for e in s.list_responses(status="live")] == ["resp-new"]
    assert s.responses_expiring(within_seconds=3 * DAY) == []


def test_list_filters_and_sorts(clocked_store, fake_clock):
    s = clocked_store
    first = _reply(s, "cheap question", "x", "r-cheap", model="grok-3", cost=10, tokens=5)
    fake_clock.advance(60)
    _reply(s, "pricey question", "y", "r-pricey", model="grok-4", cost=9000, tokens=500)
    fake_clock.advance(60)
    _reply(s, "middle", "z", "r-mid", model="grok-4", cost=500, tokens=50, conversation_id=first.conversation_id)
    assert [e.response_id for e in s.list_responses()] == ["r-mid", "r-pricey", "r-cheap"]
    assert [e.response_id for e in s.list_responses(descending=False)] == ["r-cheap", "r-pricey", "r-mid"]
    assert [e.response_id for e in s.list_responses(sort="cost")] == ["r-pricey", "r-mid", "r-cheap"]
    assert [e.response_id for e in s.list_responses(sort="tokens", descending=False)] == [
        "r-cheap", "r-mid", "r-pricey"]
    assert [e.response_id for e in s.list_responses(model="grok-3")] == ["r-cheap"]
    assert [e.response_id for e in s.list_responses(conversation_id=first.conversation_id)] == ["r-mid", "r-cheap"]
    assert [e.response_id for e in s.list_responses(query="pricey")] == ["r-pricey"]
    assert [e.response_id for e in s.list_responses(query="r-mi")] == ["r-mid"]
    assert [e.response_id for e in s.list_responses(limit=1, offset=1)] == ["r-pricey"]
    with pytest.raises(ValueError):
        s.list_responses(sort="random")
    with pytest.raises(ValueError):
        s.list_responses(status="zombie")


def test_mark_deleted_clears_the_chain_head_and_forget_only_drops_the_entry(store):
    turn = _reply(store, "q", "a", "resp-head")
    assert store.get_conversation(turn.conversation_id).last_response_id == "resp-head"
    entry = store.mark_response_deleted("resp-head")
    assert entry.status == "deleted" and entry.checked_at is not None
    assert store.get_conversation(turn.conversation_id).last_response_id is None
    assert [e.response_id for e in store.list_responses(status="deleted")] == ["resp-head"]
    assert store.forget_response("resp-head") is True
    assert store.get_response_entry("resp-head") is None
    assert store.get_message(turn.assistant_message_id).response_id == "resp-head"  # the message keeps it
    assert store.forget_response("resp-head") is False
    with pytest.raises(NotFoundError):
        store.mark_response_deleted("resp-head")


def test_entries_outlive_their_local_conversation(store):
    turn = _reply(store, "q", "a", "resp-kept")
    store.delete_conversation(turn.conversation_id)
    entry = store.get_response_entry("resp-kept")
    assert (entry.conversation_id, entry.message_id, entry.conversation_title) == (None, None, None)
    assert entry.status == "live"


def test_index_response_directly_and_refresh_keeps_known_fields(clocked_store, fake_clock):
    s = clocked_store
    s.index_response("ext-1", model="grok-3", created_at=1000.0, prompt_preview="hello",
                     usage={"input_tokens": 3, "output_tokens": 4})
    refreshed = s.index_response("ext-1", reply_preview="world", usage={"cost_ticks": 77})
    assert (refreshed.model, refreshed.prompt_preview, refreshed.reply_preview) == ("grok-3", "hello", "world")
    assert (refreshed.input_tokens, refreshed.output_tokens, refreshed.cost_ticks) == (3, 4, 77)
    assert (refreshed.created_at, refreshed.expires_at) == (1000.0, 1000.0 + 30 * DAY)
    assert refreshed.status == "expired"  # fake_clock is far past 1000 + 30 days
    with pytest.raises(ValueError):
        s.index_response("ext-2", status="gone")


def test_status_filters_agree_with_the_status_every_list_shows(clocked_store, fake_clock):
    """list_responses(status=S) returns exactly the entries shown as S (effective_status), for every S
    the CLI offers: an unstored reply is 'unstored' (not 'unknown', not 'live'), unless we deleted it."""
    from grokterm.chat.responses import effective_status
    from grokterm.commands.responses_cmd import STATUSES
    from grokterm.store.responses import LISTED_STATUSES

    s = clocked_store
    _reply(s, "kept", "a", "r-live")
    _reply(s, "not kept", "b", "r-unstored", stored=False)
    _reply(s, "not kept, deleted", "c", "r-unstored-deleted", stored=False)
    s.mark_response_status("r-unstored-deleted", "deleted")
    _reply(s, "old", "d", "r-old")
    _reply(s, "old and not kept", "e", "r-old-unstored", stored=False, status="stopped")
    _reply(s, "gone", "f", "r-gone")
    s.mark_response_status("r-gone", "unknown")
    fake_clock.advance(31 * DAY)
    _reply(s, "new", "g", "r-new")
    assert STATUSES == LISTED_STATUSES
    every = s.list_responses()
    now = fake_clock.now
    for status in LISTED_STATUSES:
        expected = sorted(e.response_id for e in every if effective_status(e, now) == status)
        assert sorted(e.response_id for e in s.list_responses(status=status)) == expected, status
    assert sorted(e.response_id for e in s.list_responses(status="unstored")) == ["r-old-unstored", "r-unstored"]
    assert [e.response_id for e in s.list_responses(status="live")] == ["r-new"]
