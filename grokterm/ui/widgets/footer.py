"""Textual's key footer, rebuilt once for a burst of binding changes, and held while a screen sets up.

Textual's `Footer` schedules a full recompose (every key rebuilt and styled) for each change of
the screen's bindings. Start-up changes them four or five times before the first frame (the
screen is pushed and resumed, the tab activated, the composer focused, ...), a frame or two
apart: forty or fifty keys built and styled, all but the last ten thrown away, about a fifth of
the first frame's CPU. Here a change only schedules a rebuild when none is pending, and a footer
created with `hold=True` does not rebuild at all until `release()` (the chat screen holds it
while start-up opens its tabs). A rebuild reads the bindings as they are when it runs, so the
keys shown are the same.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """`textual.widgets.Footer` with its rebuilds coalesced (see the module docstring)."""

    def __init__(self, *, hold: bool = False) -> None:
        super().__init__()
        self._held = hold
        self._rebuild_pending = False

    def bindings_changed(self, screen: Screen) -> None:
        # Textual 8.2.8's Footer.bindings_changed, but never a second pending rebuild, none while held.
        self._bindings_ready = True
        if self._held or not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def release(self) -> None:
        """Stop holding rebuilds, and build the keys as they are now (done when this returns)."""
        if self._held:
            self._held = False
            self._bindings_ready = True
            if self.is_attached:
                await self._rebuild()

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        with self._context():  # composed as itself, whoever asked (its keys bind to its reactives)
            await self.recompose()
