"""A widget that shows lines rendered elsewhere (in a thread): its height is their number.

Layout asks a widget its height many times; for a Static holding Markdown that means rendering
the Markdown. Here the lines are already there, so layout and drawing cost only list lookups.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget


def fit(strip: Strip, width: int) -> Strip:
    """A line drawn at another width (a resize the new render has not caught up with yet)."""
    return strip if strip.cell_length == width else strip.crop_extend(0, width, None)


class LineView(Widget):
    """Shows one or more lists of ready lines, one after another."""

    DEFAULT_CSS = """
    LineView {
        height: auto;
        width: 1fr;
    }
    """

    def __init__(self, *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self._parts: tuple[list[Strip], ...] = ()
        self._count = 0

    def show(self, *parts: list[Strip]) -> None:
        """Swap in new lines: a repaint, plus a layout only when the height changed."""
        count = sum(len(part) for part in parts)
        relayout = count != self._count
        self._parts, self._count = parts, count
        self.refresh(layout=relayout)

    @property
    def line_count(self) -> int:
        return self._count

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._count

    def render_line(self, y: int) -> Strip:
        width = self.content_region.width
        for part in self._parts:
            if y < len(part):
                return fit(part[y], width).apply_style(self.rich_style)
            y -= len(part)
        return Strip.blank(width, self.rich_style)
