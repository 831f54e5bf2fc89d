"""Colour themes from TOML files: the bundled `grokterm/themes/` folder, then the user's own folder.

Why files rather than code: people can add or tweak a theme without touching Python,
and a broken file costs one warning, never a crash. Each file maps onto
`textual.theme.Theme` plus a `code_theme` (a Pygments style for code blocks);
the format is documented in themes/README.md and in each bundled file's header.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

from grokterm import paths

DARK_CODE_THEME = "monokai"
LIGHT_CODE_THEME = "friendly"
_COLOUR_FIELDS = (
    "primary", "secondary", "accent", "foreground", "background", "surface", "panel", "boost",
    "warning", "error", "success",
)

# Pygments style per registered theme name, filled by register_themes().
_code_themes: dict[str, str] = {}


@dataclass(frozen=True)
class ThemeSpec:
    """A validated theme file: what Textual needs plus the code-block style."""

    name: str
    primary: str
    dark: bool = True
    code_theme: str | None = None
    secondary: str | None = None
    accent: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    boost: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None
    luminosity_spread: float | None = None
    text_alpha: float | None = None
    variables: dict[str, str] = field(default_factory=dict)
    source: Path | None = None

    def to_theme(self) -> Theme:
        colours = {name: getattr(self, name) for name in _COLOUR_FIELDS if getattr(self, name) is not None}
        extras: dict[str, Any] = {}
        if self.luminosity_spread is not None:
            extras["luminosity_spread"] = self.luminosity_spread
        if self.text_alpha is not None:
            extras["text_alpha"] = self.text_alpha
        return Theme(name=self.name, dark=self.dark, variables=dict(self.variables), **colours, **extras)

    @property
    def effective_code_theme(self) -> str:
        return self.code_theme or (DARK_CODE_THEME if self.dark else LIGHT_CODE_THEME)


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_OPTIONAL_TEXT = ("code_theme", *_COLOUR_FIELDS[1:])
_FRACTIONS = ("luminosity_spread", "text_alpha")
_KNOWN_KEYS = {"name", "primary", "dark", "variables", *_OPTIONAL_TEXT, *_FRACTIONS}


def _theme_problems(data: dict[str, Any]) -> list[str]:
    """What is wrong with one theme file's table, one "key: reason" each (empty when it is fine).

    Checked by hand rather than with pydantic: themes load before the first frame, and the
    validation library costs more to import than the whole first screen costs to draw.
    Unknown keys are errors so typos are reported, not ignored.
    """
    problems = [f"{key}: unknown key" for key in data if key not in _KNOWN_KEYS]
    for key in ("name", "primary"):
        if key not in data:
            problems.append(f"{key}: Field required")
    name = data.get("name")
    if "name" in data and not (isinstance(name, str) and _NAME.match(name)):
        problems.append(f"name: must be letters, digits, '_', '.' or '-' (got {name!r})")
    for key in ("primary", *_OPTIONAL_TEXT):
        value = data.get(key)
        if value is None and key != "primary":
            continue
        if key in data and not isinstance(value, str):
            problems.append(f"{key}: Input should be a valid string")
        elif key in data and key in _COLOUR_FIELDS:
            try:
                Color.parse(value)
            except ColorParseError:
                problems.append(f"{key}: {value!r} is not a colour (use #RRGGBB, rgb(...), or a colour name)")
        elif key == "code_theme":
            from pygments.styles import get_style_by_name
            from pygments.util import ClassNotFound

            try:
                get_style_by_name(value)
            except ClassNotFound:
                problems.append(f"code_theme: unknown Pygments style {value!r}")
    if "dark" in data and not isinstance(data["dark"], bool):
        problems.append("dark: Input should be true or false")
    for key in _FRACTIONS:
        value = data.get(key)
        if key in data and (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1):
            problems.append(f"{key}: Input should be a number from 0 to 1 (got {value!r})")
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        problems.append("variables: Input should be a table of strings")
    return problems


def default_theme_folders() -> list[Path]:
    """Bundled themes first, so the user's files override them by name."""
    return [paths.bundled_themes_dir(), paths.user_themes_dir()]


def load_theme_file(path: Path) -> ThemeSpec:
    """One file; raises ValueError with a one-line reason."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read: {exc}") from None
    problems = _theme_problems(data)
    if problems:
        raise ValueError("; ".join(problems))
    fractions = {key: float(data[key]) for key in _FRACTIONS if key in data}
    return ThemeSpec(**{**data, **fractions, "variables": dict(data.get("variables", {}))}, source=path)


def load_theme_files(folders: list[Path]) -> tuple[list[ThemeSpec], list[str]]:
    """Every `*.toml` in the folders (missing folders are fine); later folders win by name."""
    by_name: dict[str, ThemeSpec] = {}
    warnings: list[str] = []
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                spec = load_theme_file(path)
            except ValueError as exc:
                warnings.append(f"Theme {path}: {exc}; skipped.")
                continue
            by_name[spec.name] = spec
    return list(by_name.values()), warnings


def register_themes(app, folders: list[Path] | None = None) -> list[str]:
    """Register every theme file with the app; returns one warning per skipped file."""
    specs, warnings = load_theme_files(default_theme_folders() if folders is None else folders)
    for spec in specs:
        app.register_theme(spec.to_theme())
        _code_themes[spec.name] = spec.effective_code_theme
    return warnings


def code_theme_for(app_theme_name: str, dark: bool = True, override: str | None = None) -> str:
    """The Pygments style for code blocks under an app theme.

    `override` (settings.code_theme) wins; then the theme file's `code_theme`; then a
    dark or light default for themes that did not come from a file (Textual's own).
    """
    if override:
        return override
    return _code_themes.get(app_theme_name) or (DARK_CODE_THEME if dark else LIGHT_CODE_THEME)


def apply_theme(app, name: str | None) -> list[str]:
    """Switch the app to a theme by name; an unknown name leaves the theme as is, with a warning."""
    if not name or name == app.theme:
        return []
    if name not in app.available_themes:
        known = ", ".join(sorted(app.available_themes))
        return [f"Theme {name!r} is not available (known: {known}); keeping {app.theme!r}."]
    app.theme = name
    return []


def install_themes(app, theme: str | None, code_theme: str | None = None,
                   folders: list[Path] | None = None) -> list[str]:
    """One call at start-up: register theme files, switch to `theme`, keep `app.code_theme` in step.

    `app.code_theme` is set now and again whenever the app's theme changes
    (settings screen, command palette), unless `code_theme` pins one style.
    """
    warnings = register_themes(app, folders)
    warnings += apply_theme(app, theme)

    def follow(new_theme: Theme) -> None:
        app.code_theme = code_theme_for(new_theme.name, new_theme.dark, code_theme)

    follow(app.current_theme)
    app.theme_changed_signal.subscribe(app, follow)
    return warnings
