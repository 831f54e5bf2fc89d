"""Export to Markdown/JSON and import from JSON: lossless round trip, hostile files rejected."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict

import pytest

from grokterm.store import ImportFormatError, NewImage, NotFoundError, Store

PNG = b"\x89PNG\r\n\x1a\n fake image bytes"


def _rich_conversation(store):
    turn = store.start_turn(
        "What is in this picture?", model="grok-4-0709", system_prompt="Answer briefly.",
        images=[NewImage(PNG, "image/png", "cat.png", 640, 480, 1280, 960, 123456, "high")], origin="ask",
    )
    store.finish_message(
        turn.assistant_message_id, "complete", text="A **cat** on a sofa.", reasoning="Looked at the shapes.",
        usage={"input_tokens": 900, "cached_tokens": 100, "output_tokens": 8, "reasoning_tokens": 40,
               "image_tokens": 850, "cost_ticks": 1_234_000},
        response_id="resp-cat", ttft_ms=350, tokens_per_s=61.5,
    )
    second = store.start_turn("Anything else?", model="grok-4-0709", conversation_id=turn.conversation_id)
    store.checkpoint(second.assistant_message_id, "It also has")  # exported mid-stream
    store.save_draft(turn.conversation_id, "unsent thought")
    return turn.conversation_id


def _comparable(messages):
    # `stored` comes from the response index, which is not exported (the ids may belong to another account)
    skip = {"id", "conversation_id", "attachments", "status", "stored"}
    return [({k: v for k, v in asdict(m).items() if k not in skip},
             [{k: v for k, v in asdict(a).items() if k not in {"id", "message_id"}} for a in m.attachments])
            for m in messages]


def test_json_round_trip_into_another_store_is_lossless(store, tmp_path):
    conversation_id = _rich_conversation(store)
    exported = store.export_json(conversation_id)
    with Store(tmp_path / "elsewhere" / "g.db") as other:
        imported = other.import_json(exported)
        original = store.get_conversation(conversation_id)
        assert (imported.uid, imported.title, imported.model, imported.system_prompt, imported.draft,
                imported.created_at) == (original.uid, original.title, original.model, original.system_prompt,
                                         original.draft, original.created_at)
        assert imported.last_response_id is None  # the chain may belong to another account
        assert imported.origin == original.origin == "ask"  # still told apart from the app's chats
        before, after = store.list_messages(conversation_id), other.list_messages(imported.id)
        assert _comparable(after) == _comparable(before)
        assert [m.status for m in after] == ["complete", "complete", "complete", "interrupted"]
        attachment = after[0].attachments[0]
        assert other.attachment_bytes(attachment) == PNG
        assert other.attachment_path(attachment).parent == other.images_dir
        # and it exports back to the same document (apart from the export time and chain head)
        again = json.loads(other.export_json(imported.id))
        first = json.loads(exported)
        for document in (again, first):
            document.pop("exported_at")
            document["conversation"]["last_response_id"] = None
            document["messages"][-1]["status"] = "interrupted"
        assert again == first


def test_import_into_the_same_store_gets_a_new_uid_and_searchable_text(store):
    conversation_id = _rich_conversation(store)
    copy = store.import_json(store.export_json(conversation_id))
    assert copy.id != conversation_id and copy.uid != store.get_conversation(conversation_id).uid
    assert {h.conversation_id for h in store.search("sofa")} == {conversation_id, copy.id}


def test_json_without_images_references_them_by_hash(store, tmp_path):
    conversation_id = _rich_conversation(store)
    exported = store.export_json(conversation_id, include_images=False)
    assert base64.b64encode(PNG).decode() not in exported
    attachment = json.loads(exported)["messages"][0]["attachments"][0]
    assert "data_base64" not in attachment and len(attachment["sha256"]) == 64
    copy = store.import_json(exported)  # this store has the file: the copy links it
    assert store.attachment_bytes(store.list_messages(copy.id)[0].attachments[0]) == PNG
    with Store(tmp_path / "bare.db") as other:  # another store does not: metadata kept, bytes missing
        imported = other.import_json(exported)
        kept = other.list_messages(imported.id)[0].attachments[0]
        assert (kept.name, kept.width, other.attachment_bytes(kept)) == ("cat.png", 640, None)


def test_markdown_export_is_readable_and_never_inlines_images(store):
    conversation_id = _rich_conversation(store)
    md = store.export_markdown(conversation_id)
    sha = store.list_messages(conversation_id)[0].attachments[0].sha256
    assert md.startswith("# What is in this picture?\n")
    for expected in ("## System prompt", "Answer briefly.", "### You", "### Grok (grok-4-0709)",
                     "A **cat** on a sofa.", "<summary>Reasoning</summary>", "Looked at the shapes.",
                     f"![cat.png 640×480](images/{sha}.png)", "in 900", "$0.0001", "response `resp-cat`",
                     "It also has", "*status: streaming*"):
        assert expected in md, expected
    assert "base64" not in md and base64.b64encode(PNG).decode() not in md
    assert f"(/abs/{sha}.png)" in store.export_markdown(conversation_id, image_prefix="/abs/")
    with pytest.raises(NotFoundError):
        store.export_markdown(424242)


def _valid_document(store):
    return json.loads(store.export_json(_rich_conversation(store)))


@pytest.mark.parametrize("breakage", [
    lambda d: "not json at all {",
    lambda d: json.dumps([1, 2]),
    lambda d: dict(d, format="something-else"),
    lambda d: dict(d, version=99),
    lambda d: dict(d, messages="nope"),
    lambda d: dict(d, messages=[{"role": "wizard", "text": "x"}]),
    lambda d: dict(d, messages=[{"role": "user", "text": 5}]),
    lambda d: dict(d, messages=[{"role": "user", "status": "exploded"}]),
    lambda d: dict(d, messages=[{"role": "user", "usage": {"input_tokens": "many"}}]),
    lambda d: dict(d, messages=[{"role": "user", "attachments": [{"mime": "image/png", "data_base64": "!!!"}]}]),
    lambda d: dict(d, messages=[{"role": "user", "attachments": [
        {"mime": "image/png", "data_base64": base64.b64encode(b"x").decode(), "sha256": "0" * 64}]}]),
    lambda d: dict(d, messages=[{"role": "user", "attachments": [
        {"mime": "image/png", "sha256": "../../etc/passwd"}]}]),
])
def test_bad_import_files_are_rejected_without_side_effects(store, breakage):
    document = _valid_document(store)
    before = len(store.list_conversations(archived=None))
    broken = breakage(document)
    with pytest.raises(ImportFormatError):
        store.import_json(broken if isinstance(broken, str) else json.dumps(broken))
    assert len(store.list_conversations(archived=None)) == before  # nothing half-imported


@pytest.mark.parametrize("options", [
    "high", {"temperature": 3}, {"temperature": True}, {"max_output_tokens": 0}, {"max_output_tokens": 1.5},
    {"reasoning_effort": 7}, {"reasoning_effort": "x" * 500},
])
def test_bad_turn_options_are_rejected_without_side_effects(store, options):
    document = _valid_document(store)
    before = len(store.list_conversations(archived=None))
    document["conversation"]["options"] = options
    with pytest.raises(ImportFormatError, match="options"):
        store.import_json(json.dumps(document))
    assert len(store.list_conversations(archived=None)) == before


def test_a_deleted_conversations_options_are_not_inherited_by_the_next_one(store):
    """SQLite reuses the highest deleted id: its turn options go with it, so neither a new
    conversation nor an imported one starts with a stranger's temperature."""
    from grokterm.chat.options import TurnOptions, load_options, save_options

    document = _valid_document(store)
    gone = store.create_conversation(title="short-lived")
    save_options(store, gone.id, TurnOptions(temperature=1.5))
    assert store.delete_conversation(gone.id)
    assert load_options(store, gone.id) == TurnOptions()
    save_options(store, gone.id, TurnOptions(temperature=1.5))  # a stale key, as an older grokterm left it
    document["conversation"].pop("options", None)
    imported = store.import_json(json.dumps(document))
    assert imported.id == gone.id and load_options(store, imported.id) == TurnOptions()
    document["conversation"]["options"] = {"temperature": 1, "max_output_tokens": None, "unknown": "dropped"}
    again = store.import_json(json.dumps(document))
    assert load_options(store, again.id) == TurnOptions(temperature=1.0)
    assert store.ui_get(f"conversation_options:{again.id}") == {
        "reasoning_effort": None, "temperature": 1.0, "max_output_tokens": None}


def test_an_image_prompts_request_travels_with_export_and_import(store, tmp_path):
    from grokterm.store.image_requests import ImageRequestRow

    conversation = store.create_conversation(title="kites")
    prompt = store.add_message(conversation.id, "user", "three kites", kind="image_prompt",
                               image_request=ImageRequestRow(3, "grok-imagine-image-quality"))
    store.add_message(conversation.id, "assistant", "", kind="image", status="failed", error="HTTP 503")
    document = json.loads(store.export_json(conversation.id))
    assert document["messages"][0]["image_request"] == {"n": 3, "model": "grok-imagine-image-quality"}
    assert "image_request" not in document["messages"][1]
    with Store(tmp_path / "other.db") as other:
        copy = other.import_json(json.dumps(document))
        first = other.list_messages(copy.id)[0]
        assert other.image_request(first.id) == ImageRequestRow(3, "grok-imagine-image-quality")
    assert store.image_request(prompt.id) == ImageRequestRow(3, "grok-imagine-image-quality")
    for bad in ("3", {"n": 0}, {"n": "three"}, {"n": 2, "model": 5}):
        document["messages"][0]["image_request"] = bad
        with pytest.raises(ImportFormatError, match=r"image_request|wrong type"):
            store.import_json(json.dumps(document))
