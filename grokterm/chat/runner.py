"""Runs one turn end to end: save first, stream, checkpoint, finish — shared by the TUI and `ask`.

Order matters for "impossible to lose work": the user's message and a pending
reply row are committed before any network I/O; the reply's partial text is
checkpointed while it streams; the final row (with usage, cost and the response
id for the index) is written when the stream ends, however it ends — completed,
failed, or cancelled by the user (status 'stopped', partial text kept).

Store calls run in a thread (`asyncio.to_thread`) so an event loop that also
draws a UI never waits on SQLite.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing
from dataclasses import dataclass
from typing import TYPE_CHECKING

from grokterm.chat.edits import restart_reply
from grokterm.chat.models import find_model, model_for_cost
from grokterm.chat.options import load_options
from grokterm.chat.recorder import TurnRecorder
from grokterm.chat.sources import load_search_settings
from grokterm.store import Store
from grokterm.store.rows import MessageRow, NewImage
from grokterm.xai.capabilities import effort_to_send, rules_for
from grokterm.xai.client import XAIClient
from grokterm.xai.errors import XAIError
from grokterm.xai.events import (
    Completed,
    Failed,
    ImagePart,
    Message,
    Notice,
    TurnEvent,
    TurnRequest,
)
from grokterm.xai.tools import SearchSettings
from grokterm.xai.wire import LanguageModel

if TYPE_CHECKING:
    from grokterm.media import PreparedImage

HISTORY_STATUSES = ("complete", "stopped", "interrupted")  # replies whose text the model should see


@dataclass(frozen=True)
class TurnSaved:
    """First event of every turn: the rows are on disk before the request goes out."""

    user: MessageRow | None  # None when retrying an existing reply
    reply: MessageRow


class TurnRunner:
    def __init__(self, store: Store, client: XAIClient, *, default_system_prompt: str = "",
                 models: Sequence[LanguageModel] = (), chain_since: float | None = None) -> None:
        self.store = store
        self.client = client
        self.default_system_prompt = default_system_prompt
        self.models = list(models)  # LanguageModel list, for cost when the API sends none
        # Responses indexed before this time are never chained on (a --demo emulator's die with it).
        self.chain_since = chain_since
        # One writer thread keeps checkpoints in order and off the event loop.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grokterm-checkpoint")
        self._writing: set[int] = set()  # replies whose last checkpoint is not written yet (one at a time each)

    def close(self) -> None:
        """Finish pending checkpoint writes and stop the writer thread."""
        self._writer.shutdown(wait=True)

    def _checkpoint_in_background(self, message_id: int, text: str, reasoning: str | None) -> bool:
        self._writing.add(message_id)
        try:
            written = self._writer.submit(self.store.checkpoint, message_id, text, reasoning)
        except RuntimeError:  # closing down: write it here rather than lose it
            self._writing.discard(message_id)
            return self.store.checkpoint(message_id, text, reasoning)
        written.add_done_callback(lambda _: self._writing.discard(message_id))
        return True

    # -- public -----------------------------------------------------------------
    async def send(self, conversation_id: int, text: str, images: Sequence[PreparedImage | NewImage] = (), *,
                   model: str, search: SearchSettings | None = None) -> AsyncGenerator[TurnEvent | TurnSaved]:
        """Save the user's message (and images), then stream the reply."""
        new_images = [to_new_image(image) for image in images]

        def save() -> tuple[int, MessageRow, MessageRow]:  # one trip to the store's thread, not three
            record = self.store.start_turn(text, model=model, conversation_id=conversation_id, images=new_images)
            return (record.conversation_id, self.store.require_message(record.user_message_id),
                    self.store.require_message(record.assistant_message_id))

        saved_in, user, reply = await asyncio.to_thread(save)
        yield TurnSaved(user, reply)
        # aclosing: closing this generator must close the inner one at once (so its final
        # row is written now), not whenever the garbage collector gets to it.
        async with aclosing(self._stream(saved_in, reply, model, search)) as events:
            async for event in events:
                yield event

    async def retry(self, conversation_id: int, reply_id: int, *, model: str,
                    search: SearchSettings | None = None) -> AsyncGenerator[TurnEvent | TurnSaved]:
        """Ask again for the reply `reply_id` (failed, interrupted, stopped or just unloved).

        The old reply row is replaced by a fresh pending one in the same place of the history.
        """
        reply = await restart_reply(self.store, conversation_id, reply_id, model=model)  # one transaction
        if reply is None:
            return
        yield TurnSaved(None, reply)
        async with aclosing(self._stream(conversation_id, reply, model, search)) as events:
            async for event in events:
                yield event

    # -- the turn ------------------------------------------------------------------
    async def build_request(self, conversation_id: int, reply_id: int, model: str,
                            search: SearchSettings | None = None) -> TurnRequest:
        """The request for the reply `reply_id` (see prepare_turn), without the notices."""
        request, _notices = await self.prepare_turn(conversation_id, reply_id, model, search)
        return request

    async def prepare_turn(self, conversation_id: int, reply_id: int, model: str,
                           search: SearchSettings | None = None) -> tuple[TurnRequest, list[str]]:
        """The request for the reply `reply_id`, and notices for the user (an option the model does not
        take, a conversation near the model's context window).

        `search`: the conversation's search settings as the UI holds them (None: read them).
        Everything is read in one trip to a thread (each trip waits for a busy event loop's next turn).
        """
        return await asyncio.to_thread(self._prepare_turn_now, conversation_id, reply_id, model, search)

    def _prepare_turn_now(self, conversation_id: int, reply_id: int, model: str,
                          search: SearchSettings | None) -> tuple[TurnRequest, list[str]]:
        conversation = self.store.get_conversation(conversation_id)
        rows = self.store.list_messages(conversation_id)
        history: list[Message] = []
        system = self.default_system_prompt
        if conversation is not None and conversation.system_prompt is not None:
            system = conversation.system_prompt  # "" means the user chose no system prompt
        if system:
            history.append(Message("system", system))
        for row in rows:
            if row.id == reply_id:
                break
            if row.kind is not None:  # an image generation: not part of the chat (attach a picture to ask)
                continue
            if row.role == "assistant" and (row.status not in HISTORY_STATUSES or not row.text):
                continue
            images = tuple(self._image_parts(row)) if row.role == "user" else ()
            history.append(Message(row.role, row.text, images))
        # The conversation's chain head is cleared whenever the server's context would be wrong
        # (system prompt changed, image turn sent unstored, head deleted): then send everything.
        previous = _chain_head(rows, reply_id) if conversation and conversation.last_response_id else None
        if previous is not None:
            entry = self.store.get_response_entry(previous)
            if entry is None or not entry.stored or entry.status != "live" or (
                    self.chain_since is not None and entry.created_at < self.chain_since):
                previous = None  # not retrievable on the server: send the full history instead
        if search is None:
            search = load_search_settings(self.store, conversation_id)
        options = load_options(self.store, conversation_id)
        effort, notice = effort_to_send(model, options.reasoning_effort, self.models)
        notices = [notice] if notice else []
        warning = context_warning(model, rows, reply_id, self.models)
        if warning:
            notices.append(warning)
        return TurnRequest(
            model=model, history=tuple(history), previous_response_id=previous,
            conversation_id=conversation.uid if conversation else None,
            search=search if search.enabled else None,
            reasoning_effort=effort, temperature=options.temperature, max_output_tokens=options.max_output_tokens,
        ), notices

    def _image_parts(self, row: MessageRow) -> list[ImagePart]:
        parts = []
        for attachment in row.attachments:
            url = self.store.attachment_data_url(attachment)
            if url:
                parts.append(ImagePart(url, attachment.detail))  # type: ignore[arg-type]
        return parts

    async def _stream(self, conversation_id: int, reply: MessageRow, model: str,
                      search: SearchSettings | None = None) -> AsyncGenerator[TurnEvent]:
        request, notices = await self.prepare_turn(conversation_id, reply.id, model, search)
        recorder = TurnRecorder(self.store, reply.id, model=model, write=self._checkpoint_in_background,
                                busy=lambda: reply.id in self._writing, model_info=self._model,
                                price_model=lambda reply_model, asked: model_for_cost(self.models, reply_model, asked))

        async def finish(event: Completed | Failed | None) -> None:
            # No last checkpoint: the final row holds all the text. It is written by the checkpoint thread,
            # after the checkpoints queued before it (one hop instead of drain + write), and to the end
            # even if this task is cancelled meanwhile (the UI reads the row right after).
            recorder.stop_checkpoints(flush=False)
            try:
                write = asyncio.wrap_future(self._writer.submit(recorder.finish, event))
            except RuntimeError:  # the writer was shut down (app closing); it drained on shutdown
                write = asyncio.ensure_future(asyncio.to_thread(recorder.finish, event))
            await _complete_despite_cancellation(write)

        for text in notices:
            yield Notice(text)
        try:
            async with aclosing(self.client.stream_turn(request)) as events:  # stop = close the HTTP stream now
                async for event in events:
                    event = recorder.on_event(event)
                    if isinstance(event, (Completed, Failed)):
                        await finish(event)
                    yield event
        except asyncio.CancelledError:
            if not recorder.finished:
                await _complete_despite_cancellation(finish(None))
            raise
        except XAIError as exc:  # defensive: stream_turn yields Failed, but never lose the row
            failed = Failed(exc, recorder.checkpointer.text, recorder.checkpointer.reasoning)
            if not recorder.finished:
                await finish(failed)
            yield failed
        finally:
            if not recorder.finished:
                # The consumer stopped iterating early (e.g. generator closed): keep what arrived.
                await _complete_despite_cancellation(finish(None))

    def _model(self, model_id: str) -> LanguageModel | None:
        return find_model(self.models, model_id)


