"""config.toml: forgiving loading (warnings, not crashes), validation messages, atomic comment-keeping saves."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from grokterm import defaults, paths
from grokterm.config.settings import (
    BUILTIN_PRESETS,
    DEFAULT_SYSTEM_PROMPT,
    Settings,
    load_settings,
    load_settings_quietly,
    save_settings,
)
from grokterm.ui.context import AppContext


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def config_path() -> Path:
    return paths.config_file()


# -- loading -------------------------------------------------------------------------------
def test_missing_file_gives_defaults_without_warnings(config_path: Path) -> None:
    settings, warnings = load_settings()
    assert not config_path.exists()
    assert warnings == []
    assert settings == Settings()
    assert settings.default_model == "grok-4-0709"
    assert settings.base_url == defaults.BASE_URL
    assert settings.render_interval_ms == 50


def test_valid_file_is_read_and_applied_to_an_app_context(config_path: Path) -> None:
    write(config_path, """
        default_model = "grok-3"
        api_style = "responses"
        active_profile = "local"
        theme = "grok-light"
        render_interval_ms = 120
        read_timeout_s = 30
        max_retries = 5
        lazy_window = 40
        default_preset = "coder"

        [profiles.local]
        base_url = "http://127.0.0.1:8080/"
        api_style = "chat"

        [keymap]
        "app.new" = "ctrl+t"
    """)
    settings, warnings = load_settings()
    assert warnings == []
    context = AppContext(api_key=None).apply_settings(settings)
    assert context.base_url == "http://127.0.0.1:8080/v1"  # normalised like --base-url
    assert context.api_style == "chat"  # the profile's style wins over the top-level one
    assert context.default_model == "grok-3"
    assert context.system_prompt == BUILTIN_PRESETS["coder"]
    assert context.render_interval == pytest.approx(0.12)
    assert (context.read_timeout, context.max_retries, context.lazy_window) == (30, 5, 40)
    assert context.theme == "grok-light"
    assert context.keymap == {"app.new": "ctrl+t"}
    assert context.api_key is None  # never touched: keys do not live in config.toml


def test_bad_toml_names_the_line_and_falls_back_to_defaults(config_path: Path) -> None:
    write(config_path, """
        theme = "grok-light"
        default_model = "grok-3"
        render_interval_ms = = 40
    """)
    settings, warnings = load_settings()
    assert len(warnings) == 1
    assert "line 3" in warnings[0] and "column" in warnings[0] and "not valid TOML" in warnings[0]
    assert settings == Settings()  # even the valid keys above the error are not used


def test_bad_types_are_reported_per_key_with_line_and_the_rest_is_kept(config_path: Path) -> None:
    write(config_path, """
        theme = "solarized-dusk"
        render_interval_ms = 5
        max_retries = "lots"
        api_style = "grpc"

        [images]
        max_long_side = 1024
        jpeg_quality = "high"
    """)
    settings, warnings = load_settings()
    assert len(warnings) == 4, warnings
    by_key = {w.split(": ")[1]: w for w in warnings}
    assert by_key["render_interval_ms"].endswith("(got 5); using the default")
    assert f"{config_path}:2:" in by_key["render_interval_ms"]
    assert f"{config_path}:3:" in by_key["max_retries"]
    assert f"{config_path}:4:" in by_key["api_style"]
    assert f"{config_path}:8:" in by_key["images.jpeg_quality"]
    assert settings.theme == "solarized-dusk"
    assert settings.images.max_long_side == 1024
    assert (settings.render_interval_ms, settings.max_retries, settings.api_style) == (50, 2, "auto")
    assert settings.images.jpeg_quality == 85


def test_unknown_keys_are_reported_with_their_line(config_path: Path) -> None:
    write(config_path, """
        theme = "grok-light"
        colour_theme = "oops"

        [profiles.local]
        base_url = "http://127.0.0.1:9000/v1"
        api_key = "xai-should-not-be-here"

        [keymap]
        "app.new" = "ctrl+t"
    """)
    settings, warnings = load_settings()
    assert len(warnings) == 2, warnings
    assert warnings[0] == f"{config_path}:2: colour_theme: unknown key (ignored)"
    assert warnings[1].startswith(f"{config_path}:6: profiles.local.api_key: unknown key")
    assert "xai-should-not-be-here" not in "".join(warnings)  # values of unknown keys are not echoed
    assert settings.theme == "grok-light"
    assert settings.profiles["local"].base_url == "http://127.0.0.1:9000/v1"
    assert settings.keymap == {"app.new": "ctrl+t"}


def test_dotted_keymap_ids_are_quoted_in_messages(config_path: Path) -> None:
    write(config_path, """
        [keymap]
        "app.new" = "ctrl+t"
        "app.quit" = 3
    """)
    settings, warnings = load_settings()
    assert warnings == [
        f'{config_path}:3: keymap."app.quit": Input should be a valid string (got 3); using the default']
    assert settings.keymap == {"app.new": "ctrl+t"}


def test_broken_profile_is_dropped_and_a_dangling_active_profile_is_reset(config_path: Path) -> None:
    write(config_path, """
        active_profile = "local"
        default_preset = "poet"

        [profiles.local]
        api_style = "chat"
    """)
    settings, warnings = load_settings()
    assert len(warnings) == 3, warnings
    assert "profiles.local.base_url: required key is missing; profiles.local ignored" in warnings[0]
    assert f"{config_path}:4:" in warnings[0]
    assert f"{config_path}:1: active_profile: no profile named 'local'" in warnings[1]
    assert f"{config_path}:2: default_preset: no preset named 'poet'" in warnings[2]
    assert settings.active_profile == "xai" and settings.base_url == defaults.BASE_URL
    assert settings.default_preset is None
    assert settings.effective_system_prompt == DEFAULT_SYSTEM_PROMPT


def test_line_numbers_survive_multiline_strings(config_path: Path) -> None:
    write(config_path, '''
        system_prompt = """
        lazy_window = 3
        still the prompt
        """
        lazy_window = 3
    ''')
    settings, warnings = load_settings()
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{config_path}:5: lazy_window:")
    assert settings.system_prompt == "lazy_window = 3\nstill the prompt\n"


def test_bad_values_in_profiles_and_urls(config_path: Path) -> None:
    write(config_path, """
        [profiles.odd]
        base_url = "ftp://example.com"
    """)
    settings, warnings = load_settings()
    assert len(warnings) == 1
    assert "profiles.odd.base_url: Value error, must be an http:// or https:// URL" in warnings[0]
    assert "odd" not in settings.profiles and "xai" in settings.profiles


def test_code_theme_must_be_a_pygments_style(config_path: Path) -> None:
    write(config_path, 'code_theme = "no-such-style"\n')
    settings, warnings = load_settings()
    assert len(warnings) == 1 and "unknown Pygments style 'no-such-style'" in warnings[0]
    assert settings.code_theme is None


def test_quiet_loader_keeps_warnings_on_the_settings(config_path: Path) -> None:
    write(config_path, "what = 1\n")
    settings = load_settings_quietly()
    assert isinstance(settings, Settings)
    assert settings.warnings == [f"{config_path}:1: what: unknown key (ignored)"]
    assert load_settings_quietly(config_path.parent / "absent.toml").warnings == []


def test_settings_module_does_not_import_textual() -> None:
    code = "import sys, grokterm.config.settings; print(any(m.split('.')[0] == 'textual' for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# -- saving ---------------------------------------------------------------------------------
COMMENTED = """
    # grokterm settings — my notes
    theme = "grok-dark"  # dark for the evening
    render_interval_ms = 80

    # local llama server
    [profiles.local]
    base_url = "http://127.0.0.1:8080/v1"  # port from docker-compose

    [keymap]
    "app.new" = "ctrl+t"  # like a browser
