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
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from grokterm.store import Store
from grokterm.store.checkpoint import StreamCheckpointer
from grokterm.store.rows import MessageRow, NewImage
from grokterm.xai.client import XAIClient
from grokterm.xai.errors import StreamInterruptedError, XAIError
from grokterm.xai.events import (
    Completed,
    Failed,
    ImagePart,
    Message,
    ReasoningDelta,
    TextDelta,
    TurnEvent,
    TurnRequest,
    TurnStarted,
    UsageUpdate,
)
from grokterm.xai.usage import cost_ticks

HISTORY_STATUSES = ("complete", "stopped", "interrupted")  # replies whose text the model should see


@dataclass(frozen=True)
class TurnSaved:
    """First event of every turn: the rows are on disk before the request goes out."""

    user: MessageRow | None  # None when retrying an existing reply
    reply: MessageRow


class TurnRunner:
    def __init__(self, store: Store, client: XAIClient, *, default_system_prompt: str = "",
                 models: Sequence = ()) -> None:
        self.store = store
        self.client = client
        self.default_system_prompt = default_system_prompt
        self.models = list(models)  # LanguageModel list, for cost when the API sends none
        # One writer thread keeps checkpoints in order and off the event loop.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grokterm-checkpoint")

    def _checkpoint_in_background(self, message_id: int, text: str, reasoning: str | None) -> bool:
        self._writer.submit(self.store.checkpoint, message_id, text, reasoning)
        return True

    # -- public -----------------------------------------------------------------
    async def send(self, conversation_id: int, text: str, images: Sequence = (), *, model: str,
                   ) -> AsyncIterator[TurnEvent | TurnSaved]:
        """Save the user's message (and images), then stream the reply."""
        new_images = [to_new_image(image) for image in images]
        record = await asyncio.to_thread(
            self.store.start_turn, text, model=model, conversation_id=conversation_id, images=new_images
        )
        user = await asyncio.to_thread(self.store.get_message, record.user_message_id)
        reply = await asyncio.to_thread(self.store.get_message, record.assistant_message_id)
        yield TurnSaved(user, reply)
        async for event in self._stream(record.conversation_id, reply, model):
            yield event

    async def retry(self, conversation_id: int, reply_id: int, *, model: str,
                    ) -> AsyncIterator[TurnEvent | TurnSaved]:
        """Ask again for the reply `reply_id` (failed, interrupted, stopped or just unloved).

        The old reply row is replaced by a fresh pending one in the same place of the history.
        """
        messages = await asyncio.to_thread(self.store.list_messages, conversation_id)
        index = next((i for i, m in enumerate(messages) if m.id == reply_id), None)
        if index is None:
            return
        later = [m.id for m in messages[index:]]
        for message_id in later:
            await asyncio.to_thread(self.store.delete_message, message_id)
        reply = await asyncio.to_thread(self.store.add_message, conversation_id, "assistant", "", model=model)
        yield TurnSaved(None, reply)
        async for event in self._stream(conversation_id, reply, model):
            yield event

    # -- the turn ------------------------------------------------------------------
    async def build_request(self, conversation_id: int, reply_id: int, model: str) -> TurnRequest:
        conversation = await asyncio.to_thread(self.store.get_conversation, conversation_id)
        rows = await asyncio.to_thread(self.store.list_messages, conversation_id)
        history: list[Message] = []
        system = (conversation.system_prompt if conversation else None) or self.default_system_prompt
        if system:
            history.append(Message("system", system))
        for row in rows:
            if row.id == reply_id:
                break
            if row.role == "assistant" and (row.status not in HISTORY_STATUSES or not row.text):
                continue
            images = tuple(await asyncio.to_thread(self._image_parts, row))
            history.append(Message(row.role, row.text, images))
        previous = _chain_head(rows, reply_id)
        if previous is not None:
            entry = await asyncio.to_thread(self.store.get_response_entry, previous)
            if entry is None or not entry.stored or entry.status != "live":
                previous = None  # not retrievable on the server: send the full history instead
        return TurnRequest(
            model=model, history=tuple(history), previous_response_id=previous,
            conversation_id=conversation.uid if conversation else None,
        )

    def _image_parts(self, row: MessageRow) -> list[ImagePart]:
        parts = []
        for attachment in row.attachments:
            url = self.store.attachment_data_url(attachment)
            if url:
                parts.append(ImagePart(url, attachment.detail))  # type: ignore[arg-type]
        return parts

    async def _stream(self, conversation_id: int, reply: MessageRow, model: str) -> AsyncIterator[TurnEvent]:
        request = await self.build_request(conversation_id, reply.id, model)
        checkpointer = StreamCheckpointer(self.store, reply.id, write=self._checkpoint_in_background)
        started = time.monotonic()
        first_token: float | None = None
        tokens = 0
        finished = False

        async def finish(status: str, **fields) -> None:
            nonlocal finished
            finished = True
            checkpointer.flush()
            checkpointer.stopped = True
            await asyncio.get_running_loop().run_in_executor(self._writer, lambda: None)  # drain
            rate = None
            if first_token is not None and tokens > 1:
                elapsed = time.monotonic() - first_token
                rate = tokens / elapsed if elapsed > 0 else None
            await asyncio.to_thread(
                self.store.finish_message, reply.id, status,
                ttft_ms=None if first_token is None else int((first_token - started) * 1000),
                tokens_per_s=rate, **fields,
            )

        try:
            async for event in self.client.stream_turn(request):
                if isinstance(event, (TextDelta, ReasoningDelta)):
                    if first_token is None:
                        first_token = time.monotonic()
                    tokens += 1
                    text = event.text if isinstance(event, TextDelta) else ""
                    reasoning = event.text if isinstance(event, ReasoningDelta) else ""
                    checkpointer.feed(text, reasoning)
                elif isinstance(event, Completed):
                    usage = event.usage
                    if usage is not None and usage.cost_ticks is None:
                        ticks = cost_ticks(usage, self._model(event.model or model))
                        if ticks is not None:
                            from dataclasses import replace

                            usage = replace(usage, cost_ticks=ticks)
                            event = Completed(event.response_id, event.model, event.text, event.reasoning,
                                              usage, event.stored, event.finish_reason)
                    await finish(
                        "complete", text=event.text, reasoning=event.reasoning, usage=usage,
                        model=event.model, response_id=event.response_id, stored=event.stored,
                    )
                elif isinstance(event, Failed):
                    status = "interrupted" if isinstance(event.error, StreamInterruptedError) else "failed"
                    if not (event.partial_text or checkpointer.text) and status == "interrupted":
                        status = "failed"
                    await finish(
                        status, text=event.partial_text or checkpointer.text,
                        reasoning=event.partial_reasoning or checkpointer.reasoning,
                        error=str(event.error), response_id=event.response_id, index_response=False,
                    )
                yield event
        except asyncio.CancelledError:
            if not finished:
                await asyncio.shield(finish("stopped", text=checkpointer.text, reasoning=checkpointer.reasoning,
                                            index_response=False))
            raise
        except XAIError as exc:  # defensive: stream_turn yields Failed, but never lose the row
            if not finished:
                await finish("failed", text=checkpointer.text, error=str(exc), index_response=False)
            yield Failed(exc, checkpointer.text, checkpointer.reasoning)
        finally:
            if not finished:
                # The consumer stopped iterating early (e.g. generator closed): keep what arrived.
                await asyncio.shield(finish("stopped", text=checkpointer.text, reasoning=checkpointer.reasoning,
                                            index_response=False))

    def _model(self, model_id: str):
        for model in self.models:
            if model.id == model_id or model_id in (getattr(model, "aliases", None) or []):
                return model
        return None


def _chain_head(rows: Sequence[MessageRow], reply_id: int) -> str | None:
    """previous_response_id for the turn: the last completed reply's id before `reply_id`, if
    nothing after it would be missing from the server's context."""
    before = []
    for row in rows:
        if row.id == reply_id:
            break
        before.append(row)
    for row in reversed(before):
        if row.role == "assistant" and row.status == "complete" and row.response_id:
            return row.response_id
        if row.role == "assistant":
            return None  # an unfinished/failed reply sits in between: send full history instead
    return None


def to_new_image(image) -> NewImage:
    """A grokterm.media PreparedImage (or a NewImage already) as the store's NewImage."""
    if isinstance(image, NewImage):
        return image
    return NewImage(
        data=image.encoded, mime=image.mime, name=image.original_name or "",
        width=image.width, height=image.height, original_width=image.original_width,
        original_height=image.original_height, original_bytes=image.original_bytes,
        detail=image.detail,
    )
