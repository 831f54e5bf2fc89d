"""grokterm.chat.responses against the emulator: list, fetch, delete, expiry, 404s, faults, chain,
open by id, continue and branch (real turns through TurnRunner, real SQLite)."""

from __future__ import annotations

import socket

import pytest
from fixtures_store import FakeClock

from grokterm.chat import responses as rs
from grokterm.chat.runner import TurnRunner
from grokterm.emulator.faults import Fault
from grokterm.store import Store
from grokterm.xai.client import XAIClient
from grokterm.xai.errors import APIConnectionError, NotFoundError, ServerError
from grokterm.xai.events import Completed

DAY = 24 * 3600
MODEL = "grok-3"


@pytest.fixture
def clock() -> FakeClock:
    import time

    return FakeClock(time.time())


@pytest.fixture
def db(tmp_path, clock):
    store = Store(tmp_path / "db.sqlite", clock=clock)
    yield store
    store.close()


@pytest.fixture
async def client(emulator):
    async with XAIClient(emulator.api_key, base_url=emulator.base_url, max_retries=0) as c:
        yield c


async def turn(store: Store, client: XAIClient, conversation_id: int, text: str) -> Completed:
    tick = getattr(store._clock, "advance", None)
    if tick is not None:
        tick(1)  # distinct created times, so "newest first" is well defined
    runner = TurnRunner(store, client)
    events = [event async for event in runner.send(conversation_id, text, model=MODEL)]
    done = events[-1]
    assert isinstance(done, Completed), done
    return done


async def conversation_with(store, client, *prompts: str) -> tuple[int, list[str]]:
    conversation = store.create_conversation(model=MODEL)
    ids = [(await turn(store, client, conversation.id, prompt)).response_id for prompt in prompts]
    return conversation.id, ids


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


async def test_turns_are_listed_with_titles_previews_tokens_and_cost(db, client):
    first, ids = await conversation_with(db, client, "!echo alpha reply", "!echo beta reply")
    second, more = await conversation_with(db, client, "!echo gamma reply")
    entries = db.list_responses()
    assert [e.response_id for e in entries] == [more[0], ids[1], ids[0]]  # newest first
    by_id = {e.response_id: e for e in entries}
    assert by_id[ids[0]].conversation_id == first and by_id[more[0]].conversation_id == second
    assert by_id[ids[1]].prompt_preview == "!echo beta reply" and by_id[ids[1]].reply_preview == "beta reply"
    assert all(e.status == "live" and e.stored and e.model == MODEL for e in entries)
    assert all(e.output_tokens and e.cost_ticks for e in entries)


async def test_fetch_returns_the_stored_output_and_marks_the_entry_checked(db, client, clock):
    _, (response_id,) = await conversation_with(db, client, "!echo stored words")
    clock.advance(60)
    fetched = await rs.fetch(db, client, response_id)
    assert fetched.response.output_text == "stored words"
    assert fetched.entry.status == "live" and fetched.entry.checked_at == clock.now


async def test_delete_marks_the_row_deleted_and_later_gets_are_404(db, client, emulator):
    _, (response_id,) = await conversation_with(db, client, "!echo doomed")
    entry = await rs.delete(db, client, response_id)
    assert entry.status == "deleted" and db.get_response_entry(response_id) is not None
    assert [r.method for r in emulator.state.requests if r.path.endswith(response_id)] == ["DELETE"]
    with pytest.raises(NotFoundError):
        await client.get_response(response_id)
    with pytest.raises(rs.ResponseGone) as gone:
        await rs.fetch(db, client, response_id)
    assert gone.value.status == "deleted" and "deleted" in str(gone.value)
    assert db.get_response_entry(response_id).status == "deleted"


async def test_past_thirty_days_the_row_is_expired_and_the_server_agrees(db, client, emulator, clock):
    conversation_id, (response_id,) = await conversation_with(db, client, "!echo old news")
    emulator.state.clock_advance(31 * DAY)
    clock.advance(31 * DAY)
    assert rs.effective_status(db.get_response_entry(response_id), clock.now) == "expired"
    entry = await rs.refresh(db, client, response_id)
    assert entry.status == "expired"
    assert [e.response_id for e in db.list_responses(status="expired")] == [response_id]
    # The next turn is not chained on a response the server has discarded.
    await turn(db, client, conversation_id, "!echo again")
    assert "previous_response_id" not in emulator.state.requests[-1].json


async def test_a_404_inside_the_30_days_is_unknown_not_deleted(db, client, emulator):
    _, (response_id,) = await conversation_with(db, client, "!echo gone elsewhere")
    assert emulator.state.delete_response(response_id)  # e.g. deleted by another tool
    with pytest.raises(rs.ResponseGone) as gone:
        await rs.fetch(db, client, response_id)
    assert gone.value.status == "unknown" and "different API key" in str(gone.value)
    assert db.get_response_entry(response_id).status == "unknown"


@pytest.mark.parametrize("fault", ["500", "connection refused"])
async def test_network_faults_never_change_the_index(db, client, emulator, fault):
    _, (response_id,) = await conversation_with(db, client, "!echo keep me")
    before = db.get_response_entry(response_id)
    if fault == "500":
        emulator.state.push_fault(Fault("status", status=500, times=10))
        target, expected = client, ServerError
    else:
        target, expected = XAIClient("k", base_url=closed_port_url(), max_retries=0), APIConnectionError
    async with target if target is not client else _noop():
        with pytest.raises(expected):
            await rs.fetch(db, target, response_id)
        with pytest.raises(expected):
            await rs.delete(db, target, response_id)
        report = await rs.refresh_many(db, target, [response_id, "other-id"])
    assert isinstance(report.error, expected) and report.done == [] and report.gone == []
    assert db.get_response_entry(response_id) == before
    assert [e.response_id for e in db.list_responses()] == [response_id]


