"""Per-conversation turn options: reasoning effort (only what the model takes), temperature, max tokens.

The effort list comes from grokterm.xai.capabilities, so the dialog never offers
an effort the conversation's model would reject; a model that takes none shows
why instead. Returns the new TurnOptions, or None when cancelled.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static

from grokterm.chat.options import TurnOptions, parse_max_tokens, parse_temperature
from grokterm.ui.render import plain
from grokterm.xai.capabilities import REASONING_GUIDE, ModelRules

STYLES = Path(__file__).resolve().parent.parent / "styles"
DEFAULT = "default"


class TurnOptionsDialog(ModalScreen["TurnOptions | None"]):
    CSS_PATH = STYLES / "turn_options.tcss"
    AUTO_FOCUS = "#options-temperature"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="options.cancel")]

    def __init__(self, model: str, rules: ModelRules, options: TurnOptions) -> None:
        super().__init__()
        self.model = model
        self.rules = rules
        self.options = options

    def compose(self) -> ComposeResult:
        efforts = self.rules.reasoning_efforts
        current = self.options.reasoning_effort if self.options.reasoning_effort in efforts else DEFAULT
        with Vertical(id="options-box"):
            yield Static(plain(f"Turn options for this conversation ({self.model})", "bold"), id="options-title")
            yield Static("Reasoning effort", classes="options-label")
            choices = [("model default", DEFAULT), *((e, e) for e in efforts)]
            # display-safe: effort names come from grokterm.xai.capabilities' own table
            yield Select(choices, value=current, allow_blank=False, disabled=not efforts, id="options-effort")
            if not efforts:
                yield Static(plain(f"{self.model} takes no reasoning effort ({REASONING_GUIDE})", "dim"),
                             id="options-effort-note")
            yield Static("Temperature (0–2, empty = model default)", classes="options-label")
            yield Input("" if self.options.temperature is None else f"{self.options.temperature:g}",
                        placeholder="default", id="options-temperature")
            yield Static("Max output tokens (empty = no limit)", classes="options-label")
            yield Input("" if self.options.max_output_tokens is None else str(self.options.max_output_tokens),
                        placeholder="no limit", id="options-max-tokens")
            yield Static("", id="options-error")
            with Horizontal(id="options-buttons"):
                yield Button("Save", variant="primary", id="options-save")
                yield Button("Cancel (esc)", id="options-cancel")

    def chosen(self) -> TurnOptions:
        """The options as entered; raises ValueError with a message for people."""
        effort = self.query_one("#options-effort", Select).value
        return TurnOptions(
            reasoning_effort=effort if isinstance(effort, str) and effort != DEFAULT else None,
            temperature=parse_temperature(self.query_one("#options-temperature", Input).value),
            max_output_tokens=parse_max_tokens(self.query_one("#options-max-tokens", Input).value),
        )

    @on(Input.Submitted)
    @on(Button.Pressed, "#options-save")
    def _save(self) -> None:
        try:
            options = self.chosen()
        except ValueError as error:
            self.query_one("#options-error", Static).update(plain(str(error)))
            return
        self.dismiss(options)

    @on(Button.Pressed, "#options-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
