"""Stored responses: the logic shared by the TUI browser and `grokterm responses` (no Textual here).

The API can GET and DELETE a response stored with `store: true` (for 30 days)
but cannot list them, so the local index (`Store.list_responses`) is the user's
only catalogue. The rules that keep that catalogue honest live here, once:

* Only a definite answer from the server changes the index: 200 means 'live',
  404 means gone. Connection failures, timeouts and 5xx raise the client's
  `XAIError` and leave the index exactly as it was.
* A 404 says "not here" without saying why. We classify it from what we know
  (`status_after_404`): 'deleted' when we deleted it ourselves, 'expired' when
  it is past its 30 days, otherwise 'unknown' (deleted elsewhere, or created
  with another API key).
* Continue and branch (the screen help repeats this):
    - branch: a NEW conversation holding a copy of the local history up to and
      including the response (or just the response, when it has no local
      history), whose next turn is chained on it with previous_response_id.
      The original conversation is never touched.
    - continue: when the response is the chain head (last reply) of its
      original conversation, that conversation is simply reopened: the next
      message chains on the response there. Otherwise it branches.
* Open by id: a response created elsewhere with the same key is fetched and
  joins the index, after which it can be viewed, continued or deleted like any other.

Store calls are blocking, so every coroutine here runs them in a thread.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

from grokterm.chat.models import model_for_cost
from grokterm.store import Conversation, ResponseIndexEntry, Store
from grokterm.store.conversations import derive_title
from grokterm.store.exchange import FORMAT, FORMAT_VERSION
from grokterm.store.responses import UNSTORED as UNSTORED_STATUS
from grokterm.store.rows import USAGE_FIELDS
from grokterm.xai.errors import NotFoundError, XAIError
from grokterm.xai.usage import Usage, cost_ticks

if TYPE_CHECKING:  # kept lazy: `grokterm responses list` never loads httpx or pydantic
    from grokterm.xai.client import XAIClient
    from grokterm.xai.wire import ResponseObject

UNSTORED = UNSTORED_STATUS  # display status of a reply sent with store: false
CHAIN_DEPTH = 8  # GETs spent walking previous_response_id before relying on the local index
CHECK_CONCURRENCY = 4  # parallel GETs when refreshing many statuses
BRANCH_MARK = "↪ "
_MARKDOWN_MARKS = re.compile(r"[*_`#>]+")


class ResponseGone(Exception):
    """The server answered 404 for this id; `status` is what the index says now."""

    def __init__(self, response_id: str, status: str, entry: ResponseIndexEntry | None) -> None:
        self.response_id = response_id
        self.status = status
        self.entry = entry
        super().__init__(gone_message(response_id, status, indexed=entry is not None))


def status_after_404(entry: ResponseIndexEntry | None) -> str:
    """What a 404 means for an indexed response (see the module docstring)."""
    if entry is None:
        return "unknown"
    if not entry.stored:
        return UNSTORED
    if entry.status in ("deleted", "expired"):
        return entry.status  # we deleted it, or the index already counts it as past its 30 days
    return "unknown"


def gone_message(response_id: str, status: str, *, indexed: bool = True) -> str:
    reasons = {
        "deleted": "it was deleted",
        "expired": "it is older than 30 days, so the server has discarded it",
        "unknown": "it was deleted elsewhere, has expired, or was created with a different API key",
        UNSTORED: "it was sent with store: false (an image turn, or a chat-completions reply), "
                  "so the server never kept it",
    }
    where = "" if indexed else " (and it is not in the local index)"
    return f"Response {response_id} is not on the server: {reasons.get(status, reasons['unknown'])}{where}."


def effective_status(entry: ResponseIndexEntry, now: float) -> str:
    """The status at `now`: live until `expires_at`, expired after it.

    The store already reports a live entry past its expiry as 'expired', by its own
    clock; recomputing from `expires_at` lets a caller with another clock (a frozen
    one in a snapshot) see the same answer on any day.
    """
    if not entry.stored and entry.status != "deleted":
        return UNSTORED  # never kept by the server: no expiry, and a 404 says nothing new
    if entry.status in ("live", "expired"):
        return "expired" if entry.expires_at <= now else "live"
    return entry.status


def reply_usage(response: ResponseObject, models: Sequence[Any] = ()) -> Usage | None:
    """The response's usage, with a cost computed from the model's prices when the server sent none."""
    usage = response.usage.normalised() if response.usage is not None else None
    if usage is None or usage.cost_ticks is not None:
        return usage
    model = model_for_cost(models, response.model)
    ticks = cost_ticks(usage, model) if model is not None else None
    return usage if ticks is None else replace(usage, cost_ticks=ticks)


# ---------------------------------------------------------------------------- fetch / refresh


@dataclass(frozen=True)
class Fetched:
    response: ResponseObject
    entry: ResponseIndexEntry | None  # None only when asked not to index a foreign id


async def fetch(
    store: Store, client: XAIClient, response_id: str, *, index_foreign: bool = True, models: Sequence[Any] = (),
) -> Fetched:
    """GET the response and record the answer in the index.

    200: the entry is marked live (a foreign id joins the index when `index_foreign`).
    404: the entry is marked with `status_after_404` and ResponseGone is raised.
    Anything else: the XAIError propagates and the index is not touched.
    """
    response_id = response_id.strip()
    entry = await asyncio.to_thread(store.get_response_entry, response_id)
    try:
        response = await client.get_response(response_id)
    except NotFoundError:
        status = status_after_404(entry)
        if entry is not None:
            entry = await asyncio.to_thread(store.mark_response_status, response_id, status)
        raise ResponseGone(response_id, status, entry) from None
    if entry is None and not index_foreign:
        return Fetched(response, None)
    entry = await asyncio.to_thread(_record_live, store, response, entry, models)
    return Fetched(response, entry)


def _record_live(
    store: Store, response: ResponseObject, entry: ResponseIndexEntry | None, models: Sequence[Any]
) -> ResponseIndexEntry:
    """The server has it: index it (foreign ids, or entries we thought were not stored) and mark it live."""
    if entry is None or not entry.stored:
        usage = reply_usage(response, models)
        store.index_response(
            response.id, model=response.model,
            created_at=float(response.created_at) if response.created_at else None,
            reply_preview=response.output_text, usage=usage, stored=True, status="live",
        )
    return store.mark_response_status(response.id, "live")


async def refresh(store: Store, client: XAIClient, response_id: str) -> ResponseIndexEntry | None:
    """Ask the server about one indexed response; returns the updated entry (None if not indexed).
    Unlike `fetch`, a 404 is an answer here, not an error. Network faults raise, index untouched."""
    try:
        return (await fetch(store, client, response_id, index_foreign=False)).entry
    except ResponseGone as gone:
        return gone.entry


@dataclass
class BulkReport:
    """What a bulk check or delete did; `error` is the fault that stopped it early, if any."""

    done: list[str] = field(default_factory=list)  # checked live / deleted
    gone: list[tuple[str, str]] = field(default_factory=list)  # (id, status) answered 404
    not_attempted: list[str] = field(default_factory=list)
    error: XAIError | None = None

    def summary(self, verb: str) -> str:
        parts = [f"{len(self.done)} {verb}"]
        if self.gone:
            parts.append(f"{len(self.gone)} no longer on the server")
        if self.error is not None:
            parts.append(f"stopped: {self.error}")
            if self.not_attempted:
                parts.append(f"{len(self.not_attempted)} not tried (index unchanged)")
        return "; ".join(parts)


async def _bulk(ids: Sequence[str], one: Callable[[str], Awaitable[str | None]], concurrency: int) -> BulkReport:
    """Run `one(id)` (None when done, else the 404 status) over ids with bounded concurrency;
    the first other fault stops new attempts, so a dead connection costs one error, not N."""
    report = BulkReport()
    limit = asyncio.Semaphore(max(1, concurrency))
    stop = asyncio.Event()

    async def run(response_id: str) -> None:
        async with limit:
            if stop.is_set():
                report.not_attempted.append(response_id)
                return
            try:
                gone_status = await one(response_id)
            except XAIError as error:
                report.error = report.error or error
                report.not_attempted.append(response_id)
                stop.set()
                return
            if gone_status is None:
                report.done.append(response_id)
            else:
                report.gone.append((response_id, gone_status))

    await asyncio.gather(*(run(response_id) for response_id in dict.fromkeys(ids)))
    return report


async def refresh_many(
    store: Store, client: XAIClient, ids: Sequence[str], *, concurrency: int = CHECK_CONCURRENCY
) -> BulkReport:
    """Check many responses; `done` lists the live ones, `gone` the 404s with their new status."""

    async def one(response_id: str) -> str | None:
        try:
            await fetch(store, client, response_id, index_foreign=False)
        except ResponseGone as gone:
            return gone.status
        return None

    return await _bulk(ids, one, concurrency)


# ---------------------------------------------------------------------------- delete / forget


async def delete(store: Store, client: XAIClient, response_id: str) -> ResponseIndexEntry | None:
    """DELETE on the server, then mark the entry 'deleted' (the row is kept).

    404 marks it per `status_after_404` and raises ResponseGone; other faults raise, index untouched.
    Returns None for an id that is not in the index (deleted on the server all the same).
    """
    response_id = response_id.strip()
    entry = await asyncio.to_thread(store.get_response_entry, response_id)
    try:
        await client.delete_response(response_id)
    except NotFoundError:
        status = status_after_404(entry)
        if entry is not None:
            entry = await asyncio.to_thread(store.mark_response_status, response_id, status)
        raise ResponseGone(response_id, status, entry) from None
    if entry is None:
        return None
    return await asyncio.to_thread(store.mark_response_deleted, response_id)


async def delete_many(
    store: Store, client: XAIClient, ids: Sequence[str], *, concurrency: int = CHECK_CONCURRENCY
) -> BulkReport:
    async def one(response_id: str) -> str | None:
        try:
            await delete(store, client, response_id)
        except ResponseGone as gone:
            return gone.status
        return None

    return await _bulk(ids, one, concurrency)


def forget(store: Store, ids: Sequence[str]) -> int:
    """Remove entries from the local index only (blocking; the server copies are untouched)."""
    return sum(1 for response_id in dict.fromkeys(ids) if store.forget_response(response_id))


# ---------------------------------------------------------------------------- chain


@dataclass(frozen=True)
class ChainLink:
    """One earlier response in the previous_response_id chain (oldest first in `Chain.links`)."""

    response_id: str
    status: str  # live / deleted / expired / unknown
    source: str  # "server" (GET answered) or "index" (known locally only)
    model: str | None = None
    created_at: float | None = None
    preview: str = ""


@dataclass(frozen=True)
class Chain:
    links: tuple[ChainLink, ...]  # ancestors, oldest first; the response itself is not included
    complete: bool  # True when the walk reached the first response of the chain
    note: str = ""  # why the walk stopped early, if it did


async def walk_chain(
    store: Store, client: XAIClient, response: ResponseObject, *, max_depth: int = CHAIN_DEPTH
) -> Chain:
    """Follow previous_response_id by GET (at most `max_depth` requests), then the local index.

    Every answer updates the index like `refresh` does; a network fault stops the GET walk
    (noted) and the rest comes from the local conversation, if there is one.
    """
    links: list[ChainLink] = []
    note = ""
    current = response.previous_response_id
    last_reached = response.id
    while current:
        if len(links) >= max_depth:
            note = f"the first {max_depth} links come from the server"
            break
        try:
            fetched = await fetch(store, client, current, index_foreign=False)
        except ResponseGone as gone:
            entry = gone.entry
            links.append(ChainLink(current, gone.status, "server", entry.model if entry else None,
                                   entry.created_at if entry else None, (entry.reply_preview if entry else "") or ""))
            last_reached = current
            note = "an earlier response is no longer on the server"
            break
        except XAIError as error:
            note = f"could not ask the server: {error}"
            break
        found = fetched.response
        links.append(ChainLink(found.id, "live", "server", found.model,
                               float(found.created_at) if found.created_at else None, found.output_text[:200]))
        last_reached = current
        current = found.previous_response_id
    else:
        links.reverse()
        return Chain(tuple(links), True)
    local = await asyncio.to_thread(_local_ancestors, store, last_reached)
    if local:
        note += "; earlier links from the local index"
    links.extend(local)
    links.reverse()
    return Chain(tuple(links), False, note)


def _local_ancestors(store: Store, response_id: str) -> list[ChainLink]:
    """Earlier replies of the response's local conversation, newest first (what it was chained on)."""
    entry = store.get_response_entry(response_id)
    if entry is None or entry.conversation_id is None or entry.message_id is None:
        return []
    rows = store.list_messages(entry.conversation_id, before_id=entry.message_id)
    links = []
    for row in reversed(rows):
        if row.role != "assistant":
            continue
        if row.status != "complete" or not row.response_id:
            break  # the chain was broken here (a failed or unstored reply)
        known = store.get_response_entry(row.response_id)
        if known is None or not known.stored:
            break
        links.append(ChainLink(row.response_id, known.status, "index", known.model, known.created_at,
                               known.reply_preview))
    return links


