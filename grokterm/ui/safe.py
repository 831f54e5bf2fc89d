"""UI builders over `grokterm.sanitize`: the only ways outside text reaches a widget.

- `tell(app, message, title=…)`: a notification whose message and title are
  sanitised and shown literally (`markup=False`), so `[/]` cannot crash the app
  and `[@click=app.quit]` cannot become an action.
- `literal(text, style)` (re-exported): a `rich.text.Text` for `Static`, `Label`,
  `Option`, `Button`, `Select` prompts, table cells and tree labels; Textual never
  parses a `Text` as markup.
- `content(text)`: the same as a Textual `Content`, for the places that take only
  `str | Content` (tab and `TabPane` titles).

`tests/test_sanitize_call_sites.py` fails when a display call in `grokterm/ui/`
passes anything else that is not a plain string literal.
"""

from __future__ import annotations

from typing import Literal

from textual.app import App
from textual.content import Content

from grokterm.sanitize import display_line, display_text, literal

__all__ = ["content", "display_line", "display_text", "literal", "tell"]

Severity = Literal["information", "warning", "error"]


def content(text: str, *, one_line: bool = False) -> Content:
    """A Textual `Content` of sanitised `text`: plain text, never parsed as markup."""
    return Content(display_line(text) if one_line else display_text(text))


def tell(app: App, message: str, *, title: str = "", severity: Severity = "information",
         timeout: float | None = None) -> None:
    """`app.notify` for text that may contain outside parts (ids, errors, names, config values)."""
    app.notify(display_text(message), title=display_line(title, 120), severity=severity, timeout=timeout,
               markup=False)
