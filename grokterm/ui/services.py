"""The one typed way widgets and screens reach the app's services: `services(self).store`.

Textual types `self.app` as `App[Any]`, so `self.app.store` was an untyped guess by attribute
name (mypy could not see a typo or a rename). GrokApp builds one `Services` when start-up has
opened the store and the client; widgets ask for it with `services(node)`. Test hosts that are
not a GrokApp provide the same `services` attribute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from textual.app import App

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

    from grokterm.chat.runner import TurnRunner
    from grokterm.store import Store
    from grokterm.ui.app import GrokApp
    from grokterm.xai.client import XAIClient


class ServicesNotStarted(RuntimeError):
    """A widget asked for the services before GrokApp.start_services finished (a bug)."""


@dataclass(frozen=True)
class Services:
    """What start-up opens once and every conversation, screen and dialog shares."""

    store: Store
    client: XAIClient
    runner: TurnRunner


def services(node: MessagePump | App[Any]) -> Services:
    """The running app's services, typed; `node` is any widget or screen (or the app itself)."""
    app = node if isinstance(node, App) else node.app
    found: Services | None = getattr(app, "services", None)
    if found is None:
        raise ServicesNotStarted("the app's services are used before start-up finished")
    return found


def grok_app(node: MessagePump) -> GrokApp:
    """`node.app` as the GrokApp it is, for app-wide actions (refresh_sidebar, remember_tabs, ...)."""
    return cast("GrokApp", node.app)
