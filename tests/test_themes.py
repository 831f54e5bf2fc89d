"""Theme files: loading from folders, one warning per broken file, registration into a real Textual app."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from textual.app import App
from textual.color import Color

from grokterm import paths
from grokterm.ui import themes
from grokterm.ui.themes import (
    DARK_CODE_THEME,
    LIGHT_CODE_THEME,
    ThemeSpec,
    code_theme_for,
    install_themes,
    load_theme_file,
    load_theme_files,
    register_themes,
)

BUNDLED = ["grok-dark", "grok-light", "high-contrast", "solarized-dusk"]


def theme_file(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def fresh_code_theme_registry(monkeypatch):
    monkeypatch.setattr(themes, "_code_themes", {})


def test_bundled_themes_all_load_cleanly() -> None:
    specs, warnings = load_theme_files([paths.bundled_themes_dir()])
    assert warnings == []
    assert sorted(spec.name for spec in specs) == BUNDLED
    for spec in specs:
        assert spec.source is not None and spec.source.stem == spec.name
        assert spec.background and spec.foreground and spec.code_theme
        assert spec.source.read_text().startswith("# grokterm theme file — format")


def contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        c = Color.parse(colour)

        def channel(v: int) -> float:
            v = v / 255
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)

    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_bundled_themes_have_readable_text_and_high_contrast_is_strong() -> None:
    specs = {spec.name: spec for spec in load_theme_files([paths.bundled_themes_dir()])[0]}
    for spec in specs.values():
        assert contrast(spec.foreground, spec.background) >= 7, spec.name
        assert contrast(spec.foreground, spec.panel) >= 7, spec.name
    hc = specs["high-contrast"]
    for colour in ("foreground", "primary", "secondary", "accent", "warning", "error", "success"):
        assert contrast(getattr(hc, colour), hc.background) >= 7, colour
    assert specs["grok-light"].dark is False and specs["grok-dark"].dark is True


def test_a_broken_file_costs_one_warning_and_the_others_load(tmp_path: Path) -> None:
    folder = tmp_path / "themes"
    theme_file(folder, "good", """
        name = "good"
        primary = "#336699"
        background = "rgb(10, 10, 10)"
        code_theme = "dracula"
    """)
    broken = theme_file(folder, "broken", 'name = "broken"\nprimary = \n')
    bad_colour = theme_file(folder, "bad-colour", 'name = "bad-colour"\nprimary = "#33669"\n')
    typo = theme_file(folder, "typo", 'name = "typo"\nprimary = "#336699"\nforegound = "#ffffff"\n')
    no_primary = theme_file(folder, "no-primary", 'name = "no-primary"\n')
    bad_code = theme_file(folder, "bad-code", 'name = "bad-code"\nprimary = "red"\ncode_theme = "nope"\n')
    specs, warnings = load_theme_files([folder, tmp_path / "does-not-exist"])
    assert [spec.name for spec in specs] == ["good"]
    assert specs[0].code_theme == "dracula"
    assert len(warnings) == 5
    joined = "\n".join(warnings)
    for path, reason in [
        (broken, "not valid TOML"),
        (bad_colour, "'#33669' is not a colour"),
        (typo, "foregound: unknown key"),
        (no_primary, "primary: Field required"),
        (bad_code, "unknown Pygments style 'nope'"),
    ]:
        line = next(w for w in warnings if str(path) in w)
        assert reason in line and line.endswith("skipped."), line
    assert joined.count("\n") == 4  # one line each


def test_wrong_types_and_ranges_are_reported_by_key(tmp_path: Path) -> None:
    path = theme_file(tmp_path, "odd", """
        name = "odd one"
        primary = "#336699"
        dark = "yes"
        text_alpha = 2
        luminosity_spread = 0.5
        accent = 12
        [variables]
        "block-cursor-background" = 3
    """)
    with pytest.raises(ValueError) as caught:
        load_theme_file(path)
    reasons = str(caught.value).split("; ")
    assert [reason.split(":")[0] for reason in reasons] == ["name", "accent", "dark", "text_alpha", "variables"]
    fine = theme_file(tmp_path, "fine", 'name = "fine"\nprimary = "red"\nluminosity_spread = 1\n')
    spec = load_theme_file(fine)
    assert spec.luminosity_spread == 1.0 and isinstance(spec.luminosity_spread, float)


def test_later_folders_override_earlier_ones_by_name(tmp_path: Path) -> None:
    theme_file(tmp_path / "user", "mine", """
        name = "grok-dark"
        primary = "#FF0000"
        dark = true
    """)
    specs, warnings = load_theme_files([paths.bundled_themes_dir(), tmp_path / "user"])
    assert warnings == []
    by_name = {spec.name: spec for spec in specs}
    assert len(specs) == len(BUNDLED)
    assert by_name["grok-dark"].primary == "#FF0000"
    assert by_name["grok-dark"].source == tmp_path / "user" / "mine.toml"


def test_spec_converts_to_a_textual_theme_with_variables(tmp_path: Path) -> None:
    spec = load_theme_file(theme_file(tmp_path, "t", """
        name = "t"
        primary = "#112233"
        dark = false
        text_alpha = 1.0
        [variables]
        "block-cursor-background" = "#445566"
    """))
    theme = spec.to_theme()
    assert (theme.name, theme.primary, theme.dark, theme.text_alpha) == ("t", "#112233", False, 1.0)
    assert theme.variables == {"block-cursor-background": "#445566"}
    assert spec.effective_code_theme == LIGHT_CODE_THEME


def same_colour(a: str, b: str) -> bool:
    """Textual round-trips colours through its own maths: allow one step of rounding."""
    ca, cb = Color.parse(a), Color.parse(b)
    return all(abs(x - y) <= 1 for x, y in zip(ca.rgb, cb.rgb, strict=True))


async def test_bundled_themes_register_and_apply_in_a_real_app() -> None:
    app = App()
    async with app.run_test() as pilot:
        warnings = register_themes(app)  # default folders: bundled, then GROKTERM_THEMES_DIR
        assert warnings == []
        for name in BUNDLED:
            assert name in app.available_themes
            app.theme = name
            await pilot.pause()
            assert app.current_theme.name == name
            css = app.get_css_variables()
            spec = next(s for s in load_theme_files([paths.bundled_themes_dir()])[0] if s.name == name)
            for variable in ("primary", "background", "foreground"):
                assert same_colour(css[variable], getattr(spec, variable)), (name, variable)
        assert code_theme_for("grok-light") == "friendly"
        assert code_theme_for("solarized-dusk") == "solarized-dark"


async def test_user_themes_folder_from_env_is_loaded(isolated_user_files: Path) -> None:
    theme_file(paths.user_themes_dir(), "custom", 'name = "custom"\nprimary = "#AA5500"\ncode_theme = "zenburn"\n')
    theme_file(paths.user_themes_dir(), "junk", "this is not toml")
    app = App()
    async with app.run_test():
        warnings = register_themes(app)
        assert len(warnings) == 1 and "junk.toml" in warnings[0]
        assert "custom" in app.available_themes and "grok-dark" in app.available_themes
        assert code_theme_for("custom") == "zenburn"


def test_code_theme_for_falls_back_by_darkness_and_honours_an_override() -> None:
    assert code_theme_for("textual-dark", dark=True) == DARK_CODE_THEME
    assert code_theme_for("textual-light", dark=False) == LIGHT_CODE_THEME
    assert code_theme_for("anything", dark=False, override="vim") == "vim"


class CodeThemeApp(App):
    """Stands in for GrokApp: has a `code_theme` attribute the widgets read."""

    code_theme = "unset"

    def __init__(self, theme: str | None, code_theme: str | None = None) -> None:
        super().__init__()
        self.wanted = (theme, code_theme)
        self.warnings: list[str] = []

    def on_mount(self) -> None:
        self.warnings = install_themes(self, *self.wanted)


async def test_install_themes_applies_the_theme_and_keeps_code_theme_in_step() -> None:
    app = CodeThemeApp("grok-dark")
    async with app.run_test() as pilot:
        assert app.warnings == []
        assert (app.theme, app.code_theme) == ("grok-dark", "github-dark")
        app.theme = "grok-light"
        await pilot.pause()
        assert app.code_theme == "friendly"
        app.theme = "textual-light"
        await pilot.pause()
        assert app.code_theme == LIGHT_CODE_THEME


async def test_install_themes_with_unknown_name_or_pinned_code_theme() -> None:
    app = CodeThemeApp("no-such-theme", code_theme="vim")
    async with app.run_test() as pilot:
        assert len(app.warnings) == 1 and "'no-such-theme' is not available" in app.warnings[0]
        assert app.theme == "textual-dark"  # unchanged
        assert app.code_theme == "vim"
        app.theme = "grok-light"
        await pilot.pause()
        assert app.code_theme == "vim"


def test_theme_spec_is_plain_data() -> None:
    spec = ThemeSpec(name="x", primary="#000000")
    assert spec.effective_code_theme == DARK_CODE_THEME
    with pytest.raises(AttributeError):
        spec.name = "y"  # frozen: shared safely between apps
