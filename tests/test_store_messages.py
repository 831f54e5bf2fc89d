"""Messages: commit-before-send, stream checkpoints, finishing a reply, recovery, attachments."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from fixtures_store import FakeClock

from grokterm.store import NewImage, NotFoundError, Store, StreamCheckpointer
from grokterm.store.base import writer_id
from grokterm.xai.usage import Usage


def test_add_message_is_committed_before_it_returns(store):
    c = store.create_conversation()
    m = store.add_message(c.id, "user", "do not lose me")
    with Store(store.path) as other:  # a separate set of connections sees it at once
        assert [x.text for x in other.list_messages(c.id)] == ["do not lose me"]
    assert (m.role, m.status) == ("user", "complete")
    assert store.add_message(c.id, "assistant").status == "pending"
    with pytest.raises(NotFoundError):
        store.add_message(424242, "user", "orphan")
    with pytest.raises(ValueError):
        store.add_message(c.id, "robot", "no")


def test_start_turn_creates_conversation_user_message_and_pending_reply(store):
    image = NewImage(b"jpegbytes", "image/jpeg", "shot.jpg", 800, 600, 1600, 1200, 900_000, "high")
    turn = store.start_turn("describe this", model="grok-4-0709", system_prompt="be exact", images=[image])
    conversation = store.get_conversation(turn.conversation_id)
    assert (conversation.model, conversation.system_prompt, conversation.title) == (
        "grok-4-0709", "be exact", "describe this")
    user, reply = store.list_messages(turn.conversation_id)
    assert (user.id, user.text, reply.id, reply.status) == (
        turn.user_message_id, "describe this", turn.assistant_message_id, "pending")
    (attachment,) = user.attachments
    assert (attachment.name, attachment.width, attachment.original_width, attachment.sent_bytes,
            attachment.detail) == ("shot.jpg", 800, 1600, len(b"jpegbytes"), "high")
    assert turn.previous_response_id is None and turn.conversation_uid == conversation.uid
    store.finish_message(turn.assistant_message_id, "complete", text="a cat", response_id="resp-1")
    second = store.start_turn("and now?", model="grok-4-0709", conversation_id=turn.conversation_id)
    assert second.previous_response_id == "resp-1"


def test_checkpointer_writes_first_delta_then_by_time_or_size(store):
    clock = FakeClock(0.0)
    turn = store.start_turn("q", model="m")
    cp = StreamCheckpointer(store, turn.assistant_message_id, interval=1.0, max_chars=20, clock=clock)
    assert cp.feed("Hello") is True  # the first delta marks the row 'streaming' at once
    row = store.get_message(turn.assistant_message_id)
    assert (row.status, row.text) == ("streaming", "Hello")
    assert cp.feed(", wor") is False  # 0.0 s later, 5 chars: not yet
    assert store.get_message(turn.assistant_message_id).text == "Hello"
    clock.advance(1.0)
    assert cp.feed("ld") is True
    assert store.get_message(turn.assistant_message_id).text == "Hello, world"
    assert cp.feed("", reasoning="x" * 25) is True  # size alone triggers a write
    assert store.get_message(turn.assistant_message_id).reasoning == "x" * 25
    assert cp.feed("!") is False and cp.flush() is True and cp.flush() is False
    assert store.get_message(turn.assistant_message_id).text == "Hello, world!"
    assert cp.writes == 4


def test_checkpointer_waits_while_the_writer_is_busy_then_saves_everything_at_once(store):
    clock, busy = FakeClock(0.0), [False]
    turn = store.start_turn("q", model="m")
    cp = StreamCheckpointer(store, turn.assistant_message_id, interval=1.0, max_chars=5, clock=clock,
                            busy=lambda: busy[0])
    assert cp.feed("Hello") is True
    busy[0] = True  # the last checkpoint is still being written: due ones wait
    assert cp.feed(", world") is False and cp.feed("!" * 50) is False
    clock.advance(5.0)
    assert cp.feed("?") is False and store.get_message(turn.assistant_message_id).text == "Hello"
    busy[0] = False
    assert cp.feed(".") is True and cp.writes == 2
    assert store.get_message(turn.assistant_message_id).text == "Hello, world" + "!" * 50 + "?."


def test_late_checkpoint_never_overwrites_a_finished_reply(store):
    turn = store.start_turn("q", model="m")
    cp = StreamCheckpointer(store, turn.assistant_message_id, clock=FakeClock())
    cp.feed("partial")
    store.finish_message(turn.assistant_message_id, "complete", text="the final answer")
    cp.feed(" more")
    assert cp.flush() is False and cp.stopped
    assert store.checkpoint(turn.assistant_message_id, "stale") is False
    row = store.get_message(turn.assistant_message_id)
    assert (row.status, row.text) == ("complete", "the final answer")


def test_finish_message_records_usage_metrics_and_moves_the_chain_head(store):
    turn = store.start_turn("q", model="grok-4")
    usage = Usage(input_tokens=120, cached_tokens=100, output_tokens=30, reasoning_tokens=50, image_tokens=64,
                  cost_ticks=987654)
    row = store.finish_message(
        turn.assistant_message_id, "complete", text="answer", reasoning="thought about it", usage=usage,
        model="grok-4-0709", response_id="resp-a", ttft_ms=420, tokens_per_s=88.5,
    )
    assert (row.input_tokens, row.cached_tokens, row.output_tokens, row.reasoning_tokens, row.image_tokens,
            row.cost_ticks, row.ttft_ms, row.tokens_per_s) == (120, 100, 30, 50, 64, 987654, 420, 88.5)
    assert (row.model, row.reasoning, row.response_id, row.status, row.error) == (
        "grok-4-0709", "thought about it", "resp-a", "complete", None)
    assert row.cost_usd == pytest.approx(0.0000987654)
    assert store.get_conversation(turn.conversation_id).last_response_id == "resp-a"

    failed = store.start_turn("again", model="grok-4", conversation_id=turn.conversation_id)
    store.finish_message(failed.assistant_message_id, "failed", text="half", error="HTTP 500 from the server")
    assert store.get_conversation(turn.conversation_id).last_response_id == "resp-a"  # unchanged
    assert store.get_message(failed.assistant_message_id).error == "HTTP 500 from the server"

    unstored = store.start_turn("with an image", model="grok-4", conversation_id=turn.conversation_id)
    store.finish_message(unstored.assistant_message_id, "complete", text="ok", response_id="resp-b", stored=False)
    assert store.get_conversation(turn.conversation_id).last_response_id is None  # next turn: full history
    with pytest.raises(ValueError):
        store.finish_message(unstored.assistant_message_id, "streaming")


def test_update_message_resets_an_interrupted_reply_for_retry(store):
    turn = store.start_turn("q", model="m")
    store.finish_message(turn.assistant_message_id, "interrupted", text="par")
    row = store.update_message(turn.assistant_message_id, status="pending", text="", error=None)
    assert (row.status, row.text) == ("pending", "")
    with pytest.raises(TypeError):
        store.update_message(turn.assistant_message_id, conversation_id=2)
    with pytest.raises(ValueError):
        store.update_message(turn.assistant_message_id, status="exploded")


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_recover_interrupted_only_takes_streams_whose_writer_is_gone(clocked_store, fake_clock):
    s = clocked_store
    c = s.create_conversation()
    ids = {name: s.add_message(c.id, "assistant", name, status="streaming").id
           for name in ("dead", "mine", "other-live", "other-stale", "earlier-me", "no-writer")}
    done = s.add_message(c.id, "assistant", "done", status="complete").id
    writers = {
        "dead": f"{_dead_pid()}:abc",
        "mine": writer_id(),
        "other-live": f"{os.getppid()}:zzz",  # pytest's parent process is alive
        "other-stale": f"{os.getppid()}:yyy",
        "earlier-me": f"{os.getpid()}:old-token",  # an earlier process that had our pid
        "no-writer": None,
    }
    for name, writer in writers.items():
        when = fake_clock.now - (3600 if name == "other-stale" else 1)
        s._db.write(lambda conn, n=name, w=writer, t=when: conn.execute(
            "UPDATE messages SET writer = ?, updated_at = ? WHERE id = ?", (w, t, ids[n])))

    recovered = s.recover_interrupted(stale_after=600)
    assert sorted(m.text for m in recovered) == ["dead", "earlier-me", "no-writer", "other-stale"]
    assert all(m.status == "interrupted" and m.error for m in recovered)
    assert s.get_message(ids["mine"]).status == "streaming"
    assert s.get_message(ids["other-live"]).status == "streaming"
    assert s.get_message(done).status == "complete"
    assert s.recover_interrupted() == []  # nothing left to do


def test_list_messages_pages_from_the_end(store):
    c = store.create_conversation()
    ids = [store.add_message(c.id, "user", f"m{i}").id for i in range(10)]
    assert [m.id for m in store.list_messages(c.id, limit=3)] == ids[-3:]
    assert [m.id for m in store.list_messages(c.id, limit=3, before_id=ids[-3])] == ids[-6:-3]
    assert [m.id for m in store.list_messages(c.id)] == ids


def test_attachment_bytes_data_url_dedup_and_missing_file(store):
    c = store.create_conversation()
    m = store.add_message(c.id, "user", "two of the same")
    a = store.add_attachment(m.id, b"\x89PNGdata", mime="image/png", name="one.png", width=2, height=3)
    b = store.add_attachment(m.id, b"\x89PNGdata", mime="image/png", name="two.png")
    assert a.file_name == b.file_name == f"{a.sha256}.png"
    assert len(list(store.images_dir.iterdir())) == 1
    assert store.attachment_bytes(b) == b"\x89PNGdata"
    assert store.attachment_data_url(a) == "data:image/png;base64,iVBOR2RhdGE="
    store.attachment_path(a).unlink()
    assert store.attachment_bytes(a) is None and store.attachment_data_url(a) is None
    with pytest.raises(NotFoundError):
        store.add_attachment(424242, b"x", mime="image/png")


def test_delete_message_removes_unshared_files_and_clears_chain_head(store):
    turn = store.start_turn("q", model="m", images=[NewImage(b"img-1", "image/jpeg", "a.jpg")])
    store.finish_message(turn.assistant_message_id, "complete", text="a", response_id="resp-x")
    (attachment,) = store.get_message(turn.user_message_id).attachments
    path = store.attachment_path(attachment)
    assert store.delete_message(turn.assistant_message_id) is True
    assert store.get_conversation(turn.conversation_id).last_response_id is None
    assert store.delete_message(turn.user_message_id) is True
    assert not path.exists()
    assert store.delete_message(turn.user_message_id) is False
    # the response index still knows the reply's id (the server still has it)
    assert store.get_response_entry("resp-x").message_id is None


def test_sweep_removes_only_old_orphan_files(store):
    c = store.create_conversation()
    m = store.add_message(c.id, "user", "x")
    used = store.add_attachment(m.id, b"used", mime="image/png")
    orphan = store.images_dir / ("0" * 64 + ".png")
    young_orphan = store.images_dir / ("1" * 64 + ".png")
    orphan.write_bytes(b"left by a crash")
    young_orphan.write_bytes(b"another process may be committing it")
    an_hour_ago = time.time() - 7200
    os.utime(orphan, (an_hour_ago, an_hour_ago))
    os.utime(store.attachment_path(used), (an_hour_ago, an_hour_ago))
    assert store.sweep_orphan_images(older_than=3600) == [orphan.name]
    assert young_orphan.exists() and store.attachment_path(used).exists()


def test_a_page_of_messages_and_the_totals_of_the_older_ones(store):
    """Opening a long conversation reads one page (LIMIT, keyset on id); the older messages are only
    counted and summed (sidebar totals), never loaded."""
    conv = store.create_conversation(title="long", model="grok-4")
    ids = []
    for i in range(10):
        ids.append(store.add_message(conv.id, "user", f"q{i}").id)
        reply = store.add_message(conv.id, "assistant", f"a{i}")
        store.finish_message(reply.id, text=f"a{i}", status="complete",
                             usage=Usage(input_tokens=10, output_tokens=i, cost_ticks=100))
        ids.append(reply.id)
    page = store.list_messages(conv.id, limit=4)
    assert [m.text for m in page] == ["q8", "a8", "q9", "a9"]
    before = store.list_messages(conv.id, limit=4, before_id=page[0].id)
    assert [m.text for m in before] == ["q6", "a6", "q7", "a7"]
    assert store.list_message_count(conv.id) == 20
    assert store.list_message_count(conv.id, before_id=page[0].id) == 16
    older = store.reply_totals(conv.id, before_id=page[0].id)
    assert older["replies"] == 8 and older["input_tokens"] == 80 and older["output_tokens"] == sum(range(8))
    assert older["cost_ticks"] == 800
    assert store.reply_totals(conv.id, before_id=ids[0])["cost_ticks"] is None  # no reply: no cost
