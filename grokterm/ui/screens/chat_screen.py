"""The main screen: conversation tabs on the left, the sidebar on the right.

Below NARROW_WIDTH columns (an 80x24 terminal) the screen gets the `-narrow` class: the
sidebar starts collapsed so the conversation keeps the width, and ctrl+b opens it.
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import TabbedContent, TabPane

from grokterm.sanitize import display_line
from grokterm.ui.safe import content
from grokterm.ui.services import grok_app
from grokterm.ui.widgets.conversation_pane import ConversationPane
from grokterm.ui.widgets.footer import Footer
from grokterm.ui.widgets.sidebar import Sidebar


def pane_id(conversation_id: int) -> str:
    return f"conv-{conversation_id}"


def tab_title(conversation) -> Content:
    """The tab label: the title on one line, sanitised, never markup (a title can come from an import)."""
    return content(display_line(conversation.title or "New chat", 24))


class ConversationTabs(TabbedContent):
    """TabbedContent that ignores a stale "a widget in this pane got focus" message.

    Textual switches to a pane when a widget inside it is focused, by a message that arrives
    later. After two quick tab keys (alt+left alt+right) the first focus's message would switch
    back to the tab the user left, and the next key (f8: close) would act on the wrong tab.
    """

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        focused = self.screen.focused
        if focused is not None and event.tab_pane not in focused.ancestors:
            event.stop()
            event.prevent_default()  # Textual calls the base class's handler too, unless this is set


NARROW_WIDTH = 100  # columns: below this the sidebar is collapsed unless opened with ctrl+b


class ChatScreen(Screen):
    """Holds the open conversations as tabs; the app's actions act on the active one."""

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW_WIDTH, "-narrow")

    def toggle_sidebar(self) -> None:
        """Wide: hide or show the sidebar. Narrow: open or close it (collapsed by default)."""
        flag = "-sidebar-open" if self.has_class("-narrow") else "-sidebar-hidden"
        self.toggle_class(flag)

    @property
    def sidebar_shown(self) -> bool:
        return self.sidebar.display

    def compose(self) -> ComposeResult:
        with Horizontal(id="chat-body"):
            yield ConversationTabs(id="tabs")
            yield Sidebar(id="sidebar")
        yield Footer(hold=True)  # its keys are built once, when start-up has opened the tabs (release_footer)

    async def release_footer(self) -> None:
        for footer in self.query(Footer):
            await footer.release()

    @property
    def tabs(self) -> TabbedContent:
        return self.query_one("#tabs", TabbedContent)

    @property
    def sidebar(self) -> Sidebar:
        return self.query_one(Sidebar)

    def panes(self) -> list[ConversationPane]:
        return list(self.query(ConversationPane))

    def active_pane(self) -> ConversationPane | None:
        pane = self.tabs.active_pane
        if pane is None:
            return None
        found = pane.query(ConversationPane)
        return found.first() if found else None

    def pane_for(self, conversation_id: int) -> ConversationPane | None:
        for pane in self.panes():
            if pane.conversation.id == conversation_id:
                return pane
        return None

    async def open_conversation(self, conversation, activate: bool = True) -> ConversationPane:
        existing = self.pane_for(conversation.id)
        if existing is not None:
            if activate:
                self.tabs.active = pane_id(conversation.id)
            return existing
        pane = ConversationPane(conversation)
        await self.tabs.add_pane(TabPane(tab_title(conversation), pane, id=pane_id(conversation.id)))
        if activate:
            self.tabs.active = pane_id(conversation.id)
            self.focus_active_composer()
        return pane

    def focus_active_composer(self) -> None:
        """Focus the shown tab's composer now, not on the next message: keys typed right after a tab
        key are already queued, and must land in the tab the user sees."""
        pane = self.active_pane()
        if pane is not None:
            self.set_focus(pane.composer)

    async def close_conversation(self, conversation_id: int) -> None:
        pane = self.pane_for(conversation_id)
        if pane is not None:
            pane.stop_streaming()
        await self.tabs.remove_pane(pane_id(conversation_id))

    def retitle(self, conversation) -> None:
        tab = self.tabs.get_tab(pane_id(conversation.id))
        tab.label = tab_title(conversation)

    def tab_order(self) -> list[int]:
        return [pane.conversation.id for pane in self.panes()]

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        pane = self.active_pane()
        if pane is not None:
            grok_app(self).refresh_sidebar(pane)
            grok_app(self).remember_tabs()
            self.focus_active_composer()  # not .focus(): a deferred focus can be stale by then

    @on(ConversationPane.Changed)
    def _pane_changed(self, event: ConversationPane.Changed) -> None:
        self.retitle(event.pane.conversation)
        if event.pane is self.active_pane():
            grok_app(self).refresh_sidebar(event.pane)
