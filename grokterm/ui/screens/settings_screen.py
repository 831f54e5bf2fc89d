"""Modal editor for the everyday options in config.toml (the rest stays a text-editor job).

A theme picked here is applied at once so people can see it; Esc puts the old one back
and writes nothing. Save validates first, writes atomically (keeping the file's comments)
and dismisses with the new `Settings` so the app can apply them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from grokterm import defaults
from grokterm.config.settings import Settings, load_settings, save_settings
from grokterm.ui.safe import literal, tell

API_STYLES = [
    ("auto (Responses API, else Chat)", "auto"),
    ("responses (/v1/responses)", "responses"),
    ("chat (/v1/chat/completions)", "chat"),
]


class SettingsScreen(ModalScreen[Settings | None]):
    """Returns the saved Settings, or None when cancelled."""

    CSS_PATH = Path(__file__).parent.parent / "styles" / "settings.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="settings.cancel"),
        Binding("ctrl+s", "save", "Save", id="settings.save"),
    ]

    def __init__(self, settings: Settings | None = None, path: Path | None = None) -> None:
        super().__init__()
        self.path = path
        self.settings = settings if settings is not None else load_settings(path)[0]
        self._custom_prompt = self.settings.system_prompt
        self._original_theme: str | None = None

    # -- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        s = self.settings
        with Vertical(id="settings-box"):
            yield Static("Settings", id="settings-title")
            with VerticalScroll(id="settings-form"):
                yield from _row("Default model", Input(s.default_model, id="settings-model",
                                                       placeholder=defaults.MODEL))
                yield from _row("API style", Select(API_STYLES, value=s.api_style, allow_blank=False,
                                                    id="settings-api-style"))
                yield from _row("Theme", Select(self._theme_options(), value=self._current_theme(),
                                                allow_blank=False, id="settings-theme"))
                yield from _row("System prompt preset", Select(
                    [(literal(name), name) for name in sorted(s.presets)], value=self._preset_value(),
                    prompt="(none: the prompt below)", id="settings-preset"))
                yield from _row("Default system prompt", TextArea(
                    s.effective_system_prompt, id="settings-prompt", soft_wrap=True,
                    read_only=s.default_preset in s.presets), tall=True)
                yield from _row("Screenshot folder", Input(str(s.screenshot_folder or ""),
                                                           id="settings-screenshots",
                                                           placeholder="(none) e.g. ~/Pictures/Screenshots"))
                yield from _row("Render interval (ms)", Input(str(s.render_interval_ms), type="integer",
                                                              id="settings-render-interval",
                                                              placeholder="10-1000"))
                yield from _row("Max image side (px)", Input(str(s.images.max_long_side), type="integer",
                                                             id="settings-max-long-side",
                                                             placeholder="64-8192"))
            yield Static("", id="settings-error")
            with Horizontal(id="settings-buttons"):
                yield Button("Save", variant="primary", id="settings-save")
                yield Button("Cancel", id="settings-cancel")
                yield Static("ctrl+s save · esc cancel", id="settings-help")

    def on_mount(self) -> None:
        self._original_theme = self.app.theme
        self.query_one("#settings-model", Input).focus()

    def _theme_options(self) -> list[tuple[Text, str]]:
        """Theme names (a user's themes folder decides some) shown literally."""
        names = set(self.app.available_themes) | {self._current_theme()}
        return [(literal(name), name) for name in sorted(names)]

    def _current_theme(self) -> str:
        return self.app.theme

    def _preset_value(self) -> Any:
        preset = self.settings.default_preset
        return preset if preset in self.settings.presets else Select.NULL

    # -- reactions ----------------------------------------------------------------------
    @on(Select.Changed, "#settings-theme")
    def _preview_theme(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.app.theme:
            self.app.theme = event.value

    @on(Select.Changed, "#settings-preset")
    def _show_preset(self, event: Select.Changed) -> None:
        prompt = self.query_one("#settings-prompt", TextArea)
        if isinstance(event.value, str):
            if not prompt.read_only:
                self._custom_prompt = prompt.text
            prompt.text = self.settings.presets[event.value]
            prompt.read_only = True
        else:
            prompt.text = self._custom_prompt
            prompt.read_only = False

    @on(Button.Pressed, "#settings-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#settings-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    # -- actions ------------------------------------------------------------------------
    def collect_changes(self) -> dict[str, Any]:
        """The form's values as (nested) settings changes."""
        prompt = self.query_one("#settings-prompt", TextArea)
        preset = self.query_one("#settings-preset", Select).value
        theme = self.query_one("#settings-theme", Select).value
        folder = self.query_one("#settings-screenshots", Input).value.strip()
        return {
            "default_model": self.query_one("#settings-model", Input).value.strip(),
            "api_style": self.query_one("#settings-api-style", Select).value,
            "theme": theme if isinstance(theme, str) else self.settings.theme,
            "default_preset": preset if isinstance(preset, str) else None,
            "system_prompt": self._custom_prompt if prompt.read_only else prompt.text,
            "screenshot_folder": folder or None,
            "render_interval_ms": _int_or_text(self.query_one("#settings-render-interval", Input).value),
            "images": {"max_long_side": _int_or_text(self.query_one("#settings-max-long-side", Input).value)},
        }

    def action_save(self) -> None:
        error = self.query_one("#settings-error", Static)
        try:
            new = self.settings.with_changes(self.collect_changes())
        except ValidationError as exc:
            error.update(literal("\n".join(_error_line(err) for err in exc.errors())))
            error.add_class("-shown")
            return
        try:
            saved = save_settings(new, self.path)
        except OSError as exc:
            error.update(literal(f"Could not write the settings file: {exc}"))
            error.add_class("-shown")
            return
        for note in saved.warnings:
            tell(self.app, note, severity="warning", timeout=10)
        self._original_theme = None
        self.dismiss(saved)

    def action_cancel(self) -> None:
        if self._original_theme is not None and self.app.theme != self._original_theme:
            self.app.theme = self._original_theme
        self.dismiss(None)


def _row(label: str, widget, tall: bool = False) -> ComposeResult:
    """A label on the left, the field on the right."""
    with Horizontal(classes="settings-row -tall" if tall else "settings-row"):
        yield Label(literal(label), classes="settings-label")
        yield widget


def _int_or_text(value: str) -> int | str:
    """Integers pass through; anything else is left for validation to report."""
    try:
        return int(value.strip())
    except ValueError:
        return value


_FIELD_LABELS = {
    "default_model": "Default model",
    "api_style": "API style",
    "theme": "Theme",
    "system_prompt": "System prompt",
    "screenshot_folder": "Screenshot folder",
    "render_interval_ms": "Render interval",
    "images.max_long_side": "Max image long side",
}


def _error_line(error: Mapping[str, Any]) -> str:
    key = ".".join(str(part) for part in error["loc"])
    return f"{_FIELD_LABELS.get(key, key)}: {error['msg']}"
