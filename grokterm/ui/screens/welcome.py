"""First start without a key: paste one (kept in the OS keyring) or try the demo."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Markdown, Static

from grokterm.ui.safe import literal
from grokterm.ui.widgets.footer import Footer

WELCOME = """\
# Welcome to grokterm

A terminal chat client for xAI's Grok API.

No API key is configured. Paste one below (it is kept in your OS keyring,
never in a file), or start the demo: a built-in emulator of the xAI API that
streams real-looking replies on this machine, no account needed.

You can also set the `XAI_API_KEY` environment variable.
"""


class WelcomeScreen(Screen[tuple[str, str | None]]):
    """Dismisses with ("key", key) or ("demo", None)."""

    # priority: the key field has focus, and Input binds ctrl+d itself (delete right)
    BINDINGS = [Binding("ctrl+d", "demo", "Start demo", id="welcome.demo", priority=True)]

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="welcome-box"):
            yield Markdown(WELCOME, id="welcome-text")
            yield Input(placeholder="xai-…", password=True, id="welcome-key")
            yield Static("", id="welcome-error")
            with Horizontal(id="welcome-buttons"):
                yield Button("Save key", id="welcome-save", variant="primary")
                yield Button("Start demo", id="welcome-demo")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def show_error(self, message: str) -> None:
        self.query_one("#welcome-error", Static).update(literal(message))

    @on(Input.Submitted, "#welcome-key")
    @on(Button.Pressed, "#welcome-save")
    def _save(self) -> None:
        key = self.query_one(Input).value.strip()
        if not key:
            self.show_error("Paste a key first, or start the demo.")
            return
        self.dismiss(("key", key))

    @on(Button.Pressed, "#welcome-demo")
    def action_demo(self) -> None:
        self.dismiss(("demo", None))
