"""One conversation: its message history, the live reply and the composer.

Each pane keeps its own model, system prompt, draft and scroll position, so
several conversations stay open side by side as tabs. All store and network
work happens in workers; the pane only mounts widgets with the results.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.geometry import Size
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

if TYPE_CHECKING:
    from grokterm.chat.runner import TurnSaved
    from grokterm.store import Conversation, MessageRow, Store
    from grokterm.store.rows import MessageSources

from grokterm.chat import edits
from grokterm.chat.sources import load_search_settings, reply_sources
from grokterm.store import StoreError
from grokterm.ui import attach, imagegen
from grokterm.ui.frames import after_next_frame
from grokterm.ui.markdown_lines import MarkdownLines
from grokterm.ui.message_data import MessageData
from grokterm.ui.render import plain
from grokterm.ui.safe import tell
from grokterm.ui.services import grok_app, services
from grokterm.ui.widgets.attachment_chips import AttachmentChips
from grokterm.ui.widgets.composer import PASTE_LIMIT, Composer
from grokterm.ui.widgets.finished_message import FinishedMessage
from grokterm.ui.widgets.streaming_message import StreamingMessage
from grokterm.xai.events import (
    Completed,
    Failed,
    Notice,
    ReasoningDelta,
    Retrying,
    TextDelta,
    ToolCallUpdate,
    TurnStarted,
)
from grokterm.xai.tools import SearchSettings, status_text

log = logging.getLogger(__name__)


def status_line(model: str, system_prompt: str, presets: dict[str, str], *, demo: bool,
                default_prompt: str = "") -> Text:
    """`grok-4 · prompt: concise · demo (built-in emulator)`: the preset's name when the system
    prompt is one of the presets, "default" for the configured one, else "custom"; config values
    are outside text."""
    line = plain(model, "dim")
    if system_prompt.strip():
        name = next((n for n, text in presets.items() if text == system_prompt), None)
        if name is None and system_prompt == default_prompt:
            name = "default"
        line.append(" · prompt: ", style="dim")
        line.append_text(plain(name, "dim") if name else Text("custom", style="dim"))
    if demo:
        line.append(" · demo (built-in emulator)", style="bold yellow")
    return line


MESSAGE_GUTTER = 3  # a message's border-left (1) and padding (0 1) in app.tcss
YIELD_EVERY = 0.008  # seconds of stream handling before the event loop gets a turn
CODE_BLOCK = re.compile(r"```[^\n]*\n(.*?)```", re.S)


class MessageList(VerticalScroll):
    """The scrolling list of messages. While a reply streams, a change of its size costs one layout, not
    two (see LayoutOnce); otherwise Textual's second layout is kept (a focused message's scroll into view
    depends on its timing)."""

    streaming = False  # set by the pane while a reply streams

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        return super()._size_updated(size, virtual_size, container_size, layout=layout and not self.streaming)


class ConversationPane(Vertical):
    """Messages above, composer below; owns the conversation's streaming worker."""

    class Changed(Message):
        """Something the sidebar or tab title shows has changed."""

        def __init__(self, pane: ConversationPane) -> None:
            super().__init__()
            self.pane = pane

    def __init__(self, conversation, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="conversation-pane")
        self.conversation = conversation  # a store Conversation row
        self.messages: list[MessageData] = []
        self.streaming: StreamingMessage | None = None
        self.turn_worker: Worker | None = None
        self.history_worker: Worker | None = None  # the first page of messages, read when mounted
        self.attachments: list = []  # grokterm.media PreparedImage, waiting to be sent
        self.submit_check = attach.SubmitCheck()  # typed image paths looked for before a send
        self._draft_timer: Timer | None = None
        self._estimate_timer: Timer | None = None
        self._code_cycle: dict[int, int] = {}
        self._hidden_older = 0  # messages older than the loaded page (not read)
        self.older_totals: dict[str, int | None] | None = None  # store totals of those messages
        self._latest_draft: str | None = None
        self._sending_images: list = []  # composer text as last seen (composer may be gone at unmount)
        self.search = SearchSettings()  # web / X search for this conversation (loaded on mount)
        self.tool_status = ""  # the live "searching the web…" line of the reply being streamed

    # -- layout ------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with MessageList(classes="message-list"):
            yield Button("▲ load earlier messages", classes="load-earlier")
        with Vertical(classes="composer-area"):
            yield AttachmentChips(classes="attachment-chips")
            yield Composer(self.conversation.draft or "", classes="composer")
            yield Static("", classes="composer-status")

    @property
    def message_list(self) -> MessageList:
        return self.query_one(".message-list", MessageList)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    @property
    def model(self) -> str:
        return self.conversation.model or grok_app(self).context.default_model

    @property
    def is_streaming(self) -> bool:
        return self.turn_worker is not None and self.turn_worker.state in (WorkerState.PENDING, WorkerState.RUNNING)

    def on_mount(self) -> None:
        self.query_one(".load-earlier").display = False
        self.refresh_status()
        self.message_list.anchor()
        self.history_worker = self.load_history()

    def on_unmount(self) -> None:
        """Closing a tab or quitting: the draft must be on disk now, not after a debounce."""
        # the store opens before the client; None: the app stopped before it was open
        store = getattr(self.app, "_opened_store", None)
        text = self._latest_draft
        if text is not None and store is not None and text != (self.conversation.draft or ""):
            try:
                store.save_draft(self.conversation.id, text)  # one tiny write, at teardown only
            except Exception:
                log.warning("could not save the draft when closing the tab", exc_info=True)

    # -- history -------------------------------------------------------------
    @work(exclusive=True, group="history")
    async def load_history(self) -> None:
        """Read and mount only the newest `lazy_window` messages (a LIMIT query), so opening a
        conversation costs the same at 100 or 100,000 messages; older pages load on demand.

        The messages that fill the screen are rendered (in a thread) and shown first; the rest of
        the page is rendered and mounted above them after that frame."""
        try:
            await self._load_history()
        except NoMatches:
            if self.is_attached and self.query(".message-list") and self.query(".load-earlier"):
                raise  # not the tab closing under it: a real bug
            log.debug("the tab closed (or the app quit) while its history loaded", exc_info=True)

    async def _load_history(self) -> None:
        window = grok_app(self).context.lazy_window
        self.messages, more = await asyncio.to_thread(self._read_page, None, window)
        self._hidden_older = 1 if more else 0  # the exact count comes with the totals, just below
        await self._load_sources(self.messages)
        await self._load_thumbnails(self.messages)
        await self._laid_out()
        widgets = [self._finished_widget(m) for m in self.messages]
        shown = await self._render_first_screen(widgets)
        if shown:
            await self.message_list.mount_all(shown)
        self.message_list.scroll_end(animate=False, immediate=True)
        self.post_message(self.Changed(self))
        rest = widgets[: len(widgets) - len(shown)]
        if rest:
            await self._prerender(rest)
            await self.message_list.mount_all(rest, before=shown[0])
        self._update_load_earlier()  # only now: "load earlier" mounts above the oldest message mounted
        if more:
            await self._count_older()

    async def _laid_out(self) -> None:
        """Wait (a few frames at most) until the message list's size is known: a pane opened a moment
        ago has not been laid out yet, and history is rendered at the width it will be shown at. Its
        siblings (the other tabs) have the same size, so usually there is nothing to wait for."""
        for _ in range(5):
            if self._list_geometry()[0] > 0 or not self.is_attached or not await after_next_frame(self):
                return

    def _list_geometry(self) -> tuple[int, int, int]:
        """(message width with a scrollbar, without one, list height) of this pane's message list, or of
        another tab's when this one has no size yet (just opened, or a hidden tab): all tabs share it."""
        try:
            if self.message_list.size.width > MESSAGE_GUTTER or not self.is_attached:
                panes = [self]
            else:
                panes = [pane for pane in self.screen.query(ConversationPane) if pane is not self]
        except NoMatches:  # this tab is being closed
            return 0, 0, 0
        for pane in panes:
            try:
                narrow = pane.message_width(scrollbar=True)
                if narrow > 0:
                    return narrow, pane.message_width(scrollbar=False), pane.message_list.size.height
            except NoMatches:  # a tab being closed: its children are gone
                continue
        return 0, 0, 0

    async def _render_first_screen(self, widgets: list[FinishedMessage]) -> list[FinishedMessage]:
        """The newest widgets that fill the message list, rendered in a thread at their width.

        A list that will scroll gets its scrollbar before they mount: laid out without it first,
        every message would be rendered on the event loop at the wider width, then again."""
        listing, console = self.message_list, self.app.console
        narrow, wide, rows = self._list_geometry()
        if narrow <= 0:
            return widgets  # no size known: they render when shown

        def first_screen() -> tuple[int, bool]:
            used = 0
            for count, widget in enumerate(reversed(widgets), 1):  # newest first: they are the ones on screen
                used += len(widget.lines_for(narrow, console)) + 1  # + the margin between messages
                if used > rows:
                    return count, True
            if wide != narrow:  # it all fits: no scrollbar, the full width
                for widget in widgets:
                    widget.prerender(wide, console)
            return len(widgets), False

        count, overflows = await asyncio.to_thread(first_screen)
        if overflows and listing.styles.overflow_y == "auto":
            listing.show_vertical_scrollbar = True
        return widgets[len(widgets) - count:]

    async def _prerender(self, widgets: list[FinishedMessage]) -> None:
        width, console = self.message_width(), self.app.console
        if width <= 0:  # not laid out yet: as another tab is, with the scrollbar a long list will have
            width = self._list_geometry()[0]
        if width > 0:
            def prerender() -> None:
                for widget in reversed(widgets):  # newest first: they are the ones on screen
                    widget.prerender(width, console)

            await asyncio.to_thread(prerender)

    def _store(self) -> Store:
        """The store, which start-up opens before the client (the first frame needs only the store)."""
        return grok_app(self).store

    def _read_page(self, before_id: int | None, window: int) -> tuple[list[MessageData], bool]:
        """(In a thread.) Up to `window` messages before `before_id` (newest when None), oldest first,
        and whether older ones exist."""
        rows = self._store().list_messages(self.conversation.id, limit=window + 1, before_id=before_id)
        more = len(rows) > window
        return [grok_app(self).message_data(r) for r in rows[-window:]], more

    async def _count_older(self) -> None:
        """Totals of the messages not loaded (for the sidebar) and their number (for the button);
        after the first frame, since they read every older row."""
        oldest = self.messages[0].id if self.messages else None
        if oldest is None:
            return
        store, conversation_id = self._store(), self.conversation.id

        def read() -> tuple[dict[str, int | None], int]:
            older = store.list_message_count(conversation_id, before_id=oldest)
            return store.reply_totals(conversation_id, before_id=oldest), older

        self.older_totals, self._hidden_older = await asyncio.to_thread(read)
        self._update_load_earlier()
        self.post_message(self.Changed(self))

    async def _load_sources(self, messages: list[MessageData]) -> None:
        """Citations and search calls of replies that used search, and this conversation's search settings."""
        store = self._store()  # open before the client: history loads before the services exist
        self.search = await asyncio.to_thread(load_search_settings, store, self.conversation.id)
        self.show_search_status()
        ids = [m.id for m in messages if m.role == "assistant" and m.id is not None]
        found = await asyncio.to_thread(store.sources_of, ids) if ids else {}
        for data in messages:
            if data.id in found:
                data.sources = reply_sources(found[data.id])

    def set_search(self, settings: SearchSettings) -> None:
        self.search = settings
        self.show_search_status()

    def show_search_status(self) -> None:
        """The status line under the composer says when search is on."""
        if self.is_mounted:
            self.refresh_status()

    async def _ready_widgets(self, messages: list[MessageData]) -> list[FinishedMessage]:
        """Message widgets whose lines are already rendered (in a thread) at the width they will have,
        so mounting them renders no Markdown on the event loop."""
        widgets = [self._finished_widget(m) for m in messages]
        await self._prerender(widgets)  # width unknown (pane not laid out yet): they render when shown
        return widgets

    def message_width(self, scrollbar: bool | None = None) -> int:
        """The content width a message widget gets in this pane's list: learnt from a mounted one, else
        from the list's size (with or without a vertical scrollbar; None: as the list is now)."""
        if scrollbar is None:
            for widget in self.query(FinishedMessage):
                if widget.content_region.width > 0:
                    return widget.content_region.width
        listing = self.message_list
        if listing.size.width <= MESSAGE_GUTTER:
            return 0  # not laid out yet: no guess (a width-1 guess rendered every line one letter wide)
        if scrollbar is None:
            scrollbar = listing.show_vertical_scrollbar
        if listing.styles.scrollbar_gutter == "stable":  # the scrollbar's column is kept even without one
            scrollbar = True
        bar = listing.styles.scrollbar_size_vertical if scrollbar else 0
        # size is the content area: the list's padding is already left out
        return max(1, listing.size.width - bar - MESSAGE_GUTTER)

    async def _load_thumbnails(self, messages: list[MessageData]) -> None:
        """Thumbnails of stored images for the messages about to be mounted (Pillow in a thread)."""
        from grokterm.ui.thumbnails import stored_thumbnail

        for data in messages:
            if data.attachment_rows and not data.thumbnails:
                box = imagegen.thumbnail_box(data)  # generated pictures are shown bigger
                data.thumbnails = [await asyncio.to_thread(stored_thumbnail, self._store(), a,
                                                           *((box,) if box else ()))
                                   for a in data.attachment_rows]

    def _finished_widget(self, data: MessageData, body: MarkdownLines | None = None) -> FinishedMessage:
        return FinishedMessage(data, code_theme=grok_app(self).code_theme, body=body)

    def _update_load_earlier(self) -> None:
        button = self.query_one(".load-earlier", Button)
        button.display = self._hidden_older > 0
        button.label = f"▲ load earlier messages ({self._hidden_older:d} more)"

    @on(Button.Pressed, ".load-earlier")
    async def load_earlier(self) -> None:
        """The page of messages before the oldest one shown (keyset paging on the message id)."""
        window = grok_app(self).context.lazy_window
        oldest = self.messages[0].id if self.messages else None
        page, more = await asyncio.to_thread(self._read_page, oldest, window)
        await self._load_sources(page)
        await self._load_thumbnails(page)
        older = await self._ready_widgets(page)
        self.messages = page + self.messages
        self._hidden_older = 1 if more else 0
        first = self.query(FinishedMessage).first() if self.query(FinishedMessage) else None
        if older:
            await (self.message_list.mount_all(older, before=first) if first else self.message_list.mount_all(older))
        self._update_load_earlier()
        if more:
            await self._count_older()
        else:
            self.older_totals = None

    # -- sending -------------------------------------------------------------
    @on(Composer.Submitted)
    def _submitted(self, event: Composer.Submitted) -> None:
        event.stop()
        if not event.text.strip() and not self.attachments:
            return  # nothing to send
        if imagegen.intercept_submit(self, event.text):  # `/image …`: generate pictures instead
            return
        if self.is_streaming:
            self.app.notify("A reply is still streaming: esc stops it.", severity="warning")
            return
        if attach.intercept_submit(self, event.text):  # typed image paths, or images for a text-only model
            return
        text = event.text
        images = list(self.attachments)
        self.attachments.clear()
        self._refresh_chips()
        self.composer.remove_sent(text)  # keys typed since enter stay in the composer
        self._save_draft_now(self.composer.text)
        self.turn_worker = self._run_turn(text, images)

    def retry_reply(self, reply_id: int) -> None:
        if self.is_streaming:
            self.app.notify("A reply is still streaming: esc stops it.", severity="warning")
            return
        self.turn_worker = self._run_turn(None, [], retry_reply_id=reply_id)

    def stop_streaming(self) -> bool:
        if self.is_streaming and self.turn_worker is not None:
            self.turn_worker.cancel()
            return True
        return False

    @work(exclusive=True, group="turn")
    async def _run_turn(self, text: str | None, images: list, retry_reply_id: int | None = None) -> None:
        if getattr(self.app, "services", None) is None:  # sent in the first instant: still importing
            await grok_app(self).services_ready.wait()
        history = self.history_worker
        if history is not None and history.state in (WorkerState.PENDING, WorkerState.RUNNING):
            # sent right after the tab opened (ctrl+n, then typing at once): the history must be read and
            # shown first, or its read would replace the turn's messages (and show them twice)
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await history.wait()
        from grokterm.chat.runner import TurnSaved

        runner = services(self).runner
        if retry_reply_id is not None:
            stream = runner.retry(self.conversation.id, retry_reply_id, model=self.model, search=self.search)
        else:
            stream = runner.send(self.conversation.id, text or "", images, model=self.model, search=self.search)
        streaming: StreamingMessage | None = None
        self._sending_images = images
        loop = asyncio.get_running_loop()
        last_yield = loop.time()
        try:
            async for event in stream:
                if loop.time() - last_yield > YIELD_EVERY:
                    # A fast stream's data is always ready, so awaiting it never suspends:
                    # hand the loop back now and then so drawing and typing keep up.
                    await asyncio.sleep(0)
                    last_yield = loop.time()
                if isinstance(event, TurnSaved):
                    streaming = await self._begin_reply(event, retry_reply_id)
                elif streaming is None:
                    continue
                elif isinstance(event, TextDelta):
                    if self.tool_status:  # the answer is coming: the search status gives way to the stats
                        self.tool_status = ""
                        streaming.set_status("")
                    streaming.add_text(event.text, event.count)
                elif isinstance(event, ToolCallUpdate):
                    self.tool_status = status_text(event.call)
                    streaming.set_status(self.tool_status)
                elif isinstance(event, ReasoningDelta):
                    streaming.add_reasoning(event.text, event.count)
                elif isinstance(event, Retrying):
                    self._countdown(streaming, event)
                elif isinstance(event, Notice):
                    tell(self.app, event.text, title="Conversation")
                elif isinstance(event, TurnStarted):
                    streaming.set_status("")
                elif isinstance(event, (Completed, Failed)):
                    if isinstance(event, Failed):
                        tell(self.app, str(event.error), title="Reply failed", severity="error")
                    await self._end_reply(event.__class__.__name__)
        except asyncio.CancelledError:
            # Stopped by the user. The cancellation may have landed here rather than inside the
            # runner's generator: close it now so it writes the 'stopped' row before we read it
            # (left to the garbage collector, it would run after the store had closed).
            await self._close_turn_stream(stream)
            await self._end_reply("stopped")
            raise
        except StoreError as exc:  # full disk, read-only or damaged database: what was saved is kept
            await self._close_turn_stream(stream)
            tell(self.app, str(exc), title="Not saved", severity="error", timeout=15)
            await self._end_reply("failed")
        except Exception as exc:  # never let a bug take the app down with a traceback
            log.error("unexpected error in a turn", exc_info=True)
            await self._close_turn_stream(stream)
            tell(self.app, f"Unexpected error: {exc}", severity="error")
            await self._end_reply("failed")

    @staticmethod
    async def _close_turn_stream(stream) -> None:
        try:
            await stream.aclose()
        except Exception:  # the runner already recorded what it could; nothing more to save here
            log.debug("closing the turn stream raised", exc_info=True)

    async def _begin_reply(self, event: TurnSaved, retry_reply_id: int | None) -> StreamingMessage:
        if retry_reply_id is not None:
            for widget in self.query(FinishedMessage):
                if widget.data.id == retry_reply_id:
                    await widget.remove()
            self.messages = [m for m in self.messages if m.id != retry_reply_id]
        if event.user is not None:
            user = grok_app(self).message_data(event.user)
            if self._sending_images:
                from grokterm.ui.thumbnails import cached_thumbnail

                user.thumbnails = [cached_thumbnail(image) for image in self._sending_images]
            self.messages.append(user)
            await self.message_list.mount_all(await self._ready_widgets([user]))
        self.reply_id = event.reply.id
        self.streaming = StreamingMessage(self.model, interval=grok_app(self).context.render_interval,
                                          code_theme=grok_app(self).code_theme)
        await self.message_list.mount(self.streaming)
        self.message_list.anchor()
        self.message_list.streaming = True
        return self.streaming

    def _countdown(self, streaming: StreamingMessage, event: Retrying) -> None:
        """Show 'retrying in N s' until the next attempt starts (Retry-After honoured by the client)."""
        deadline = time.monotonic() + event.delay

        def tick() -> None:
            if streaming is not self.streaming or streaming.text or streaming.reasoning:
                timer.stop()
                return
            left = max(0.0, deadline - time.monotonic())
            streaming.set_status(f"{event.reason} — retrying in {math.ceil(left)} s (attempt {event.attempt})")
            if left <= 0:
                timer.stop()

        timer = self.set_interval(0.25, tick)
        tick()

    async def _end_reply(self, how: str) -> None:
        streaming, self.streaming = self.streaming, None
        if streaming is None:
            return
        for listing in self.query(MessageList):  # (none when the tab is closing)
            listing.streaming = False
        self.tool_status = ""
        store, reply_id, conversation_id = services(self).store, self.reply_id, self.conversation.id

        def read_back() -> tuple[MessageRow | None, dict[int, MessageSources], Conversation | None]:
            """The stored reply, its sources and the conversation row, in one trip to a thread."""
            try:
                row = store.get_message(reply_id)
            except StoreError:  # the database failed mid-turn (reported already): show what streamed
                return None, {}, None
            found: dict[int, MessageSources] = {}
            try:
                found = store.sources_of([row.id]) if row is not None else {}
            except StoreError:  # as above: the reply is shown, its sources are not
                pass
            try:
                conversation = store.get_conversation(conversation_id)
            except StoreError:
                conversation = None
            return row, found, conversation

        # the row is final already (the runner wrote it before Completed/Failed, or when the turn was
        # closed after esc): read it while the live reply renders its last lines
        reading = asyncio.ensure_future(asyncio.to_thread(read_back))
        await streaming.finish()
        row, found, conversation = await reading
        data = (grok_app(self).message_data(row) if row is not None
                else MessageData(None, "assistant", streaming.text, status=how))
        if row is not None:
            data.sources = reply_sources(found[row.id]) if row.id in found else None
        if data.ttft_ms is None:
            data.ttft_ms = streaming.ttft_ms
        if data.tokens_per_s is None:
            data.tokens_per_s = streaming.tokens_per_s
        self.messages.append(data)
        if conversation is not None:
            self.conversation = replace(conversation, draft=self.conversation.draft)
        finished = self._finished_widget(data, await streaming.final_body(data.text))
        width = streaming.width or self.message_width()
        if width and finished.has_cited_body():  # rendered whole (links on its markers): in a thread
            await asyncio.to_thread(finished.prerender, width, self.app.console)
        await self.message_list.mount(finished, after=streaming)
        await streaming.remove()
        grok_app(self).show_in_sidebar(self, data)
        self.post_message(self.Changed(self))

    # -- message actions --------------------------------------------------------
    @on(FinishedMessage.Selected)
    def _selected(self, event: FinishedMessage.Selected) -> None:
        grok_app(self).show_in_sidebar(self, event.widget.data)

    @on(FinishedMessage.Action)
    async def _message_action(self, event: FinishedMessage.Action) -> None:
        data = event.widget.data
        if event.action == "copy":
            self.app.copy_to_clipboard(data.text)
            self.app.notify("Message copied to the clipboard.")
        elif event.action == "copy_code":
            blocks = CODE_BLOCK.findall(data.text)
            if not blocks:
                self.app.notify("No code block in this message.", severity="warning")
                return
            index = self._code_cycle.get(id(event.widget), 0) % len(blocks)
            self._code_cycle[id(event.widget)] = index + 1
            self.app.copy_to_clipboard(blocks[index])
            self.app.notify(f"Code block {index + 1:d}/{len(blocks)} copied.")
        elif event.action == "save_image":
            imagegen.save(self, data)
        elif event.action == "attach_image":
            imagegen.attach(self, data)
        elif event.action == "view_image":
            imagegen.view(self, data)
        elif event.action == "retry" and data.kind is not None:
            await imagegen.retry(self, data)
        elif event.action == "retry":
            target = data if data.role == "assistant" else self._reply_after(data)
            if target is None or target.id is None:
                self.app.notify("Nothing to retry here.", severity="warning")
                return
            self.retry_reply(target.id)
        elif event.action == "edit":
            command = await imagegen.edit_command(self, data) if data.kind == "image_prompt" else None
            await self._edit(data)
            if command is not None and self.composer.text == data.text:  # edit it as the command it was
                self.composer.load_text(command)
        elif event.action == "delete":
            self._confirm_delete(event.widget)

    def _confirm_delete(self, widget: FinishedMessage) -> None:
        """del asks first: a deleted message is gone from the store (and from the history sent next)."""
        from grokterm.store.display import one_line
        from grokterm.ui.render import safe_text
        from grokterm.ui.screens.response_detail import ConfirmDialog

        data = widget.data
        who = "your message" if data.role == "user" else "this reply"
        preview = one_line(safe_text(data.text[:300]), 70) or "(no text)"

        async def answered(yes: bool | None) -> None:
            if not yes:
                return
            if data.id is not None:
                await edits.delete_message(services(self).store, data.id)
            self.messages = [m for m in self.messages if m is not data]
            if widget.is_mounted:
                await widget.remove()
            self.post_message(self.Changed(self))
            self.app.notify("Message deleted.")

        self.app.push_screen(ConfirmDialog(f"Delete {who}?", preview), answered)

    def _reply_after(self, data: MessageData) -> MessageData | None:
        for i, m in enumerate(self.messages):
            if m is data and i + 1 < len(self.messages) and self.messages[i + 1].role == "assistant":
                return self.messages[i + 1]
        return None

    async def _edit(self, data: MessageData) -> None:
        """Edit and resend the last user message: it and its reply go back to the composer."""
        users = [m for m in self.messages if m.role == "user"]
        if data.role != "user" or not users or users[-1] is not data:
            self.app.notify("Only the last message you sent can be edited.", severity="warning")
            return
        if self.is_streaming:
            self.stop_streaming()
        index = self.messages.index(data)
        doomed = self.messages[index:]
        if data.id is not None:  # it and everything after it, in one transaction
            await edits.take_back(services(self).store, self.conversation.id, data.id)
        for widget in list(self.query(FinishedMessage)):
            if widget.data in doomed:
                await widget.remove()
        self.messages = self.messages[:index]
        draft = self.composer.text
        if draft.strip():  # never clear the composer from under the user: their draft stays, below
            self.composer.load_text(f"{data.text}\n\n{draft}")
            self.app.notify("Your draft is kept below the message being edited.")
        else:
            self.composer.load_text(data.text)
        self.composer.focus()

    # -- composer helpers ---------------------------------------------------------
    @on(Composer.RecallRequested)
    def _recall(self) -> None:
        users = [m for m in self.messages if m.role == "user"]
        if users:
            self.composer.load_text(users[-1].text)

    @on(Composer.Changed)
    def _draft_changed(self) -> None:
        self._latest_draft = self.composer.text
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(0.5, lambda: self._save_draft_now(self.composer.text))
        if self._estimate_timer is not None:
            self._estimate_timer.stop()
        self._estimate_timer = self.set_timer(0.4, self._estimate_tokens)

    def _save_draft_now(self, text: str) -> None:
        self.conversation = replace(self.conversation, draft=text)
        grok_app(self).run_store(self._store().save_draft, self.conversation.id, text)

    @work(exclusive=True, group="estimate")
    async def _estimate_tokens(self) -> None:
        text = self.composer.text
        status = self.query_one(".composer-status", Static)
        if not text.strip():
            # display-safe: status_line() builds it from plain(); one line (height 1): no layout
            status.update(self._status_hint(), layout=False)
            return
        try:
            if getattr(self.app, "services", None) is None:
                return  # still starting
            count = await services(self).client.tokenize(text, self.model)
        except Exception:  # an estimate is a nicety: never bother the user with its failure
            log.debug("token estimate failed", exc_info=True)
            return
        line = Text(f"≈ {count:,} tokens before sending · ", style="dim")
        # one line (height 1 in app.tcss): no layout of the screen for each estimate while the user types
        # display-safe: a literal Text + status_line()
        status.update(line.append_text(self._status_hint()), layout=False)

    def _status_hint(self) -> Text:
        """What this conversation sends with: model, system prompt (preset name), demo mode."""
        context = grok_app(self).context
        line = status_line(self.model, self.conversation.system_prompt or "", context.presets or {},
                           demo=context.demo, default_prompt=context.system_prompt)
        summary = self.search.summary()
        if summary:
            line.append_text(plain(f" \u00b7 search: {summary}", "dim"))
        return line

    def refresh_status(self) -> None:
        """Show the model / system prompt / demo line (the token estimate replaces it while typing)."""
        if not self.composer.text.strip():
            status = self.query_one(".composer-status", Static)
            # display-safe: status_line() builds it from plain(); one line (height 1): no layout
            status.update(self._status_hint(), layout=False)

    @on(Composer.PasteRefused)
    def _paste_refused(self, event: Composer.PasteRefused) -> None:
        event.stop()
        self.app.notify(
            f"Not inserted: {event.size:,} characters is more than the composer takes ({PASTE_LIMIT:,}, "
            "about 125k tokens). For a big text, pipe it in: grokterm ask \"your question\" < file",
            title="Paste too large", severity="warning", timeout=10, markup=False,
        )

    @on(Composer.PastedText)
    def _pasted(self, event: Composer.PastedText) -> None:
        """Pasted/dropped image paths become attachments (prepared in threads); the rest is typed in."""
        event.stop()
        attach.attach_pasted(self, event.text)

    def _refresh_chips(self) -> None:
        self.query_one(AttachmentChips).show(self.attachments)

    def add_attachment(self, image) -> None:
        self.attachments.append(image)
        self._refresh_chips()

    def clear_attachments(self) -> None:
        self.attachments.clear()
        self._refresh_chips()
