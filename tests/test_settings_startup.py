"""config.toml at start: validated by pydantic once per version of the file, then read from a small cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grokterm.config import startup
from grokterm.config.settings import load_settings
from grokterm.config.startup import StartupSettings, cache_file, load_startup_settings
from grokterm.ui.context import AppContext

CONFIG = """\
theme = "grok-light"
lazy_window = 40
render_interval_ms = 80
screenshot_folder = "~/shots"
active_profile = "local"
default_preset = "coder"
unknown_key = 1

[images]
max_long_side = 512

[profiles.local]
base_url = "http://127.0.0.1:8080/"
api_style = "chat"
default_model = "grok-3"

[keymap]
"app.new" = "ctrl+t"
"""


@pytest.fixture
def config_path(isolated_user_files: Path) -> Path:
    path = isolated_user_files / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CONFIG, encoding="utf-8")
    return path


def no_validation(monkeypatch) -> None:
    def refuse(path):
        raise AssertionError("validated again although the file did not change")

    monkeypatch.setattr(startup, "_validated", refuse)


def test_the_second_start_reads_the_cache_and_gets_the_same_values_and_warnings(config_path, monkeypatch):
    first = load_startup_settings()
    settings, warnings = load_settings(config_path)
    assert first == StartupSettings.from_settings(settings)
    assert first.warnings == warnings and any("unknown_key" in w for w in warnings)
    assert first.base_url == "http://127.0.0.1:8080/v1" and first.api_style == "chat"
    assert first.screenshot_folder == Path("~/shots").expanduser() and first.image_limits.max_long_side == 512
    assert oct(cache_file().stat().st_mode & 0o777) == "0o600"
    no_validation(monkeypatch)
    second = load_startup_settings()
    assert second == first
    context = AppContext(api_key=None).apply_settings(second)
    assert (context.theme, context.lazy_window, context.render_interval) == ("grok-light", 40, 0.08)
    assert context.keymap == {"app.new": "ctrl+t"} and context.default_model == "grok-3"


def test_an_edited_file_is_validated_again(config_path):
    load_startup_settings()
    config_path.write_text('theme = "high-contrast"\nlazy_window = 5\n', encoding="utf-8")
    again = load_startup_settings()
    assert again.theme == "high-contrast" and again.lazy_window == 60  # 5 is below the minimum
    assert any("lazy_window" in w for w in again.warnings)


def test_no_file_is_cached_too_and_creating_one_counts_as_a_change(isolated_user_files, monkeypatch):
    absent = load_startup_settings()
    assert absent.warnings == [] and absent.theme == "grok-dark"
    assert load_startup_settings() == absent
    path = isolated_user_files / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('theme = "grok-light"\n', encoding="utf-8")
    assert load_startup_settings().theme == "grok-light"


@pytest.mark.parametrize("damage", ["not json", json.dumps({"key": "x", "values": {}}), json.dumps([1, 2])])
def test_a_damaged_or_foreign_cache_is_ignored(config_path, damage):
    expected = load_startup_settings()
    cache_file().write_text(damage, encoding="utf-8")
    assert load_startup_settings() == expected


def test_a_cache_with_the_right_key_but_broken_values_is_ignored(config_path):
    expected = load_startup_settings()
    stored = json.loads(cache_file().read_text(encoding="utf-8"))
    stored["values"]["image_limits"] = {"no_such_field": 1}
    cache_file().write_text(json.dumps(stored), encoding="utf-8")
    assert load_startup_settings() == expected


def test_a_data_folder_it_cannot_write_only_costs_the_validation(config_path, isolated_user_files, monkeypatch):
    blocker = isolated_user_files / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("GROKTERM_DATA_DIR", str(blocker / "data"))  # below a file: nothing can be written
    assert load_startup_settings().theme == "grok-light"
    assert load_startup_settings().theme == "grok-light"
    assert not cache_file().exists()
