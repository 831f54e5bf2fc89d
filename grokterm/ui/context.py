"""What the app needs to know at start, gathered by the launcher (CLI args, env, config).

Kept as plain data so tests build an app with `AppContext(...)` pointing at the
emulator and a temp database, exactly like the real launcher does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from grokterm import defaults, paths
from grokterm.secret import Secret

if TYPE_CHECKING:
    from grokterm.config.settings import Settings
    from grokterm.config.startup import StartupSettings
    from grokterm.emulator.server import RunningEmulator
    from grokterm.media.limits import ImageLimits


@dataclass
class AppContext:
    api_key: Secret | str | None  # a str is wrapped in a Secret on assignment: reprs and tracebacks never show it
    base_url: str = defaults.BASE_URL
    api_style: defaults.ApiStyle = defaults.API_STYLE
    default_model: str = defaults.MODEL
    image_model: str = defaults.IMAGE_MODEL  # /image (config.toml image_model)
    system_prompt: str = ""
    demo: bool = False
    db_path: Path = field(default_factory=paths.database_file)
    render_interval: float = 0.05  # seconds between streaming Markdown flushes
    read_timeout: float = defaults.READ_TIMEOUT_S
    max_retries: int = defaults.MAX_RETRIES
    show_welcome: bool = False  # no key configured: offer key entry or the demo
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)  # binding id -> keys
    lazy_window: int = 60  # finished messages mounted at once; older ones load on scroll-up
    code_theme: str | None = None  # a Pygments style pinned by config; None follows the theme
    screenshot_folder: Path | None = None
    image_limits: ImageLimits | None = None  # from config.toml [images]; None = the pipeline's defaults
    presets: dict[str, str] = field(default_factory=dict)  # system prompt presets by name
    config_warnings: list[str] = field(default_factory=list)
    clock: Callable[[], float] = time.time  # injectable so expiry dates are reproducible in snapshots
    emulator: RunningEmulator | None = None  # --demo: kept alive for the app's lifetime

    def apply_settings(self, settings: Settings | StartupSettings) -> AppContext:
        """Take config.toml's values, field by field (typed: renaming either side is a type error,
        not a setting silently dropped); returns self. The key never comes from config.toml."""
        from grokterm.config.startup import StartupSettings

        values = settings if isinstance(settings, StartupSettings) else StartupSettings.from_settings(settings)
        self.default_model = values.default_model
        self.api_style = values.api_style
        self.base_url = values.base_url
        self.system_prompt = values.system_prompt
        self.render_interval = values.render_interval_ms / 1000
        self.read_timeout = values.read_timeout_s
        self.max_retries = values.max_retries
        self.theme = values.theme
        self.keymap = dict(values.keymap)
        self.lazy_window = values.lazy_window
        self.code_theme = values.code_theme
        self.image_model = values.image_model
        self.screenshot_folder = values.screenshot_folder
        self.image_limits = values.image_limits
        self.presets = dict(values.presets)
        return self

    def __setattr__(self, name: str, value: object) -> None:
        if name == "api_key" and isinstance(value, str):
            value = Secret(value)
        super().__setattr__(name, value)
