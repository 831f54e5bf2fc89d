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

import re
from dataclasses import dataclass, field

from rich.console import Console, RenderableType
from rich.markdown import Markdown as RichMarkdown
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


def _is_gap(strip: Strip) -> bool:
    return not strip.text.strip() and not any(s.style is not None and s.style.bgcolor for s in strip)


def block_strips(block: str, console: Console, width: int, code_theme: str, first: bool) -> list[Strip]:
    """One block's lines, including the gap Rich puts before it when it follows another block.

    A block that is not first is rendered after a one-character paragraph that is then dropped, so the
    spacing between blocks is the one Rich gives when it renders the whole text at once."""
    if first:
        return render_strips(RichMarkdown(block, code_theme=code_theme, hyperlinks=False), console, width)
    lines = render_strips(RichMarkdown("x\n\n" + block, code_theme=code_theme, hyperlinks=False), console, width)
    return lines[1:]


def seam(lines: list[Strip], more: list[Strip]) -> list[Strip]:
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


@dataclass
class MarkdownLines:
    """A finished Markdown body: its sanitised text and its lines per width (the last few widths kept).

    `lines(width)` renders on first use at a width; callers on the event loop pre-fill it from a
    thread (`prerender`) or hand over the lines streaming produced, so drawing never renders."""

    text: str
    code_theme: str = "monokai"
    by_width: dict[int, list[Strip]] = field(default_factory=dict)
    keep: int = 3

    @classmethod
    def of(cls, raw_text: str, code_theme: str = "monokai") -> MarkdownLines:
        return cls(safe_text(raw_text), code_theme)

    def has(self, width: int) -> bool:
        return width in self.by_width

    def lines(self, width: int, console: Console) -> list[Strip]:
        found = self.by_width.get(width)
        if found is None:
            found = markdown_strips(self.text, console, width, self.code_theme) if self.text else []
            self.store(width, found)
        return found

    def store(self, width: int, lines: list[Strip]) -> None:
        if len(self.by_width) >= self.keep and width not in self.by_width:
            self.by_width.pop(next(iter(self.by_width)))
        self.by_width[width] = lines

