"""Markdown turned into terminal lines (Textual `Strip`s) block by block, off the event loop.

Why: rendering Markdown (parsing, wrapping, highlighting code) costs milliseconds per kilobyte. Done on
the event loop at every layout, it made typing wait behind a fast stream and froze the app at the end of
a long reply. Here a text is cut into blocks at blank lines outside code fences; each block is rendered
once per width into Strips, in a worker thread, and widgets only show lists of ready lines (their height
is the number of lines, so layout never renders anything).

Everything here is pure and thread-safe: no widget, no DOM, only a Rich console used for rendering.
The live reply and the finished message use the same functions, so a reply looks the same while it
streams and after it ends, and the finished message reuses the lines streaming produced.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar, cast

from rich.cells import chop_cells, set_cell_size
from rich.console import Console, RenderableType
from rich.markdown import Markdown as RichMarkdown
from rich.segment import Segment
from textual.strip import Strip

from grokterm.ui.render import safe_text

# A line after a blank line that continues the element before it (a list item, an indented
# continuation, a quote): cutting there would split one element in two.
CONTINUATION = re.compile(r"\s|[-*+]\s|\d{1,9}[.)]\s|>|$")


def split_points(text: str) -> list[int]:
    """Indices just after each blank line that ends a block: outside fenced code, and followed by a
    line that starts a new block (so lists, quotes and indented continuations stay whole)."""
    points: list[int] = []
    in_fence = False
    fence = ""
    position = 0
    lines = text.split("\n")
    for index, line in enumerate(lines[:-1]):  # the last line may be incomplete
        position += len(line) + 1
        stripped = line.lstrip()
        if len(line) - len(stripped) <= 3 and stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            if not in_fence:
                in_fence, fence = True, marker
            elif marker == fence:
                in_fence = False
        elif not in_fence and not line.strip() and index > 0:
            following = lines[index + 1]  # exists: index < len(lines) - 1 (it may be incomplete)
            if following and not CONTINUATION.match(following):
                points.append(position)
    return points


def last_split_point(text: str) -> int:
    """Where the finished blocks of a growing text end (0 if none is finished yet)."""
    points = split_points(text)
    return points[-1] if points else 0


def split_blocks(text: str) -> list[str]:
    """The whole text as blocks, cut at every `split_points` index."""
    blocks, start = [], 0
    for point in split_points(text):
        blocks.append(text[start:point])
        start = point
    blocks.append(text[start:])
    return [b for b in blocks if b]


def render_strips(renderable: RenderableType, console: Console, width: int) -> list[Strip]:
    """A renderable's lines at `width` (padded to it). Thread-safe: only reads the console."""
    options = console.options.update_width(max(1, width))
    return [Strip(line, width) for line in console.render_lines(renderable, options, pad=True)]


Line = Strip | str  # a rendered line, or a draft line (plain text, made a Strip only when drawn)
AnyLine = TypeVar("AnyLine", bound=Strip | str)


def _is_gap(line: Line) -> bool:
    if isinstance(line, str):
        return not line.strip()
    return not line.text.strip() and not any(s.style is not None and s.style.bgcolor for s in line)


def as_strip(line: Line, width: int) -> Strip:
    """A line ready to draw: a draft line (text) becomes a plain Strip `width` cells wide."""
    if isinstance(line, Strip):
        return line
    return Strip([Segment(set_cell_size(line, width))], width)


def block_strips(block: str, console: Console, width: int, code_theme: str, first: bool) -> list[Strip]:
    """One block's lines, including the gap Rich puts before it when it follows another block.

    A block that is not first is rendered after a one-character paragraph that is then dropped, so the
    spacing between blocks is the one Rich gives when it renders the whole text at once."""
    if first:
        return render_strips(RichMarkdown(block, code_theme=code_theme, hyperlinks=False), console, width)
    lines = render_strips(RichMarkdown("x\n\n" + block, code_theme=code_theme, hyperlinks=False), console, width)
    return lines[1:]


def seam(lines: Sequence[Line], more: list[AnyLine]) -> list[AnyLine]:
    """`more` as it goes below `lines`: never two gap lines in a row where they meet."""
    if lines and more and _is_gap(lines[-1]) and _is_gap(more[0]):
        return more[1:]
    return more


def join(lines: list[Strip], more: list[Strip]) -> list[Strip]:
    """Stack two blocks' lines (see `seam`)."""
    return lines + seam(lines, more)


