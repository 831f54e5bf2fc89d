"""Choose this conversation's system prompt: a preset from config.toml, none, or your own text."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from grokterm.ui.render import plain

NONE = "__none__"
CUSTOM = "__custom__"


def preset_label(name: str, text: str, current: str) -> Text:
    label = Text()
    label.append("● " if text == current else "  ", style="green")
    label.append_text(plain(name, "bold"))
    label.append("\n    ")
    label.append_text(plain(text.replace("\n", " ")[:100], "dim"))
    return label


class SystemPromptPicker(ModalScreen[str | None]):
    """Dismisses with the chosen prompt text ('' for none), CUSTOM, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="system_prompt.cancel")]

    def __init__(self, presets: dict[str, str], current: str) -> None:
        super().__init__()
        self.presets = presets
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Static("System prompt for this conversation", classes="picker-title")
            options = [Option(preset_label(name, text, self.current), id=name) for name, text in self.presets.items()]
            options.append(Option(Text("  no system prompt", style="italic"), id=NONE))
            options.append(Option(Text("  write my own…", style="italic"), id=CUSTOM))
            yield OptionList(*options, id="system-prompt-list")
            yield Static("enter choose · esc cancel · presets live in config.toml [presets]", classes="picker-help")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        choice = event.option.id
        if choice == NONE:
            self.dismiss("")
        elif choice == CUSTOM:
            self.dismiss(CUSTOM)
        else:
            self.dismiss(self.presets[str(choice)])

    def action_cancel(self) -> None:
        self.dismiss(None)
