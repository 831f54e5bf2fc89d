"""Where grokterm keeps the user's files, each overridable by an environment variable.

Tests, screenshots and benchmarks point these at temporary folders so they
never touch a real user's data.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "grokterm"


def config_file() -> Path:
    """`config.toml` (override: GROKTERM_CONFIG)."""
    env = os.environ.get("GROKTERM_CONFIG")
    return Path(env) if env else Path(platformdirs.user_config_dir(APP)) / "config.toml"


def data_dir() -> Path:
    """Folder for the database and stored images (override: GROKTERM_DATA_DIR)."""
    env = os.environ.get("GROKTERM_DATA_DIR")
    return Path(env) if env else Path(platformdirs.user_data_dir(APP))


def database_file() -> Path:
    """`grokterm.db` (override: GROKTERM_DB)."""
    env = os.environ.get("GROKTERM_DB")
    return Path(env) if env else data_dir() / "grokterm.db"


def user_themes_dir() -> Path:
    """The user's own themes (override: GROKTERM_THEMES_DIR)."""
    env = os.environ.get("GROKTERM_THEMES_DIR")
    return Path(env) if env else Path(platformdirs.user_config_dir(APP)) / "themes"


def bundled_themes_dir() -> Path:
    """The themes shipped inside the package (`grokterm/themes/`), so every install has them.

    Inside the package rather than beside it: a wheel, `pip install .` or `pipx install` only
    carries package files, and the same path then works in an editable checkout.
    """
    return Path(__file__).resolve().parent / "themes"