class _noop:
    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return None


async def test_bulk_delete_reports_deleted_and_already_gone(db, client, emulator):
    _, ids = await conversation_with(db, client, "!echo one", "!echo two", "!echo three")
    emulator.state.delete_response(ids[2])
    report = await rs.delete_many(db, client, ids)
    assert sorted(report.done) == sorted(ids[:2]) and report.gone == [(ids[2], "unknown")]
    assert "2 deleted" in report.summary("deleted")
    assert {db.get_response_entry(i).status for i in ids[:2]} == {"deleted"}
    assert rs.forget(db, ids) == 3 and db.list_responses() == []


async def test_refresh_many_marks_live_and_gone(db, client, emulator):
    _, ids = await conversation_with(db, client, "!echo a", "!echo b")
    emulator.state.delete_response(ids[0])
    report = await rs.refresh_many(db, client, ids)
    assert report.done == [ids[1]] and report.gone == [(ids[0], "unknown")] and report.error is None


async def test_open_by_id_indexes_a_response_created_elsewhere(db, client, emulator_http):
    created = emulator_http.post("/responses", json={"model": "grok-3", "input": "!echo made elsewhere"}).json()
    assert db.get_response_entry(created["id"]) is None
    fetched = await rs.fetch(db, client, f"  {created['id']} ")
    entry = db.get_response_entry(created["id"])
    assert fetched.response.output_text == "made elsewhere"
    assert (entry.status, entry.stored, entry.model, entry.conversation_id) == ("live", True, "grok-3", None)
    assert entry.created_at == created["created_at"] and entry.reply_preview == "made elsewhere"
    assert entry.cost_ticks == created["usage"]["cost_in_usd_ticks"]
    with pytest.raises(rs.ResponseGone) as gone:
        await rs.fetch(db, client, "no-such-response")
    assert "not in the local index" in str(gone.value) and db.get_response_entry("no-such-response") is None


async def test_walk_chain_follows_previous_response_id_and_falls_back_to_the_index(db, client, emulator):
    _, ids = await conversation_with(db, client, "!echo 1", "!echo 2", "!echo 3")
    third = (await rs.fetch(db, client, ids[2])).response
    chain = await rs.walk_chain(db, client, third)
    assert [link.response_id for link in chain.links] == ids[:2] and chain.complete
    assert {link.source for link in chain.links} == {"server"}
    short = await rs.walk_chain(db, client, third, max_depth=1)
    assert [(link.response_id, link.source) for link in short.links] == [(ids[0], "index"), (ids[1], "server")]
    assert not short.complete and "local index" in short.note
    emulator.state.delete_response(ids[1])
    broken = await rs.walk_chain(db, client, third)
    assert [(link.response_id, link.status) for link in broken.links] == [(ids[0], "live"), (ids[1], "unknown")]
    assert "no longer on the server" in broken.note


async def test_branch_copies_history_and_chains_on_the_response(db, client, emulator):
    original, ids = await conversation_with(db, client, "my name is Ada", "I like tea")
    before = db.list_messages(original)
    target = await rs.continue_from(db, client, ids[0], branch=True)
    assert target.created and target.conversation_id != original
    copied = db.list_messages(target.conversation_id)
    assert [(m.role, m.text) for m in copied] == [(m.role, m.text) for m in before[:2]]
    assert copied[-1].response_id == ids[0] and copied[-1].status == "complete"
    assert db.get_conversation(target.conversation_id).title.startswith(rs.BRANCH_MARK)
    assert db.get_response_entry(ids[0]).conversation_id == original  # the index keeps the original link

    reply = await turn(db, client, target.conversation_id, "!recall")
    sent = emulator.state.requests[-1].json
    assert sent["previous_response_id"] == ids[0] and sent["input"] == [{"role": "user", "content": "!recall"}]
    assert "my name is Ada" in reply.text and "I like tea" not in reply.text
    assert db.list_messages(original) == before  # the original conversation is untouched


async def test_continue_reopens_the_original_when_the_response_is_its_chain_head(db, client):
    original, ids = await conversation_with(db, client, "!echo first", "!echo second")
    head = await rs.continue_from(db, client, ids[1])
    assert (head.conversation_id, head.created) == (original, False)
    older = await rs.continue_from(db, client, ids[0])  # not the head any more: branches
    assert older.created and older.conversation_id != original
    db.delete_conversation(original)
    orphan = await rs.continue_from(db, client, ids[1])  # conversation gone: a new one, linked in the index
    assert orphan.created and db.get_response_entry(ids[1]).conversation_id == orphan.conversation_id


async def test_continue_a_foreign_response(db, client, emulator, emulator_http):
    created = emulator_http.post("/responses", json={"model": "grok-3", "input": "the password is swordfish"}).json()
    target = await rs.continue_from(db, client, created["id"])
    assert target.created
    messages = db.list_messages(target.conversation_id)
    assert [(m.role, m.response_id) for m in messages] == [("assistant", created["id"])]
    reply = await turn(db, client, target.conversation_id, "!recall")
    assert emulator.state.requests[-1].json["previous_response_id"] == created["id"]
    assert "the password is swordfish" in reply.text
    assert db.get_response_entry(created["id"]).conversation_id == target.conversation_id


async def test_continue_a_deleted_response_fails_plainly(db, client):
    _, (response_id,) = await conversation_with(db, client, "!echo bye")
    await rs.delete(db, client, response_id)
    conversations = len(db.list_conversations())
    with pytest.raises(rs.ResponseGone):
        await rs.continue_from(db, client, response_id, branch=True)
    assert len(db.list_conversations()) == conversations
