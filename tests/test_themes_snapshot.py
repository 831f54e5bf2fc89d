"""SVG snapshots of bundled themes on a small, deterministic demo of the widgets grokterm uses.

Update after an intended visual change with:
    .venv/bin/python -m pytest tests/test_themes_snapshot.py --snapshot-update
"""

from __future__ import annotations

import pytest
from rich.markdown import Markdown as RichMarkdown
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Markdown, Static

from grokterm.ui.themes import install_themes

TEXTUAL_MARKDOWN = """\
## Reply

Some **bold**, some `inline code` and a [link](https://example.com).

```python
def greet(name: str) -> str:
    return f"Hello, {name}!"  # comment
```
"""

RICH_MARKDOWN = """\
```python
for n in range(3):
    print("rich code block", n)
```
"""


class ThemeDemo(App):
    """Representative widgets; nothing time-dependent (no clock, no blinking focus in an Input)."""

    CSS = """
    Screen { padding: 0 1; }
    #row { height: auto; }
    #row Button { margin-right: 1; }
    #inputs { height: auto; }
    #inputs Input { width: 1fr; }
    .status { width: auto; margin-right: 2; }
    #warning { color: $warning; }
    #error { color: $error; }
    #success { color: $success; }
    #panel { background: $panel; height: auto; padding: 0 1; }
    #md { height: auto; margin: 0; }
    """
    code_theme = "unset"

    def __init__(self, theme: str) -> None:
        super().__init__()
        self.wanted_theme = theme

    def compose(self) -> ComposeResult:
        yield Vertical(id="body")

    async def on_mount(self) -> None:
        warnings = install_themes(self, self.wanted_theme)
        assert warnings == [], warnings
        body = self.query_one("#body")
        await body.mount_all([
            Markdown(TEXTUAL_MARKDOWN, id="md"),
            Static(RichMarkdown(RICH_MARKDOWN, code_theme=self.code_theme), id="rich"),
            Horizontal(
                Button("Send", variant="primary", id="send"),
                Button("Stop", variant="error"),
                Button("Retry", variant="warning"),
                Button("Plain"),
                id="row",
            ),
            Horizontal(
                Input(value="Typed text", id="typed"),
                Input(placeholder="Placeholder", id="empty"),
                id="inputs",
            ),
            Horizontal(
                Label("⚠ warning", id="warning", classes="status"),
                Label("✖ error", id="error", classes="status"),
                Label("✔ success", id="success", classes="status"),
                id="panel",
            ),
        ])
        self.query_one("#send", Button).focus()


@pytest.mark.parametrize("theme", ["grok-dark", "grok-light"])
def test_theme_snapshot(snap_compare, theme: str) -> None:
    assert snap_compare(ThemeDemo(theme), terminal_size=(80, 30))