# ---------------------------------------------------------------------------- continue / branch


@dataclass(frozen=True)
class ContinueTarget:
    conversation_id: int
    created: bool  # False: the original conversation, where this response is the chain head
    response: ResponseObject
    entry: ResponseIndexEntry | None


async def continue_from(
    store: Store, client: XAIClient, response_id: str, *, branch: bool = False, models: Sequence[Any] = (),
) -> ContinueTarget:
    """Where the next turn on `response_id` goes (see the module docstring for continue vs branch).

    The response is fetched first, so it is known to be live (ResponseGone / XAIError otherwise).
    """
    fetched = await fetch(store, client, response_id, models=models)
    if not branch:
        original = await asyncio.to_thread(chain_head_conversation, store, fetched.entry)
        if original is not None:
            return ContinueTarget(original.id, False, fetched.response, fetched.entry)
    conversation = await asyncio.to_thread(seed_conversation, store, fetched.response, fetched.entry, models)
    entry = await asyncio.to_thread(store.get_response_entry, fetched.response.id)
    return ContinueTarget(conversation.id, True, fetched.response, entry)


def chain_head_conversation(store: Store, entry: ResponseIndexEntry | None) -> Conversation | None:
    """The response's original conversation if it still exists and its last reply is this response."""
    if entry is None or entry.conversation_id is None:
        return None
    conversation = store.get_conversation(entry.conversation_id)
    if conversation is None:
        return None
    rows = store.list_messages(conversation.id, limit=20)
    last_reply = next((row for row in reversed(rows) if row.role == "assistant"), None)
    if last_reply is None or last_reply.status != "complete" or last_reply.response_id != entry.response_id:
        return None
    return conversation


