"""The per-conversation search dialog: web search and X search on or off, with their filters.

Checks the documented limits before saving (one of allowed/excluded, at most 5 domains,
YYYY-MM-DD dates, from ≤ to) so the API never has to refuse them; the error is shown
in the dialog as plain text. Dismisses with the new SearchSettings, or None on cancel.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Static

from grokterm.ui.render import plain
from grokterm.ui.safe import literal
from grokterm.xai.tools import MAX_DOMAINS, SearchSettings, SearchSettingsError

STYLES = Path(__file__).parent.parent / "styles" / "search.tcss"


def _words(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.replace(",", " ").split() if part)


class SearchSettingsScreen(ModalScreen[SearchSettings | None]):
    CSS_PATH = STYLES
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("ctrl+s", "save", "Save", id="search.save"),
    ]

    def __init__(self, settings: SearchSettings, title: str = "") -> None:
        super().__init__()
        self.settings = settings
        self.conversation_title = title

    def compose(self) -> ComposeResult:
        s = self.settings
        with Vertical(id="search-box"):
            heading = "Search for this conversation"
            if self.conversation_title:
                heading += f": {self.conversation_title}"
            yield Static(plain(heading), classes="search-title")
            with Horizontal(classes="search-row"):
                yield Checkbox("Web search", s.web, id="search-web")
                yield Checkbox("X search", s.x, id="search-x")
            yield Static(literal(f"Web: only these domains (max {MAX_DOMAINS}, space-separated)"),
                         classes="search-label")
            yield Input(" ".join(s.allowed_domains), placeholder="arxiv.org wikipedia.org", id="search-domains")
            yield Static("Web: or all but these domains", classes="search-label")
            yield Input(" ".join(s.excluded_domains), placeholder="pinterest.com", id="search-excluded-domains")
            yield Static("X: only posts from these handles", classes="search-label")
            yield Input(" ".join(s.allowed_x_handles), placeholder="xai elonmusk", id="search-handles")
            yield Static("X: or all but these handles", classes="search-label")
            yield Input(" ".join(s.excluded_x_handles), placeholder="", id="search-excluded-handles")
            yield Static("X: posts from / to (YYYY-MM-DD)", classes="search-label")
            with Horizontal(classes="search-row search-dates"):
                yield Input(s.from_date or "", placeholder="2026-01-01", id="search-from")
                yield Input(s.to_date or "", placeholder="2026-12-31", id="search-to")
            yield Static("", id="search-error")
            with Horizontal(classes="search-buttons"):
                yield Button("Cancel", id="search-cancel")
                yield Button("Save", variant="primary", id="search-save")

    def on_mount(self) -> None:
        self.query_one("#search-web", Checkbox).focus()

    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value

    def collect(self) -> SearchSettings:
        """The settings as entered, cleaned; raises SearchSettingsError."""
        return SearchSettings(
            web=self.query_one("#search-web", Checkbox).value,
            x=self.query_one("#search-x", Checkbox).value,
            allowed_domains=_words(self._value("#search-domains")),
            excluded_domains=_words(self._value("#search-excluded-domains")),
            allowed_x_handles=_words(self._value("#search-handles")),
            excluded_x_handles=_words(self._value("#search-excluded-handles")),
            from_date=self._value("#search-from").strip() or None,
            to_date=self._value("#search-to").strip() or None,
        ).normalised()

    def action_save(self) -> None:
        try:
            settings = self.collect()
        except SearchSettingsError as error:
            self.query_one("#search-error", Static).update(plain(str(error)))
            return
        self.dismiss(settings)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#search-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#search-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()
