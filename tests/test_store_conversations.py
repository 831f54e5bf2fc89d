"""Conversations: listing order and filters, rename/archive/draft, delete, UI state and caches."""

from __future__ import annotations

import pytest

from grokterm.store import NotFoundError, Store


def test_list_is_newest_activity_first_and_excludes_archived(clocked_store, fake_clock):
    s = clocked_store
    a = s.create_conversation("alpha")
    fake_clock.advance(10)
    b = s.create_conversation("beta")
    fake_clock.advance(10)
    s.add_message(a.id, "user", "bump alpha")  # activity moves alpha to the top
    assert [c.title for c in s.list_conversations()] == ["alpha", "beta"]
    s.archive_conversation(a.id)
    assert [c.title for c in s.list_conversations()] == ["beta"]
    assert [c.title for c in s.list_conversations(archived=True)] == ["alpha"]
    assert {c.title for c in s.list_conversations(archived=None)} == {"alpha", "beta"}
    s.archive_conversation(a.id, archived=False)
    assert s.get_conversation(a.id).archived is False
    assert [c.id for c in s.list_conversations(limit=1)] == [a.id]
    assert [c.id for c in s.list_conversations(limit=1, offset=1)] == [b.id]


def test_list_query_matches_title_or_message_text(store):
    trip = store.create_conversation("Trip to Lisbon")
    code = store.create_conversation("Refactor")
    store.add_message(code.id, "user", "the parser crashes on 100% inputs")
    assert [c.id for c in store.list_conversations(query="lisbon")] == [trip.id]
    assert [c.id for c in store.list_conversations(query="pars")] == [code.id]  # type-ahead prefix
    assert [c.id for c in store.list_conversations(query="100%")] == [code.id]
    assert store.list_conversations(query="nothing like this") == []
    assert store.list_conversations(query='"*') == []  # odd input never raises


def test_first_user_message_names_an_untitled_conversation(store):
    c = store.create_conversation()
    store.add_message(c.id, "user", "\n  How do I bake bread at high altitude without it collapsing in the oven?\nmore")
    title = store.get_conversation(c.id).title
    assert title.startswith("How do I bake bread") and title.endswith("…") and len(title) <= 60
    store.add_message(c.id, "user", "second message does not rename")
    assert store.get_conversation(c.id).title == title


def test_rename_draft_and_update_fields(clocked_store, fake_clock):
    s = clocked_store
    c = s.create_conversation("old", model="grok-3", system_prompt="be brief")
    fake_clock.advance(5)
    s.save_draft(c.id, "half-typed thought")
    renamed = s.rename_conversation(c.id, "new")
    assert (renamed.title, renamed.draft, renamed.updated_at) == ("new", "half-typed thought", c.updated_at)
    changed = s.update_conversation(c.id, model="grok-4-0709", system_prompt=None, last_response_id="r9")
    assert (changed.model, changed.system_prompt, changed.last_response_id) == ("grok-4-0709", None, "r9")
    with pytest.raises(TypeError, match="uid"):
        s.update_conversation(c.id, uid="x")
    with pytest.raises(NotFoundError):
        s.rename_conversation(9999, "nobody")
    assert s.get_conversation(9999) is None


def test_find_conversation_by_number_or_uid(store):
    c = store.create_conversation("x")
    assert store.find_conversation(str(c.id)) == c
    assert store.find_conversation(c.uid) == c
    assert store.find_conversation(c.uid[:8]) == c
    assert store.find_conversation(c.uid[:3]) is None  # too short to be safe
    assert store.find_conversation("424242") is None


def test_delete_conversation_removes_messages_attachments_and_files(store):
    keep = store.create_conversation("keep")
    gone = store.create_conversation("gone")
    shared = b"same screenshot bytes"
    m1 = store.add_message(gone.id, "user", "look")
    store.add_attachment(m1.id, shared, mime="image/png", name="a.png")
    only_here = store.add_attachment(m1.id, b"only in gone", mime="image/jpeg", name="b.jpg")
    m2 = store.add_message(keep.id, "user", "look too")
    kept = store.add_attachment(m2.id, shared, mime="image/png", name="a.png")
    only_path = store.attachment_path(only_here)
    assert only_path.exists() and len(list(store.images_dir.iterdir())) == 2

    assert store.delete_conversation(gone.id) is True
    assert store.get_conversation(gone.id) is None
    assert store.get_message(m1.id) is None and store.get_attachment(only_here.id) is None
    assert not only_path.exists()  # its file went with it
    assert store.attachment_bytes(kept) == shared  # the de-duplicated file another message uses stays
    assert store.delete_conversation(gone.id) is False


def test_conversation_usage_totals(store):
    c = store.create_conversation()
    for cost in (100, 250):
        turn = store.start_turn("q", model="grok-3", conversation_id=c.id)
        store.finish_message(turn.assistant_message_id, "complete", text="a",
                             usage={"input_tokens": 10, "output_tokens": 5, "cost_ticks": cost})
    totals = store.conversation_usage(c.id)
    assert (totals.messages, totals.input_tokens, totals.output_tokens, totals.cost_ticks) == (4, 20, 10, 350)


def test_ui_state_round_trips_json_and_none_deletes(store):
    assert store.ui_get("open_tabs", []) == []
    store.ui_set("open_tabs", [3, 1, 2])
    store.ui_set("active_tab", 1)
    assert (store.ui_get("open_tabs"), store.ui_get("active_tab")) == ([3, 1, 2], 1)
    store.ui_set("active_tab", None)
    assert store.ui_get("active_tab", "none") == "none"


def test_cache_keeps_fetch_time_and_honours_max_age(clocked_store, fake_clock):
    s = clocked_store
    s.cache_set("models", [{"id": "grok-4"}])
    entry = s.cache_get("models")
    assert entry.value == [{"id": "grok-4"}] and entry.fetched_at == fake_clock.now
    fake_clock.advance(3601)
    assert s.cache_get("models", max_age=3600) is None
    assert s.cache_get("models").value == [{"id": "grok-4"}]
    s.cache_clear("models")
    assert s.cache_get("models") is None


def test_closed_store_refuses_calls(tmp_path):
    s = Store(tmp_path / "g.db")
    s.close()
    from grokterm.store import StoreError

    with pytest.raises(StoreError, match="closed"):
        s.list_conversations()