def seed_conversation(
    store: Store, response: ResponseObject, entry: ResponseIndexEntry | None = None, models: Sequence[Any] = (),
) -> Conversation:
    """Create a conversation whose last reply is `response` (blocking; one import transaction).

    History before it is copied from the local conversation when there is one (images by
    reference, no copy of the files); the reply itself is the server's stored copy. The new
    conversation's chain head is the response, and the index entry is live and stored, so the
    next turn is sent with previous_response_id. An entry still linked to its original
    conversation keeps that link; an orphan or foreign one is linked to the new conversation.
    """
    original = store.get_conversation(entry.conversation_id) if entry and entry.conversation_id else None
    earlier: list[dict[str, Any]] = []
    system_prompt = None
    if original is not None:
        system_prompt = original.system_prompt
        if entry is not None and entry.message_id is not None:
            earlier = _history_before(store, original.id, entry.message_id)
    usage = reply_usage(response, models)
    now = time.time()
    reply_model = response.model or (entry.model if entry else None)
    reply_created = float(response.created_at) if response.created_at else now
    reply: dict[str, Any] = {
        "role": "assistant", "text": response.output_text, "reasoning": response.reasoning_text,
        "model": reply_model, "status": "complete",
        "response_id": response.id,
        "created_at": reply_created,
        "usage": {name: getattr(usage, name, None) for name in USAGE_FIELDS} if usage else {},
    }
    document = {
        "format": FORMAT, "version": FORMAT_VERSION,
        "conversation": {
            "title": _branch_title(original, entry, response),
            "model": response.model or (entry.model if entry else None) or (original.model if original else None),
            "system_prompt": system_prompt,
        },
        "messages": [*earlier, reply],
    }
    conversation = store.import_json(document)
    conversation = store.update_conversation(conversation.id, last_response_id=response.id)
    new_reply = store.list_messages(conversation.id, limit=1)[0]
    relink = original is None
    store.index_response(
        response.id, conversation_id=conversation.id if relink else None,
        message_id=new_reply.id if relink else None, model=reply_model,
        created_at=reply_created, reply_preview=response.output_text, usage=usage,
        stored=True, status="live",
    )
    return conversation


