"""The Textual application: owns the services (store, client, turn runner) and the app-wide actions.

Widgets reach the services through `self.app`; every store call runs in a
thread and every network call in an async worker, so typing never waits.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

if TYPE_CHECKING:  # imported once the first frame is up (see start_services)
    from grokterm.chat.runner import TurnRunner
    from grokterm.xai.client import XAIClient

from grokterm.store import Store, StoreError
from grokterm.store.keyvalue import ACTIVE_TAB, OPEN_TABS
from grokterm.ui.context import AppContext
from grokterm.ui.message_data import MessageData, conversation_totals, message_data_from_row
from grokterm.ui.safe import tell
from grokterm.ui.screens.chat_screen import ChatScreen
from grokterm.ui.services import Services, services
from grokterm.ui.widgets.conversation_pane import ConversationPane
from grokterm.ui.widgets.finished_message import FinishedMessage

if TYPE_CHECKING:
    from grokterm.emulator.server import RunningEmulator
    from grokterm.media import PreparedImage

log = logging.getLogger(__name__)

STYLES = Path(__file__).parent / "styles"


def import_network_side() -> None:
    """The modules a turn needs but the first frame does not (about a quarter of a second)."""
    import grokterm.chat.models
    import grokterm.chat.runner
    import grokterm.xai.client  # noqa: F401


class GrokApp(App):
    """grokterm's TUI."""

    TITLE = "grokterm"
    CSS_PATH = [STYLES / "app.tcss"]
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        # The tab keys are priority bindings: they run as the key arrives, so keys typed right after
        # them wait in the app's queue and reach the composer of the tab then shown, instead of being
        # handed to the old tab's composer first (see TAB_ACTIONS and check_action).
        Binding("ctrl+n", "new_conversation", "New", id="app.new", tooltip="new conversation tab", priority=True),
        Binding("alt+w,f8", "close_conversation", "Close", id="app.close", priority=True,
                tooltip="close the tab (the conversation stays in the store)"),
        Binding("ctrl+pagedown,alt+right", "next_tab", "Next tab", show=False, id="app.next_tab", priority=True),
        Binding("ctrl+pageup,alt+left", "previous_tab", "Prev tab", show=False, id="app.prev_tab", priority=True),
        Binding("ctrl+l", "pick_model", "Model", id="app.model",
                tooltip="model picker (type to filter; `vision` shows vision models)"),
        Binding("ctrl+b", "toggle_sidebar", "Sidebar", id="app.sidebar", tooltip="show or hide the sidebar"),
        Binding("escape", "stop", "Stop", id="app.stop",
                tooltip="stop the streaming reply (the partial text is kept and marked stopped)"),
        Binding("f2", "rename", "Rename", show=False, id="app.rename", tooltip="rename the conversation"),
        Binding("ctrl+o", "attach", "Attach", id="app.attach",
                tooltip="attach an image: file picker with preview, clipboard, latest screenshot"),
        Binding("ctrl+s", "attach_screenshot", "Screenshot", show=False, id="app.attach_screenshot",
                tooltip="attach the latest screenshot"),
        Binding("ctrl+g", "attach_clipboard", "Paste image", show=False, id="app.attach_clipboard",
                tooltip="attach the clipboard's image"),
        Binding("ctrl+r", "responses", "Responses", id="app.responses", tooltip="stored responses browser"),
        Binding("ctrl+f", "conversations", "Chats", id="app.conversations",
                tooltip="find conversations (full-text search), reopen, archive"),
        Binding("f9", "settings", "Settings", show=False, id="app.settings", tooltip="settings (config.toml)"),
        Binding("f4", "system_prompt", "System prompt", show=False, id="app.system_prompt",
                tooltip="this conversation's system prompt: a preset or your own"),
        Binding("f3", "toggle_web_search", "Web search", show=False, id="app.search_web",
                tooltip="web search on or off for this conversation"),
        Binding("f5", "toggle_x_search", "X search", show=False, id="app.search_x",
                tooltip="X search on or off for this conversation"),
        Binding("alt+s,f10", "search_settings", "Search settings", show=False, id="app.search_settings",
                tooltip="web and X search with domain, handle and date filters"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.services: Services | None = None  # set once start-up has opened the store and the client
        self._opened_store: Store | None = None  # closed at shutdown even if start-up stopped half way
        self.services_ready = asyncio.Event()  # set once the client and runner exist (after the first frame)
        self.models: list = []
        self.code_theme = "monokai"
        self.chat: ChatScreen | None = None
        self._emulator: RunningEmulator | None = None
        if context.keymap:
            self.set_keymap(context.keymap)

    def get_driver_class(self):
        """The platform's driver, reading alt+key sent as ESC+key as alt+key (see ui/keys.py)."""
        from grokterm.ui.keys import install_alt_prefix_parser

        driver_class = super().get_driver_class()
        install_alt_prefix_parser(driver_class)
        return driver_class

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and event.key.startswith("alt+"):
            from grokterm.ui.keys import unbound_alt_as_typed

            # escape first only on the chat screen, where it stops a reply (a dialog's escape and
            # its letter keys would both dismiss it: two dismissals pop the chat screen as well)
            *before, event = unbound_alt_as_typed(event, self.screen.active_bindings,
                                                  escape_first=self.screen is self.chat)
            for key in before:  # the escape pressed right before a key (see ui/keys.py)
                await super().on_event(key)
        elif isinstance(event, events.Paste) and not event.is_forwarded and event.text:
            # Every paste, whichever widget takes it (the finder's search field, a dialog's input),
            # goes through the sanitising path: a pasted escape sequence never reaches the terminal.
            from grokterm.sanitize import pasted_text

            event = events.Paste(pasted_text(event.text))
        await super().on_event(event)

    TAB_ACTIONS = frozenset({"new_conversation", "close_conversation", "next_tab", "previous_tab"})
    CHAT_ACTIONS = frozenset(b.action for b in BINDINGS if isinstance(b, Binding) and b.action != "quit")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The tab keys are priority bindings (see BINDINGS); under a dialog they stay the dialog's
        keys, as every app binding does without priority. Before the chat screen exists (the
        welcome screen) the chat keys do nothing, so the footer does not offer them."""
        if action in self.TAB_ACTIONS and self.screen.is_modal:
            return False
        if self.chat is None and action in self.CHAT_ACTIONS:
            return False
        return super().check_action(action, parameters)

    def keys_for(self, binding_id: str) -> str:
        """The live keys of a binding (the user's `[keymap]` applied), for hints and the palette."""
        from grokterm.ui.keys import keys_for

        return keys_for(binding_id, self.context.keymap)

    def _fatal_error(self) -> None:
        """Textual's crash report, without the locals of each frame (they can hold the key or the
        user's text); the redaction of grokterm.secret still applies to what is left."""
        import rich
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(Segments(self.console.render(traceback, self.console.options)))
        self._close_messages_no_wait()

    # The services, typed (widgets use grokterm.ui.services.services(self) the same way).
    @property
    def store(self) -> Store:
        if self.services is None and self._opened_store is not None:
            return self._opened_store  # open before the client: the first frame needs only the store
        return services(self).store

    @property
    def client(self) -> XAIClient:
        return services(self).client

    @property
    def runner(self) -> TurnRunner:
        return services(self).runner

    # -- start-up ---------------------------------------------------------------
    def on_mount(self) -> None:
        from grokterm.ui.gc_pauses import tune_collector
        from grokterm.ui.themes import install_themes

        tune_collector()

        warnings = list(self.context.config_warnings)
        warnings += install_themes(self, self.context.theme, self.context.code_theme)
        for warning in warnings:
            tell(self, warning, title="Configuration", severity="warning", timeout=10)
        if self.context.show_welcome:
            from grokterm.ui.screens.welcome import WelcomeScreen

            self.push_screen(WelcomeScreen(), self._welcome_done)
        else:
            self.start_services()

    def _welcome_done(self, result: tuple[str, str | None] | None) -> None:
        kind, key = result or ("demo", None)
        if kind == "demo":
            self.start_demo_emulator()
        else:
            self.context.api_key = key
            if key is not None:
                self.save_key_in_keyring(key)
        self.start_services()

    def save_key_in_keyring(self, key: str) -> None:
        from grokterm import config

        try:
            config.store_api_key(key)
        except Exception as exc:  # no keyring backend: the key stays in memory for this session only
            log.warning("could not save the key in the OS keyring", exc_info=True)
            tell(
                self, f"{exc}\nThe key is used for this session only; set XAI_API_KEY to keep it.",
                title="Keyring unavailable", severity="warning", timeout=10,
            )
        else:
            self.notify("Key saved in the OS keyring.")

    def start_demo_emulator(self) -> None:
        from grokterm.emulator.server import start_emulator
        from grokterm.ui.launch import quiet_server_logs

        quiet_server_logs()
        emulator = self._emulator = start_emulator(port=0)
        self.context.base_url = emulator.base_url
        self.context.api_key = emulator.api_key
        self.context.demo = True

    @work(exclusive=True, group="startup")
    async def start_services(self) -> None:
        ctx = self.context
        # One trip to a thread for everything the first frame reads (each trip waits for the loop too).
        store, interrupted, conversations, active = await asyncio.to_thread(self._open_and_read, ctx.db_path)
        self.run_store(self._sweep_orphan_images)  # in the background: start-up does not wait for it
        self.chat = ChatScreen()
        await self.push_screen(self.chat)
        if ctx.demo:
            self.sub_title = "demo · built-in emulator"
        await self._reopen_tabs(conversations, active)
        await self.chat.release_footer()  # the bindings are settled: the footer's keys are built once
        # The first frame needs none of the network side: the client, the pydantic wire models and
        # the runner are imported once it is drawn (in a thread, which would otherwise compete with
        # drawing it for the interpreter), while the conversation is already on screen.
        await self._first_frame_drawn()
        await asyncio.to_thread(import_network_side)
        from grokterm.chat.runner import TurnRunner
        from grokterm.xai.client import XAIClient

        client = XAIClient(
            ctx.api_key or "", base_url=ctx.base_url, api_style=ctx.api_style,
            max_retries=ctx.max_retries, read_timeout=ctx.read_timeout,
        )
        # --demo: this session's emulator has none of the responses earlier sessions chained on
        runner = TurnRunner(store, client, default_system_prompt=ctx.system_prompt,
                            chain_since=time.time() if ctx.demo else None)
        self.services = Services(store, client, runner)
        self.services_ready.set()
        if interrupted:
            self.notify(f"{len(interrupted)} reply(s) were interrupted last time; select one and press r to retry.",
                        severity="warning", timeout=8)
        self.load_models()

    async def _first_frame_drawn(self) -> None:
        """Return once the chat screen has been painted (bounded: never holds start-up hostage)."""
        if self.chat is not None:
            from grokterm.ui.frames import after_next_frame

            await after_next_frame(self.chat)

    async def wait_ready(self) -> None:
        """Return once start-up (store, client, tabs) and every open tab's history have loaded.

        For tests, benchmarks and the screenshot script, which drive the app headlessly.
        """
        from textual.worker import WorkerCancelled

        for group in ("startup", "history"):
            for worker in list(self.workers):
                if worker.group == group:
                    try:
                        await worker.wait()
                    except WorkerCancelled:  # replaced by a newer load: that one is awaited too
                        pass

    def _open_and_read(self, path: Path) -> tuple[Store, list, list, int | None]:
        """(In a thread.) Open the store, recover replies a crash interrupted, read the tabs to reopen."""
        store = self._opened_store = self._open_store(path)  # kept first: closed at shutdown whatever follows
        interrupted = store.recover_interrupted()
        open_ids = store.ui_get(OPEN_TABS, None) or []
        active = store.ui_get(ACTIVE_TAB, None)
        conversations = [conv for conv in map(store.get_conversation, open_ids)
                         if conv is not None and not conv.archived]
        if not conversations:
            conversations = [self._new_conversation_row()]
        return store, interrupted, conversations, active

    async def _reopen_tabs(self, conversations: list, active: int | None) -> None:
        chat = self.chat
        if chat is None:
            return
        for conv in conversations:
            await chat.open_conversation(conv, activate=conv.id == active)
        if active not in [c.id for c in conversations]:
            await chat.open_conversation(conversations[-1])
        self.remember_tabs()

    def _new_conversation_row(self):
        return self.store.create_conversation(model=self.context.default_model,
                                              system_prompt=self.context.system_prompt)

    @work(exclusive=True, group="models")
    async def load_models(self, force: bool = False) -> list:
        from grokterm.chat.models import load_models

        try:
            self.models = await load_models(self.store, self.client, force=force)
            self.runner.models = self.models
        except Exception as exc:
            log.warning("could not load the model list", exc_info=True)
            tell(self, f"Could not load the model list: {exc}", severity="warning")
        pane = self.active_pane()
        if pane is not None:
            self.refresh_sidebar(pane)
        return self.models

    # -- helpers used by widgets -------------------------------------------------
    def _open_store(self, path: Path) -> Store:
        """The history database; when it cannot be opened (damaged, read-only, full disk) the app still
        starts, on a temporary database, and says so: the file itself is left untouched."""
        try:
            return Store(path)
        except StoreError as error:
            import tempfile

            self.call_from_thread(tell, self, f"{error}. This session uses a temporary history that is "
                                  "discarded when you quit.", title="History not available",
                                  severity="error", timeout=30)
            return Store(Path(tempfile.mkdtemp(prefix="grokterm-")) / "grokterm.db")

    def _sweep_orphan_images(self) -> None:
        """Remove image files a crash left without a row (older than an hour, see Store)."""
        if self._opened_store is not None:  # the store opens before the client (see start_services)
            removed = self._opened_store.sweep_orphan_images()
            if removed:
                log.info("removed %d orphaned image file(s)", len(removed))

    def run_store(self, fn, *args, **kwargs) -> None:
        """Fire-and-forget store write on a thread; a failure is logged and shown, never dropped silently."""
        def write() -> None:
            try:
                fn(*args, **kwargs)
            except Exception as exc:
                log.warning("store write %s failed", getattr(fn, "__name__", "?"), exc_info=True)
                try:
                    self.call_from_thread(tell, self, f"Could not save: {exc}", title="Storage", severity="error")
                except RuntimeError:  # the app is shutting down: the log has it
                    log.debug("could not show the storage error", exc_info=True)

        self.run_worker(write, thread=True, group="store", exit_on_error=False)

    def message_data(self, row) -> MessageData:
        return message_data_from_row(row)

    def active_pane(self) -> ConversationPane | None:
        return self.chat.active_pane() if self.chat is not None and self.chat.is_mounted else None

    def model_info(self, model_id: str):
        if not self.models:  # before the list has loaded (the first frame): no import of the network side
            return None
        from grokterm.chat.models import find_model

        return find_model(self.models, model_id)

    def refresh_sidebar(self, pane: ConversationPane) -> None:
        if self.chat is None:
            return
        sidebar = self.chat.sidebar
        sidebar.show_model(pane.model, self.model_info(pane.model))
        usage, cost, replies = conversation_totals(pane.messages, pane.older_totals)
        sidebar.show_totals(usage, cost, replies)
        focused = self.focused
        selected: MessageData | None
        if isinstance(focused, FinishedMessage) and focused.data in pane.messages:
            selected = focused.data
        else:
            selected = next((m for m in reversed(pane.messages) if m.role == "assistant"), None)
        sidebar.show_message(selected, selected.cost_ticks if selected else None)

    def show_in_sidebar(self, pane: ConversationPane, data: MessageData) -> None:
        if self.chat is not None and pane is self.active_pane():
            self.chat.sidebar.show_message(data, data.cost_ticks)

    def remember_tabs(self) -> None:
        if self.chat is None or self._opened_store is None:
            return
        order = self.chat.tab_order()
        pane = self.active_pane()
        self.run_store(self.store.ui_set, OPEN_TABS, order)
        if pane is not None:
            self.run_store(self.store.ui_set, ACTIVE_TAB, pane.conversation.id)

    # -- actions ---------------------------------------------------------------------
    async def action_new_conversation(self) -> None:
        if self.chat is None:
            return
        conv = await asyncio.to_thread(self._new_conversation_row)
        await self.chat.open_conversation(conv)
        self.remember_tabs()

    async def action_close_conversation(self) -> None:
        pane, chat = self.active_pane(), self.chat
        if pane is None or chat is None:
            return
        pane._save_draft_now(pane.composer.text)
        await chat.close_conversation(pane.conversation.id)
        if not chat.panes():
            await self.action_new_conversation()
        chat.focus_active_composer()
        self.remember_tabs()

    def action_next_tab(self) -> None:
        self._cycle_tab(1)

    def action_previous_tab(self) -> None:
        self._cycle_tab(-1)

    def _cycle_tab(self, step: int) -> None:
        if self.chat is None:
            return
        panes = self.chat.panes()
        current = self.active_pane()
        if not panes or current is None:
            return
        index = (panes.index(current) + step) % len(panes)
        self.chat.tabs.active = f"conv-{panes[index].conversation.id}"
        self.chat.focus_active_composer()

    def action_stop(self) -> None:
        pane = self.active_pane()
        if pane is not None and pane.stop_streaming():
            self.notify("Stopped; the partial reply is kept.")
        elif pane is not None:
            from grokterm.ui import imagegen

            imagegen.stop(pane)

    def action_toggle_sidebar(self) -> None:
        if self.chat is not None:
            self.chat.toggle_sidebar()

    def action_pick_model(self) -> None:
        pane = self.active_pane()
        if pane is None:
            return

        def chosen(model_id: str | None) -> None:
            if model_id == "__refresh__":
                self.load_models(force=True)
                self.notify("Refreshing the model list…")
                return
            if model_id:
                self.set_conversation_model(pane, model_id)

        from grokterm.ui.screens.model_picker import ModelPicker

        self.push_screen(ModelPicker(self.models, pane.model), chosen)

    def action_turn_options(self) -> None:
        """Reasoning effort (where the model takes one), temperature and max output tokens for this
        conversation; saved with it and used from its next turn."""
        pane = self.active_pane()
        if pane is None:
            return
        from grokterm.chat.options import load_options, save_options
        from grokterm.ui.screens.turn_options import TurnOptionsDialog
        from grokterm.xai.capabilities import rules_for

        conversation_id, store, model = pane.conversation.id, self.store, pane.model

        def chosen(options) -> None:
            if options is None:
                return
            self.run_store(save_options, store, conversation_id, options)
            summary = options.summary() or "model defaults"
            self.notify(f"Turn options: {summary}", markup=False)  # display-safe: our words and numbers

        async def open_dialog() -> None:
            options = await asyncio.to_thread(load_options, store, conversation_id)  # off the UI thread
            self.push_screen(TurnOptionsDialog(model, rules_for(model, self.models), options), chosen)

        self.run_worker(open_dialog(), group="turn-options", exclusive=True)

    def set_conversation_model(self, pane: ConversationPane, model_id: str) -> None:
        pane.conversation = replace(pane.conversation, model=model_id)
        self.run_store(self.store.update_conversation, pane.conversation.id, model=model_id)
        self.refresh_sidebar(pane)
        pane.refresh_status()
        tell(self, f"Model: {model_id}")

    def action_system_prompt(self) -> None:
        """Pick this conversation's system prompt from the presets, or write one."""
        pane = self.active_pane()
        if pane is None:
            return
        from grokterm.ui.screens.prompt_dialog import PromptDialog
        from grokterm.ui.screens.system_prompt_picker import CUSTOM, SystemPromptPicker

        current = pane.conversation.system_prompt or ""

        def written(text: str | None) -> None:
            if text is not None:
                apply(text)

        def chosen(text: str | None) -> None:
            if text == CUSTOM:
                self.push_screen(PromptDialog("System prompt", current), written)
            elif text is not None:
                apply(text)

        def apply(text: str) -> None:
            self.set_system_prompt(pane, text)

        presets = self.context.presets or {}
        self.push_screen(SystemPromptPicker(presets, current), chosen)

    def set_system_prompt(self, pane: ConversationPane, text: str) -> None:
        """A new system prompt reaches the model on the next turn, which therefore sends the full
        history instead of chaining on the stored response (whose context has the old one)."""
        pane.conversation = replace(pane.conversation, system_prompt=text, last_response_id=None)
        self.run_store(self.store.update_conversation, pane.conversation.id, system_prompt=text,
                       last_response_id=None)
        pane.refresh_status()
        self.notify("System prompt set." if text else "System prompt removed.")

    def action_toggle_web_search(self) -> None:
        """Web search on/off for this conversation (its filters are kept)."""
        pane = self.active_pane()
        if pane is not None:
            self.set_search(pane, replace(pane.search, web=not pane.search.web))

    def action_toggle_x_search(self) -> None:
        pane = self.active_pane()
        if pane is not None:
            self.set_search(pane, replace(pane.search, x=not pane.search.x))

    def action_search_settings(self) -> None:
        """The dialog with both search tools and their filters."""
        pane = self.active_pane()
        if pane is None:
            return
        from grokterm.ui.screens.search_settings import SearchSettingsScreen

        def saved(settings) -> None:
            if settings is not None:
                self.set_search(pane, settings)

        self.push_screen(SearchSettingsScreen(pane.search, pane.conversation.title or ""), saved)

    def set_search(self, pane: ConversationPane, settings) -> None:
        """Use these search settings from the next turn on, and keep them with the conversation."""
        from grokterm.chat.sources import save_search_settings

        pane.set_search(settings)
        self.run_store(save_search_settings, self.store, pane.conversation.id, settings)
        tell(self, f"Search: {settings.summary() or 'off'}")

    def action_rename(self) -> None:
        pane = self.active_pane()
        if pane is None:
            return
        from grokterm.ui.screens.prompt_dialog import PromptDialog

        def renamed(title: str | None) -> None:
            if title:
                pane.conversation = replace(pane.conversation, title=title)
                self.run_store(self.store.update_conversation, pane.conversation.id, title=title)
                if self.chat is not None:
                    self.chat.retitle(pane.conversation)

        self.push_screen(PromptDialog("Rename conversation", pane.conversation.title or ""), renamed)

    def action_attach(self) -> None:
        """Open the attachment picker (files, clipboard, latest screenshot)."""
        pane = self.active_pane()
        if pane is None:
            return
        from grokterm.ui import attach
        from grokterm.ui.screens.attach_screen import AttachScreen

        def picked(images: list[PreparedImage] | None) -> None:
            attach.add_to_pane(pane, images or [])

        self.push_screen(AttachScreen(), picked)

    def action_attach_screenshot(self) -> None:
        """Attach the newest image in the screenshot folder."""
        pane = self.active_pane()
        if pane is not None:
            from grokterm.ui import attach

            attach.attach_latest_screenshot(pane)

    def action_attach_clipboard(self) -> None:
        """Attach the image on the clipboard."""
        pane = self.active_pane()
        if pane is not None:
            from grokterm.ui import attach

            attach.attach_clipboard_image(pane)

    def action_generate_image(self) -> None:
        """Ask for a prompt and generate a picture into the current conversation."""
        pane = self.active_pane()
        if pane is None:
            return
        from grokterm.ui import imagegen
        from grokterm.ui.screens.prompt_dialog import PromptDialog

        def chosen(prompt: str | None) -> None:
            if prompt:
                imagegen.start(pane, prompt)

        self.push_screen(PromptDialog("Generate image", "", placeholder="what to draw"), chosen)

    def action_responses(self) -> None:
        """Browse the stored responses this app created."""
        from grokterm.ui.screens.responses_screen import ResponsesScreen

        self.push_screen(ResponsesScreen())

    def action_conversations(self) -> None:
        """Find, reopen and archive conversations."""
        from grokterm.ui.screens.conversations_screen import ConversationsScreen

        self.push_screen(ConversationsScreen())

    def action_settings(self) -> None:
        from grokterm.ui.screens.settings_screen import SettingsScreen

        def saved(settings) -> None:
            if settings is not None:
                self.context.apply_settings(settings)
                self.set_keymap(self.context.keymap)  # remaps apply now, footer and palette included
                self.notify("Settings saved.")

        self.push_screen(SettingsScreen(), saved)

    async def open_conversation_by_id(self, conversation_id: int) -> ConversationPane | None:
        """Open (or switch to) a stored conversation in a tab."""
        if self.chat is None:
            return None
        conv = await asyncio.to_thread(self.store.get_conversation, conversation_id)
        if conv is None:
            self.notify("That conversation no longer exists.", severity="warning")
            return None
        pane = await self.chat.open_conversation(conv)
        self.remember_tabs()
        return pane

    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)
        keys = self.keys_for

        def command(title: str, help_text: str, callback, binding_id: str | None = None) -> SystemCommand:
            return SystemCommand(title, f"{help_text} ({keys(binding_id)})" if binding_id else help_text, callback)

        yield command("New conversation", "Open a new conversation tab", self.action_new_conversation, "app.new")
        yield command("Close conversation", "Close the current tab", self.action_close_conversation, "app.close")
        yield command("Next tab", "Switch to the next conversation", self.action_next_tab, "app.next_tab")
        yield command("Previous tab", "Switch to the previous conversation", self.action_previous_tab,
                      "app.prev_tab")
        yield command("Choose model", "Pick the model for this conversation", self.action_pick_model, "app.model")
        yield command("Refresh model list", "Fetch /v1/language-models again", lambda: self.load_models(force=True))
        yield command("Toggle sidebar", "Show or hide usage, reasoning and response id", self.action_toggle_sidebar,
                      "app.sidebar")
        yield command("Stop reply", "Stop the streaming reply, keeping the partial text", self.action_stop,
                      "app.stop")
        yield command("System prompt", "Choose a preset or write this conversation's system prompt",
                      self.action_system_prompt, "app.system_prompt")
        yield command("Toggle web search", "Let Grok search the web in this conversation",
                      self.action_toggle_web_search, "app.search_web")
        yield command("Toggle X search", "Let Grok search X posts in this conversation",
                      self.action_toggle_x_search, "app.search_x")
        yield command("Search settings", "Web and X search with domain, handle and date filters",
                      self.action_search_settings, "app.search_settings")
        yield command("Turn options", "Reasoning effort, temperature and max output tokens for this conversation",
                      self.action_turn_options)
        yield command("Rename conversation", "Give this conversation a title", self.action_rename, "app.rename")
        yield command("Attach image", "Attach a file, clipboard image or latest screenshot", self.action_attach,
                      "app.attach")
        yield command("Attach latest screenshot", "Newest image in the screenshot folder",
                      self.action_attach_screenshot, "app.attach_screenshot")
        yield command("Paste image from clipboard", "Attach the clipboard's image", self.action_attach_clipboard,
                      "app.attach_clipboard")
        yield command("Generate image", "Draw pictures from a prompt into this conversation (/image …)",
                      self.action_generate_image)
        yield command("Stored responses", "Browse, fetch, continue or delete stored responses",
                      self.action_responses, "app.responses")
        yield command("Conversations", "Search, reopen and archive conversations", self.action_conversations,
                      "app.conversations")
        yield command("Settings", "Edit config.toml options", self.action_settings, "app.settings")

    # -- shutdown -----------------------------------------------------------------
    async def on_unmount(self) -> None:
        if self.services is not None:
            self.services.runner.close()
            await self.services.client.aclose()
        if self._opened_store is not None:
            self._opened_store.close()
        if self._emulator is not None:
            self._emulator.stop()