def markdown_strips(text: str, console: Console, width: int, code_theme: str) -> list[Strip]:
    """A whole (sanitised) Markdown text's lines, rendered block by block like a streamed reply."""
    lines: list[Strip] = []
    for index, block in enumerate(split_blocks(text)):
        lines = join(lines, block_strips(block, console, width, code_theme, first=index == 0))
    return lines


def draft_lines(block: str, width: int, first: bool) -> list[str]:
    """A block's provisional lines: its (sanitised) source cut at `width`, no Markdown at all.

    Rendering Markdown costs milliseconds per block; a block nobody looks at (scrolled off above a long
    reply) need not pay it. It gets these lines instead, about as tall as the rendered ones and costing
    about a microsecond each (plain strings: `as_strip` makes the few drawn on screen Strips), until
    it is drawn on screen or the app is idle (see `MarkdownLines`)."""
    width = max(1, width)
    lines = [] if first else [""]
    for raw in block.rstrip("\n").split("\n"):
        raw = raw.replace("\t", "    ").rstrip()
        if not raw:
            lines.append("")
        elif raw.isascii():
            lines.extend(raw[start:start + width] for start in range(0, len(raw), width))
        else:
            lines.extend(chop_cells(raw, width))
    return lines


@dataclass
class View:
    """A body's lines at one width as they can be shown now: rendered blocks, and drafts
    (`draft_lines`) for blocks not rendered yet. `drafts` lists (first line, end line, block index)
    of the draft lines, in order; `starts` the first line of every block."""

    lines: list[Line]
    starts: list[int]
    drafts: list[tuple[int, int, int]]

    def drafts_between(self, first: int, end: int) -> list[int]:
        """Blocks shown as drafts on lines [first, end)."""
        at = bisect.bisect_right(self.drafts, (first, 1 << 62, 0)) - 1
        found = []
        for begin, stop, index in self.drafts[max(0, at):]:
            if begin >= end:
                break
            if stop > first:
                found.append(index)
        return found

    def block_span(self, index: int) -> tuple[int, int]:
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.lines)
        return self.starts[index], end


def assemble(parts: list[list[Line]]) -> tuple[list[Line], list[int]]:
    """Blocks' lines stacked (see `seam`) and where each block starts."""
    lines: list[Line] = []
    starts: list[int] = []
    for part in parts:
        starts.append(len(lines))
        lines.extend(seam(lines, part))
    return lines, starts


