"""Turning untrusted model text into something safe to draw.

Model output is never interpreted as Textual/Rich markup and never reaches the
terminal with its own escape sequences: text is sanitised first, then rendered
only through Markdown (which treats `[bold]` as literal text).
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.markdown import Markdown as RichMarkdown
from rich.text import Text

from grokterm.sanitize import sanitize_terminal


def safe_text(text: str) -> str:
    """Untrusted text with escape sequences and control bytes removed."""
    return sanitize_terminal(text)


def markdown_renderable(text: str, code_theme: str = "monokai") -> RenderableType:
    """A cheap, static Rich renderable of a finished reply."""
    return RichMarkdown(safe_text(text), code_theme=code_theme, hyperlinks=False)


def plain(text: str, style: str = "") -> Text:
    """Literal text (no markup parsing) for labels that include untrusted parts."""
    return Text(safe_text(text), style=style)


def stacked(*parts: RenderableType) -> Group:
    return Group(*parts)
