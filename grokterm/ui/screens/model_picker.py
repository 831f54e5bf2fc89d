"""Modal model picker fed by /v1/language-models: type to filter, enter to choose."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from grokterm.ui import format as fmt
from grokterm.ui.render import plain


def model_matches(model, query: str) -> bool:
    query = query.lower().strip()
    if not query:
        return True
    names = [model.id, *(getattr(model, "aliases", None) or [])]
    mods = [*(getattr(model, "input_modalities", None) or [])]
    return any(query in n.lower() for n in names) or (query == "vision" and "image" in mods)


def model_label(model, current: str | None) -> Text:
    inputs = getattr(model, "input_modalities", None) or ["text"]
    outputs = getattr(model, "output_modalities", None) or ["text"]
    text = Text()
    text.append("● " if model.id == current else "  ", style="green")
    text.append_text(plain(model.id, "bold"))
    if "image" in inputs:
        text.append(" [vision]", style="green")
    aliases = getattr(model, "aliases", None) or []
    if aliases:
        text.append(" aka ", style="dim")
        text.append_text(plain(", ".join(aliases), "dim"))
    text.append("\n\u00a0\u00a0\u00a0 in: ", style="dim")
    text.append_text(plain(", ".join(inputs)))
    text.append("  out: ")
    text.append_text(plain(", ".join(outputs)))
    context = getattr(model, "max_prompt_length", None)
    if context:
        text.append(f"  context {context:,}")
    text.append_text(plain("  " + fmt.model_prices(model)))
    return text


class ModelPicker(ModalScreen[str | None]):
    """Returns the chosen model id, or None when dismissed."""

    BINDINGS = [
        Binding("escape", "dismiss_none", "Close", id="picker.close"),
        Binding("ctrl+r", "refresh", "Refresh list", id="picker.refresh"),
    ]

    def __init__(self, models: list, current: str | None, fetched_note: str = "") -> None:
        super().__init__()
        self.models = models
        self.current = current
        self.fetched_note = fetched_note

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Static("Choose a model", classes="picker-title")
            yield Input(placeholder="filter (name, alias, or 'vision')", id="picker-filter")
            yield OptionList(id="picker-list")
            yield Static(plain(self.fetched_note + "  enter choose · esc close · ctrl+r refresh"),
                         classes="picker-help")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, query: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        shown = [m for m in self.models if model_matches(m, query)]
        options.add_options([Option(model_label(m, self.current), id=m.id) for m in shown])
        if shown:
            index = next((i for i, m in enumerate(shown) if m.id == self.current), 0)
            options.highlighted = index

    @on(Input.Changed, "#picker-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#picker-filter")
    def _choose_highlighted(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None and options.option_count:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def on_key(self, event) -> None:
        if event.key in ("down", "up") and self.query_one(Input).has_focus:
            options = self.query_one(OptionList)
            if event.key == "down":
                options.action_cursor_down()
            else:
                options.action_cursor_up()
            event.stop()

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    def action_refresh(self) -> None:
        self.dismiss("__refresh__")
