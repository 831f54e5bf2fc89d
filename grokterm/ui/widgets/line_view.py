"""A widget that shows lines rendered elsewhere (in a thread): its height is their number.

Layout asks a widget its height many times; for a Static holding Markdown that means rendering
the Markdown. Here the lines are already there, so layout and drawing cost only list lookups.
Some lines may be drafts (`markdown_lines.View`: blocks not rendered yet); Textual draws only the
lines on screen, so a draft line being drawn tells the owner which block to render now.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import zip_longest

from rich.style import Style
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from grokterm.ui.markdown_lines import Line, View, as_strip
from grokterm.ui.widgets.layout_once import LayoutOnce


def fit(line: Line, width: int) -> Strip:
    """A line drawn at `width`: a draft made a Strip, or a line rendered at another width (a resize
    the new render has not caught up with yet) cropped or padded."""
    strip = as_strip(line, width)
    return strip if strip.cell_length == width else strip.crop_extend(0, width, None)


class LineView(LayoutOnce, Widget):
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
        self.grow_by = 1  # the height grows in steps of this many lines (blank until filled)
        self._height = 0
        self._style = Style()

    def _height_for(self, count: int) -> int:
        """The height for `count` lines. With `grow_by` > 1 the height never shrinks, and when the lines
        outgrow it, it makes room for `grow_by` - 1 more: a growing text changes the height (a layout of
        the whole screen and a scroll that repaints all of it) once every `grow_by` lines, not at every
        line; the lines in between only repaint themselves. `grow_by` 1: exactly the lines."""
        if self.grow_by <= 1:
            return count
        return self._height if count <= self._height else count + self.grow_by - 1

    def show(self, *parts: Sequence[Line], view: View | None = None) -> None:
        """Swap in new lines. Same height: repaint only the lines that changed (usually the last one
        or two of a streaming reply). New height: a layout (the one case that moves other widgets).
        `view`: the first part's drafts; drawing one of them calls `on_drafts_seen`."""
        self._view = view if view is not None and view.drafts else None
        count = sum(len(part) for part in parts)
        height = self._height_for(count)
        if height != self._height or not self.is_mounted:
            self._parts, self._count, self._height = parts, count, height
            self.refresh(layout=True)
            return
        old = [line for part in self._parts for line in part]
        new = [line for part in parts for line in part]
        self._parts, self._count = parts, count
        width = self.size.width
        blank = Strip.blank(0)
        changed = [y for y, (a, b) in enumerate(zip_longest(old, new, fillvalue=blank)) if a is not b and a != b]
        if changed:
            self.refresh(*(Region(0, y, width, 1) for y in changed))

    @property
    def line_count(self) -> int:
        return self._count

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._height

    def render_lines(self, crop: Region) -> list[Strip]:
        self._style = self.rich_style  # once per frame, not per line (it walks every ancestor's styles)
        return super().render_lines(crop)

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
                return fit(part[y], width).apply_style(self._style)
            y -= len(part)
        return Strip.blank(width, self._style)

    def _report_seen(self) -> None:
        seen, self._seen = sorted(self._seen), set()
        if seen and self._on_drafts_seen is not None:
            self._on_drafts_seen(seen)
