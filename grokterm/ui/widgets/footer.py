"""Textual's key footer, rebuilt once per frame however often the bindings changed before it.

Textual's `Footer` schedules a full recompose (every key rebuilt and styled) for each change of
the screen's bindings. Start-up changes them five times before the first frame (the screen is
pushed, the tab activated, the composer focused, ...): fifty keys built, forty thrown away, a
fifth of the first frame's CPU. Here a change only schedules a rebuild when none is pending; the
rebuild reads the bindings as they are when it runs, so the keys shown are the same.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """`textual.widgets.Footer` with its rebuilds coalesced (see the module docstring)."""

    _rebuild_pending = False

    def bindings_changed(self, screen: Screen) -> None:
        # Textual 8.2.8's Footer.bindings_changed, with the one change: no second pending rebuild.
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        await self.recompose()
