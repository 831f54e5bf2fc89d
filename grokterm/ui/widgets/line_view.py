"""A widget that shows lines rendered elsewhere (in a thread): its height is their number.

Layout asks a widget its height many times; for a Static holding Markdown that means rendering
the Markdown. Here the lines are already there, so layout and drawing cost only list lookups.
Some lines may be drafts (`markdown_lines.View`: blocks not rendered yet); Textual draws only the
lines on screen, so a draft line being drawn tells the owner which block to render now.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.style import Style
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from grokterm.ui.markdown_lines import Line, View, as_strip


def fit(line: Line, width: int) -> Strip:
    """A line drawn at `width`: a draft made a Strip, or a line rendered at another width (a resize
    the new render has not caught up with yet) cropped or padded."""
    strip = as_strip(line, width)
    return strip if strip.cell_length == width else strip.crop_extend(0, width, None)


class LineView(Widget):
    """Shows one or more lists of ready lines, one after another."""

    DEFAULT_CSS = """
    LineView {
        height: auto;
        width: 1fr;
    }
    """

    def __init__(self, *, classes: str | None = None,
                 on_drafts_seen: Callable[[list[int]], None] | None = None) -> None:
        super().__init__(classes=classes)
        self._parts: tuple[Sequence[Line], ...] = ()
        self._count = 0
        self._view: View | None = None
        self._seen: set[int] = set()
        self._on_drafts_seen = on_drafts_seen
        self._style: Style | None = None  # self.rich_style, which walks every ancestor (0.3 ms a call)

    def notify_style_update(self) -> None:
        self._style = None  # Textual calls this on every node whose styles (or an ancestor's) change
        super().notify_style_update()

    def line_style(self) -> Style:
        if self._style is None:
            self._style = self.rich_style
        return self._style

    def show(self, *parts: Sequence[Line], view: View | None = None) -> None:
        """Swap in new lines. Same height: repaint only the lines that changed (usually the last one
        or two of a streaming reply). New height: a layout (the one case that moves other widgets).
        `view`: the first part's drafts; drawing one of them calls `on_drafts_seen`."""
        self._view = view if view is not None and view.drafts else None
        count = sum(len(part) for part in parts)
        if count != self._count or not self.is_mounted:
            self._parts, self._count = parts, count
            self.refresh(layout=True)
            return
        old = [line for part in self._parts for line in part]
        new = [line for part in parts for line in part]
        self._parts = parts
        width = self.size.width
        changed = [y for y, (a, b) in enumerate(zip(old, new, strict=True)) if a is not b and a != b]
        if changed:
            self.refresh(*(Region(0, y, width, 1) for y in changed))

    @property
    def line_count(self) -> int:
        return self._count

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._count

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._view is not None and self._on_drafts_seen is not None:
            seen = self._view.drafts_between(y, y + 1)
            if seen and not self._seen.issuperset(seen):
                if not self._seen:
                    self.call_later(self._report_seen)
                self._seen |= set(seen)
        for part in self._parts:
            if y < len(part):
                return fit(part[y], width).apply_style(self.line_style())
            y -= len(part)
        return Strip.blank(width, self.line_style())

    def _report_seen(self) -> None:
        seen, self._seen = sorted(self._seen), set()
        if seen and self._on_drafts_seen is not None:
            self._on_drafts_seen(seen)