@dataclass(eq=False)
class MarkdownLines:
    """A Markdown body cut into blocks, each rendered once per width (the last few widths kept) —
    or not yet: a virtualised body in the style of Textual's Log line cache.

    `view(width)` gives the lines to show now, with cheap drafts for the blocks not rendered yet;
    whoever draws a draft line asks for its block to be rendered (in a thread: `render_blocks`, then
    `put` on the event loop). `lines(width)` renders every missing block (tests, threads). A reply that
    just streamed hands over its own MarkdownLines, so nothing is rendered twice; `version` changes
    whenever a block's lines do."""

    text: str
    code_theme: str = "monokai"
    keep: int = 3
    blocks: list[str] = field(default_factory=list)
    rendered: dict[int, list[list[Strip] | None]] = field(default_factory=dict)
    version: int = 0
    _split: bool = False
    _views: dict[int, tuple[int, View]] = field(default_factory=dict)
    _drafts: dict[int, dict[int, list[str]]] = field(default_factory=dict)  # width -> block -> draft lines

    @classmethod
    def of(cls, raw_text: str, code_theme: str = "monokai") -> MarkdownLines:
        return cls(safe_text(raw_text), code_theme)

    def block_texts(self) -> list[str]:
        if not self._split:
            self.blocks, self._split = split_blocks(self.text), True
        return self.blocks

    def extend(self, blocks: list[str]) -> None:
        """A growing (streamed) body: more finished blocks at the end, not rendered yet."""
        self.block_texts()
        self.blocks.extend(blocks)
        self.text += "".join(blocks)
        for slots in self.rendered.values():
            slots.extend([None] * len(blocks))
        self.version += 1

    def _slots(self, width: int) -> list[list[Strip] | None]:
        slots = self.rendered.get(width)
        if slots is None:
            if len(self.rendered) >= self.keep:
                self.rendered.pop(next(iter(self.rendered)))
                for old in [w for w in self._views if w not in self.rendered]:
                    del self._views[old]
                for old in [w for w in self._drafts if w not in self.rendered]:
                    del self._drafts[old]
            slots = self.rendered[width] = [None] * len(self.block_texts())
        return slots

    def has(self, width: int) -> bool:
        """Every block rendered at `width`."""
        slots = self.rendered.get(width)
        return slots is not None and len(slots) == len(self.block_texts()) and all(s is not None for s in slots)

    def missing(self, width: int) -> list[int]:
        slots = self.rendered.get(width)
        return list(range(len(self.block_texts()))) if slots is None else [i for i, s in enumerate(slots) if s is None]

    def render_blocks(self, width: int, console: Console, indices: list[int]) -> list[tuple[int, list[Strip]]]:
        """Render some blocks (in a worker thread: reads only). Hand the result to `put` on the loop."""
        texts = self.block_texts()
        return [(i, block_strips(texts[i], console, width, self.code_theme, first=i == 0)) for i in indices]

    def put(self, width: int, rendered: list[tuple[int, list[Strip]]]) -> None:
        slots = self._slots(width)
        drafts = self._drafts.get(width, {})
        for index, lines in rendered:
            if index < len(slots):
                slots[index] = lines
                drafts.pop(index, None)
        self.version += 1

    def lines(self, width: int, console: Console) -> list[Strip]:
        """Every block rendered at `width` (renders what is missing: call it in a thread when long)."""
        if not self.text:
            return []
        missing = self.missing(width)
        if missing:
            self.put(width, self.render_blocks(width, console, missing))
        return self.view(width).lines  # type: ignore[return-value]  # no drafts left: all Strips

    def view(self, width: int) -> View:
        """The lines to show at `width` now: rendered blocks, drafts for the others (cached)."""
        cached = self._views.get(width)
        if cached is not None and cached[0] == self.version:
            return cached[1]
        slots = self._slots(width)
        texts = self.block_texts()
        drafts_here = self._drafts.setdefault(width, {})
        parts: list[list[Line]] = []
        draft_of = []
        for index, (text, rendered) in enumerate(zip(texts, slots, strict=True)):
            if rendered is None:
                draft = drafts_here.get(index)
                if draft is None:
                    draft = drafts_here[index] = draft_lines(text, width, first=index == 0)
                parts.append(cast(list[Line], draft))
                draft_of.append(index)
            else:
                parts.append(rendered)  # type: ignore[arg-type]
        lines, starts = assemble(parts)
        drafts = []
        for index in draft_of:
            end = starts[index + 1] if index + 1 < len(starts) else len(lines)
            drafts.append((starts[index], end, index))
        view = View(lines, starts, drafts)
        self._views[width] = (self.version, view)
        return view

    def nearest_missing(self, width: int, line: int, limit: int) -> list[int]:
        """Up to `limit` blocks not rendered at `width`, nearest to `line` first (idle rendering)."""
        view = self.view(width)
        return [index for _, index in sorted((min(abs(b - line), abs(e - line)), index)
                                             for b, e, index in view.drafts)[:limit]]

    def bottom_blocks(self, width: int, height: int, below: int = 0) -> list[int]:
        """The blocks not rendered yet among those filling the last `height` lines, `below` lines
        (a tail shown after them) included: what a bottom-anchored view shows."""
        view = self.view(width)
        slots = self.rendered[width]
        need, wanted = height - below, []
        index = len(view.starts) - 1
        while index >= 0 and need > 0:
            begin, end = view.block_span(index)
            if slots[index] is None:
                wanted.append(index)
            need -= end - begin
            index -= 1
        return wanted

    def render_bottom(self, width: int, console: Console, height: int, below: int = 0,
                      also: list[int] | tuple[int, ...] = ()) -> int:
        """(In a worker thread, while nothing else touches this body.) Render the blocks a
        bottom-anchored view of `height` lines shows (drafts are only estimates, so look again once
        they are rendered) and the blocks `also`; returns how many blocks were rendered."""
        count = len(self.block_texts())
        todo = {index for index in also if index < count}
        rendered = 0
        for _ in range(8):
            slots = self._slots(width)
            todo = {index for index in todo if slots[index] is None}
            todo |= set(self.bottom_blocks(width, height, below))
            if not todo:
                break
            self.put(width, self.render_blocks(width, console, sorted(todo)))
            rendered += len(todo)
            todo = set()
        return rendered
