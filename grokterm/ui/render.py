"""Turning untrusted model text into something safe to draw.

Model output is never interpreted as Textual/Rich markup and never reaches the
terminal with its own escape sequences: text is sanitised first, then rendered
only through Markdown (which treats `[bold]` as literal text).
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.markdown import Markdown as RichMarkdown
from rich.measure import Measurement
from rich.segment import Segment
from rich.text import Text

from grokterm.sanitize import display_text, literal

safe_text = display_text  # untrusted text: escapes and controls removed, hidden characters shown


class RenderCache:
    """Wraps a renderable whose output never changes and remembers it per width.

    Textual asks a Rich renderable for its lines again at every layout pass (once
    for the height, once to draw, again when a scrollbar appears). Parsing Markdown
    and highlighting code each time made long conversations and long replies slow;
    a finished message renders the same at the same width, so render it once.
    """

    def __init__(self, renderable: RenderableType, keep: int = 3) -> None:
        self.renderable = renderable
        self.keep = keep
        self._cache: dict[tuple, list[Segment]] = {}

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        key = (options.max_width, options.min_width, options.justify, options.overflow, options.no_wrap,
               console.color_system, options.legacy_windows)  # not height: Markdown ignores it
        segments = self._cache.get(key)
        if segments is None:
            segments = list(console.render(self.renderable, options))
            if len(self._cache) >= self.keep:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = segments
        return segments

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.renderable)


def markdown_renderable(text: str, code_theme: str = "monokai") -> RenderableType:
    """A cheap, static Rich renderable of a finished reply (rendered once per width)."""
    return RenderCache(RichMarkdown(safe_text(text), code_theme=code_theme, hyperlinks=False))


def plain(text: str, style: str = "") -> Text:
    """Literal text (no markup parsing) for labels that include untrusted parts."""
    return literal(text, style)