async def _complete_despite_cancellation(coroutine: Awaitable[None]) -> None:
    """Run `coroutine` to the end even if our task is cancelled again meanwhile.

    The final row of a stopped reply must be committed before the caller (the UI)
    reads it back; a plain shield would return early on a second cancellation and
    leave the row 'streaming' for a moment. Re-raises the cancellation afterwards.
    """
    task = asyncio.ensure_future(coroutine)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True
    task.result()
    if cancelled:
        raise asyncio.CancelledError


CONTEXT_WARNING_SHARE = 0.8  # warn when the last turn used this share of the model's context window


def context_warning(
    model: str, rows: Sequence[MessageRow], reply_id: int, models: Sequence[LanguageModel] = (),
) -> str | None:
    """A warning when the conversation so far (the last reply's prompt plus its answer) nears the model's
    context window, where one is known (grokterm.xai.capabilities); None otherwise."""
    window = rules_for(model, models).context_window
    if not window:
        return None
    last = None
    for row in rows:
        if row.id == reply_id:
            break
        if row.role == "assistant" and row.input_tokens is not None:
            last = row
    if last is None:
        return None
    used = (last.input_tokens or 0) + (last.output_tokens or 0)
    if used < CONTEXT_WARNING_SHARE * window:
        return None
    return (f"this conversation is about {used:,} tokens, {used * 100 // window}% of {model}'s {window:,}-token "
            "context window: older messages will soon not fit; start a new conversation to keep going")


def _chain_head(rows: Sequence[MessageRow], reply_id: int) -> str | None:
    """previous_response_id for the turn: the last completed reply's id before `reply_id`, if
    nothing after it would be missing from the server's context."""
    before = []
    for row in rows:
        if row.id == reply_id:
            break
        before.append(row)
    for row in reversed(before):
        if row.kind is not None:  # image generations are never in the server's context
            continue
        if row.role == "assistant" and row.status == "complete" and row.response_id:
            return row.response_id
        if row.role == "assistant":
            return None  # an unfinished/failed reply sits in between: send full history instead
    return None


def to_new_image(image: PreparedImage | NewImage) -> NewImage:
    """A grokterm.media PreparedImage (or a NewImage already) as the store's NewImage."""
    if isinstance(image, NewImage):
        return image
    return NewImage(
        data=image.encoded, mime=image.mime, name=image.original_name or "",
        width=image.width, height=image.height, original_width=image.original_width,
        original_height=image.original_height, original_bytes=image.original_bytes,
        detail=image.detail,
    )
