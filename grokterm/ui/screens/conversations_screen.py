"""Find and reopen conversations: recent ones by default, full-text search as you type.

Enter opens the highlighted conversation in a tab (or switches to it);
alt+a (or f3) archives or unarchives it; alt+t (or ctrl+t) shows archived ones too.
The alt keys work while the search field has focus, also sent as ESC+key (ui/keys.py).
Store calls run in thread workers, so typing a query never waits on SQLite.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from grokterm.ui import format as fmt
from grokterm.ui.render import plain
from grokterm.ui.safe import tell
from grokterm.ui.services import grok_app, services


@dataclass(frozen=True)
class Entry:
    conversation_id: int
    title: str
    archived: bool
    when: float
    snippet: str = ""
    origin: str | None = None  # "ask": started by `grokterm ask` (Conversation.origin)


def entry_label(entry: Entry) -> Text:
    text = Text()
    text.append_text(plain(entry.title or "New chat", "bold"))
    text.append(f"  {fmt.timestamp(entry.when)}", style="dim")
    if entry.origin == "ask":
        text.append("  ask", style="italic dim")
    if entry.archived:
        text.append("  archived", style="yellow")
    if entry.snippet:
        text.append("\n   ")
        text.append_text(plain(entry.snippet.replace("\n", " ")[:160], "italic"))
    return text


class ConversationsScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close", id="conversations.close"),
        Binding("alt+a,f3", "toggle_archive", "Archive/unarchive", id="conversations.archive"),
        Binding("alt+t,ctrl+t", "toggle_show_archived", "Show archived", id="conversations.show_archived"),
        # priority: opening runs as enter arrives, so keys typed right after it wait and reach the
        # opened tab's composer, instead of the search field or the tab shown before
        Binding("enter", "open", "Open", show=False, priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[Entry] = []
        self.show_archived = False

    def compose(self) -> ComposeResult:
        with Vertical(id="conversations-box"):
            yield Static("Conversations", classes="picker-title")
            yield Input(placeholder="search every message (words, \"phrases\", prefix*)", id="conversations-query")
            yield OptionList(id="conversations-list")
            keys = grok_app(self).keys_for
            yield Static(plain(f"enter open · {keys('conversations.archive')} archive/unarchive · "  # keymap: config
                               f"{keys('conversations.show_archived')} show archived · "
                               f"{keys('conversations.close')} close"), classes="picker-help")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.refresh_list("")

    @work(exclusive=True, group="conversations")
    async def refresh_list(self, query: str) -> None:
        store = services(self).store
        archived = None if self.show_archived else False
        if query.strip():
            hits = await asyncio.to_thread(store.search, query, limit=60, include_archived=self.show_archived,
                                           prefix_last=True)
            seen: set[int] = set()
            entries = []
            for hit in hits:
                if hit.conversation_id in seen:
                    continue
                seen.add(hit.conversation_id)
                entries.append(Entry(hit.conversation_id, hit.conversation_title, hit.archived, hit.created_at,
                                     hit.snippet, hit.conversation_origin))
        else:
            rows = await asyncio.to_thread(store.list_conversations, 200, archived)
            entries = [Entry(c.id, c.title, c.archived, c.updated_at, origin=c.origin) for c in rows]
        self.entries = entries
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(entry_label(e), id=str(e.conversation_id)) for e in entries])
        if entries:
            options.highlighted = 0

    @on(Input.Changed, "#conversations-query")
    def _query_changed(self, event: Input.Changed) -> None:
        self.refresh_list(event.value)

    def _highlighted(self) -> Entry | None:
        options = self.query_one(OptionList)
        if options.highlighted is None or not self.entries:
            return None
        return self.entries[options.highlighted]

    async def action_open(self) -> None:
        entry = self._highlighted()
        if entry is not None:
            await self._open(entry)

    @on(OptionList.OptionSelected)
    async def _selected(self, event: OptionList.OptionSelected) -> None:
        await self._open(self.entries[event.option_index])

    async def _open(self, entry: Entry) -> None:
        if entry.archived:
            await asyncio.to_thread(services(self).store.archive_conversation, entry.conversation_id, False)
        self.dismiss(None)
        await grok_app(self).open_conversation_by_id(entry.conversation_id)

    def on_key(self, event) -> None:
        if event.key in ("down", "up") and self.query_one(Input).has_focus:
            options = self.query_one(OptionList)
            options.action_cursor_down() if event.key == "down" else options.action_cursor_up()
            event.stop()

    async def action_toggle_archive(self) -> None:
        entry = self._highlighted()
        if entry is None:
            return
        await asyncio.to_thread(services(self).store.archive_conversation, entry.conversation_id, not entry.archived)
        chat = grok_app(self).chat
        if not entry.archived and chat is not None and chat.pane_for(entry.conversation_id):
            await chat.close_conversation(entry.conversation_id)
            if not chat.panes():
                await grok_app(self).action_new_conversation()
            grok_app(self).remember_tabs()
        tell(self.app, ("Unarchived" if entry.archived else "Archived") + f": {entry.title or 'New chat'}")
        self.refresh_list(self.query_one(Input).value)

    def action_toggle_show_archived(self) -> None:
        self.show_archived = not self.show_archived
        self.refresh_list(self.query_one(Input).value)

    def action_close(self) -> None:
        self.dismiss(None)
