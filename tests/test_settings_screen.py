"""The settings modal, driven with Pilot in a tiny host app: live theme preview, save, cancel, validation."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Input, Select, Static, TextArea

from grokterm import paths
from grokterm.config.settings import BUILTIN_PRESETS, Settings, load_settings
from grokterm.ui.screens.settings_screen import SettingsScreen
from grokterm.ui.themes import install_themes

MISSING = object()


class Host(App):
    """Minimal stand-in for GrokApp: themes installed, settings screen pushed on demand."""

    code_theme = "unset"

    def __init__(self) -> None:
        super().__init__()
        self.result: object = MISSING

    def on_mount(self) -> None:
        install_themes(self, "grok-dark")

    def open_settings(self) -> None:
        def done(result: Settings | None) -> None:
            self.result = result

        self.push_screen(SettingsScreen(), done)


@pytest.fixture
def config_path() -> Path:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent("""
        # my settings
        default_model = "grok-3"  # cheap and fast
        render_interval_ms = 80
    """).lstrip(), encoding="utf-8")
    return path


async def choose(pilot, select_id: str, label: str) -> None:
    """Pick an option the way a person does: open the list, type to search, enter."""
    await pilot.click(select_id)
    await pilot.press(*label)
    await pilot.press("enter")
    await pilot.pause()


async def test_opens_with_the_current_values(config_path: Path) -> None:
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        app.open_settings()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        assert screen.query_one("#settings-model", Input).value == "grok-3"
        assert screen.query_one("#settings-render-interval", Input).value == "80"
        assert screen.query_one("#settings-theme", Select).value == "grok-dark"
        assert screen.query_one("#settings-api-style", Select).value == "auto"
        assert screen.query_one("#settings-preset", Select).value is Select.NULL
        assert "grok-light" in [label.plain for label, _ in screen._theme_options()]


async def test_theme_change_applies_at_once_and_save_writes_the_file(config_path: Path) -> None:
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        app.open_settings()
        await pilot.pause()
        await choose(pilot, "#settings-theme", "grok-l")
        assert app.theme == "grok-light"  # before saving
        assert app.code_theme == "friendly"
        model = app.screen.query_one("#settings-model", Input)
        model.value = "grok-4-fast-reasonin"
        await pilot.click("#settings-model")
        await pilot.press("end", "g")
        await pilot.click("#settings-save")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        assert isinstance(app.result, Settings)
        assert app.result.theme == "grok-light" and app.result.default_model == "grok-4-fast-reasoning"
        assert app.theme == "grok-light"
    text = config_path.read_text()
    assert 'default_model = "grok-4-fast-reasoning"  # cheap and fast' in text
    assert 'theme = "grok-light"' in text
    assert text.startswith("# my settings\n")
    settings, warnings = load_settings()
    assert warnings == [] and settings == app.result


async def test_escape_cancels_writes_nothing_and_restores_the_theme(config_path: Path) -> None:
    before = config_path.read_bytes()
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        app.open_settings()
        await pilot.pause()
        await choose(pilot, "#settings-theme", "hi")
        assert app.theme == "high-contrast"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        assert app.result is None
        assert app.theme == "grok-dark"
    assert config_path.read_bytes() == before
    assert sorted(p.name for p in config_path.parent.iterdir()) == ["config.toml"]


async def test_invalid_values_are_shown_and_nothing_is_written(config_path: Path) -> None:
    before = config_path.read_bytes()
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        app.open_settings()
        await pilot.pause()
        interval = app.screen.query_one("#settings-render-interval", Input)
        interval.value = "5"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)  # still open
        error = str(app.screen.query_one("#settings-error", Static).render())
        assert "Render interval" in error and "greater than or equal to 10" in error
        assert app.result is MISSING
    assert config_path.read_bytes() == before


async def test_preset_shows_its_text_read_only_and_saves_as_default_preset(config_path: Path) -> None:
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        app.open_settings()
        await pilot.pause()
        prompt = app.screen.query_one("#settings-prompt", TextArea)
        own_prompt = prompt.text
        await choose(pilot, "#settings-preset", "cod")
        assert prompt.read_only and prompt.text == BUILTIN_PRESETS["coder"]
        await pilot.click("#settings-save")
        await pilot.pause()
        assert app.result.default_preset == "coder"
        assert app.result.system_prompt == own_prompt  # the free-text prompt is kept, not overwritten
        assert app.result.effective_system_prompt == BUILTIN_PRESETS["coder"]
    assert 'default_preset = "coder"' in config_path.read_text()
    assert "system_prompt" not in config_path.read_text()


async def test_screenshot_folder_and_image_side_are_saved(config_path: Path, tmp_path: Path) -> None:
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        app.open_settings()
        await pilot.pause()
        app.screen.query_one("#settings-screenshots", Input).value = str(tmp_path / "shots")
        app.screen.query_one("#settings-max-long-side", Input).value = "1024"
        app.screen.query_one("#settings-prompt", TextArea).text = "Be terse.\nNo emojis."
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.result, Settings)
    settings, warnings = load_settings()
    assert warnings == []
    assert settings.screenshot_folder == tmp_path / "shots"
    assert settings.images.max_long_side == 1024
    assert settings.system_prompt == "Be terse.\nNo emojis."


async def test_buttons_stay_visible_on_a_small_terminal(config_path: Path) -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_settings()
        await pilot.pause()
        screen_region = app.screen.region
        for button in ("#settings-save", "#settings-cancel"):
            region = app.screen.query_one(button).region
            assert region.height > 0 and screen_region.contains_region(region), button
        assert app.screen.query_one("#settings-form").max_scroll_y > 0  # the form scrolls instead