def _history_before(store: Store, conversation_id: int, message_id: int) -> list[dict[str, Any]]:
    """The exported messages of a conversation that come before `message_id` (images by reference)."""
    rows = store.list_messages(conversation_id)
    position = next((i for i, row in enumerate(rows) if row.id == message_id), None)
    if position is None:
        return []
    exported: list[dict[str, Any]] = json.loads(store.export_json(conversation_id, include_images=False))["messages"]
    return exported[:position]


def _branch_title(original: Conversation | None, entry: ResponseIndexEntry | None, response: ResponseObject) -> str:
    if original is not None and original.title:
        base = original.title.removeprefix(BRANCH_MARK)
    elif entry is not None and entry.prompt_preview:
        base = entry.prompt_preview
    else:
        base = response.output_text or response.id
    return BRANCH_MARK + derive_title(_MARKDOWN_MARKS.sub("", base), limit=58)


# ---------------------------------------------------------------------------- JSON views


def entry_json(entry: ResponseIndexEntry, now: float) -> dict[str, Any]:
    """An index entry for `--json` output, with its effective status and time left."""
    data = asdict(entry)
    data["status"] = effective_status(entry, now)
    data["seconds_left"] = entry.seconds_left(now) if data["status"] == "live" else 0.0
    data["cost_usd"] = None if entry.cost_ticks is None else entry.cost_ticks / 10**10
    return data


def response_json(response: ResponseObject) -> dict[str, Any]:
    """The response object as the server sent it (fields it left out stay out)."""
    return response.model_dump(mode="json", exclude_unset=True)