"""


def test_saving_changes_keeps_comments_order_and_mode(config_path: Path) -> None:
    write(config_path, COMMENTED)
    saved = save_settings({"theme": "grok-light", "keymap": {"app.quit": "ctrl+x"}, "max_retries": 4})
    text = config_path.read_text()
    assert text.splitlines()[:4] == [
        "# grokterm settings — my notes",
        'theme = "grok-light"  # dark for the evening',
        "render_interval_ms = 80",
        "max_retries = 4",
    ]
    assert 'base_url = "http://127.0.0.1:8080/v1"  # port from docker-compose' in text
    assert '"app.new" = "ctrl+t"  # like a browser\n"app.quit" = "ctrl+x"' in text
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o600
    assert saved.theme == "grok-light" and saved.render_interval_ms == 80
    assert saved.keymap == {"app.new": "ctrl+t", "app.quit": "ctrl+x"}
    reloaded, warnings = load_settings()
    assert warnings == [] and reloaded == saved


def test_none_removes_a_key(config_path: Path) -> None:
    write(config_path, COMMENTED)
    save_settings({"render_interval_ms": None})
    assert "render_interval_ms" not in config_path.read_text()
    assert load_settings()[0].render_interval_ms == 50


def test_saving_full_settings_to_a_new_file_writes_only_non_defaults(config_path: Path) -> None:
    settings = Settings(theme="high-contrast", system_prompt="Line one.\nLine two.", screenshot_folder="~/shots")
    save_settings(settings)
    text = config_path.read_text()
    assert 'theme = "high-contrast"' in text
    assert 'system_prompt = """Line one.\nLine two."""' in text  # multi-line stays readable
    assert "default_model" not in text and "[profiles" not in text and "[presets" not in text
    assert str(Path("~/shots").expanduser()) in text
    reloaded, warnings = load_settings()
    assert warnings == [] and reloaded == settings


def test_saving_full_settings_syncs_maps_and_leaves_unknown_and_broken_entries(config_path: Path) -> None:
    write(config_path, """
        future_option = true  # from a newer grokterm
        [presets]
        mine = "Be brief."
        other = "Be long."
        [profiles.half]
        api_style = "chat"
    """)
    settings, warnings = load_settings()
    assert len(warnings) == 2  # the unknown key and the incomplete profile
    presets = {name: text for name, text in settings.presets.items() if name != "other"}
    save_settings(settings.model_copy(update={"presets": presets, "default_model": "grok-3"}))
    text = config_path.read_text()
    assert "future_option = true  # from a newer grokterm" in text
    assert 'mine = "Be brief."' in text and "other" not in text
    assert "[profiles.half]" in text  # the user's unfinished profile is left for them to fix
    assert "concise" not in text  # built-in presets are not copied into the file
    assert 'default_model = "grok-3"' in text


def test_invalid_changes_raise_and_write_nothing(config_path: Path) -> None:
    write(config_path, COMMENTED)
    before = config_path.read_bytes()
    with pytest.raises(ValidationError):
        save_settings({"render_interval_ms": 5000})
    with pytest.raises(ValidationError):
        save_settings({"nonsense": 1})
    assert config_path.read_bytes() == before
    assert sorted(p.name for p in config_path.parent.iterdir()) == ["config.toml"]


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(config_path: Path, monkeypatch) -> None:
    write(config_path, COMMENTED)
    before = config_path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        save_settings({"theme": "grok-light"})
    assert config_path.read_bytes() == before
    assert sorted(p.name for p in config_path.parent.iterdir()) == ["config.toml"]


def test_saving_over_a_broken_file_keeps_a_backup(config_path: Path) -> None:
    write(config_path, "theme = \n")
    saved = save_settings({"theme": "grok-light"})
    backup = config_path.with_name("config.toml.bak")
    assert backup.read_text() == "theme = \n"
    assert len(saved.warnings) == 1 and str(backup) in saved.warnings[0]
    assert load_settings() == (saved, [])


def test_with_changes_validates_and_merges_nested_values() -> None:
    base = Settings(keymap={"app.new": "ctrl+t"})
    changed = base.with_changes({"keymap": {"app.quit": "ctrl+x"}, "images": {"jpeg_quality": 70}})
    assert changed.keymap == {"app.new": "ctrl+t", "app.quit": "ctrl+x"}
    assert changed.images.jpeg_quality == 70 and changed.images.max_long_side == 2048
    with pytest.raises(ValidationError):
        base.with_changes({"images": {"jpeg_quality": 0}})
    assert base.keymap == {"app.new": "ctrl+t"}  # the original is untouched


def test_image_limits_map_onto_the_media_pipeline() -> None:
    limits = Settings.model_validate({"images": {"max_long_side": 1024, "max_encoded_mb": 5, "jpeg_quality": 70}})
    media = limits.images.to_media()
    assert (media.max_long_side, media.jpeg_quality) == (1024, 70)
    assert media.max_encoded_bytes == media.max_data_url_bytes == 5 * 1024 * 1024
    defaults = Settings().images.to_media()
    from grokterm.media.limits import ImageLimits

    assert defaults == ImageLimits()  # our defaults are the pipeline's defaults


def test_settings_reach_the_app_context_field_by_field() -> None:
    """AppContext.apply_settings assigns typed fields (mypy checks both names), no hasattr by name."""
    settings = Settings(code_theme="vim", screenshot_folder="/tmp/shots", images={"max_long_side": 512},
                        presets={"terse": "Be brief."}, image_model="grok-imagine-image")
    context = AppContext(api_key=None).apply_settings(settings)
    assert context.code_theme == "vim" and context.screenshot_folder == Path("/tmp/shots")
    assert context.image_limits is not None and context.image_limits.max_long_side == 512
    assert context.presets == settings.presets and context.presets["terse"] == "Be brief."
    assert context.image_model == "grok-imagine-image"
    assert not hasattr(Settings, "apply_to")  # the old by-name copy is gone
