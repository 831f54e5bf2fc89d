"""What the TUI takes from config.toml at start, without importing pydantic when the file has not changed.

Why: config.toml is validated by the pydantic model in `grokterm.config.settings`, and importing
pydantic and building that model costs more than drawing the whole first screen. The result of a
validation depends only on the file's bytes (and on this code), so the launcher keeps the last
result, `StartupSettings` (plain values: the active profile applied, warnings included), in a small
JSON file in the data folder, keyed by a hash of the file, its path, the home folder and the
modules that validate it. Unchanged file: the cached values, no pydantic. Changed, new or absent
before: the full validation, exactly as before, and the cache is rewritten. The cache never decides
anything the validation did not: a cache that is missing, unreadable, from another version or for
other bytes is simply ignored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grokterm import __version__, defaults, paths
from grokterm.media.limits import ImageLimits

if TYPE_CHECKING:
    from grokterm.config.settings import Settings

log = logging.getLogger(__name__)

CACHE_NAME = "settings-cache.json"
_FORMAT = 1
_HERE = Path(__file__).resolve().parent
_VALIDATORS = ("settings.py", "startup.py")  # editing either invalidates every cached result


@dataclass(frozen=True)
class StartupSettings:
    """config.toml's values as the app uses them (`AppContext.apply_settings`), with the load warnings."""

    default_model: str
    api_style: defaults.ApiStyle
    base_url: str
    system_prompt: str
    render_interval_ms: int
    read_timeout_s: float
    max_retries: int
    theme: str
    keymap: dict[str, str]
    lazy_window: int
    code_theme: str | None
    image_model: str
    screenshot_folder: Path | None
    image_limits: ImageLimits
    presets: dict[str, str]
    api_key_command: str | None
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_settings(cls, settings: Settings) -> StartupSettings:
        """The validated model's values, field by field (typed: a renamed field is a type error)."""
        return cls(
            default_model=settings.effective_model,
            api_style=settings.effective_api_style,
            base_url=settings.base_url,
            system_prompt=settings.effective_system_prompt,
            render_interval_ms=settings.render_interval_ms,
            read_timeout_s=settings.read_timeout_s,
            max_retries=settings.max_retries,
            theme=settings.theme,
            keymap=dict(settings.keymap),
            lazy_window=settings.lazy_window,
            code_theme=settings.code_theme,
            image_model=settings.image_model,
            screenshot_folder=settings.screenshot_folder,
            image_limits=settings.images.to_media(),
            presets=dict(settings.presets),
            api_key_command=settings.api_key_command,
            warnings=list(settings.warnings),
        )

    def to_json(self) -> dict[str, Any]:
        values = asdict(self)
        values["screenshot_folder"] = str(self.screenshot_folder) if self.screenshot_folder else None
        return values

    @classmethod
    def from_json(cls, values: dict[str, Any]) -> StartupSettings:
        values = dict(values)
        folder = values.get("screenshot_folder")
        values["screenshot_folder"] = Path(folder) if folder else None
        values["image_limits"] = ImageLimits(**values["image_limits"])
        return cls(**values)


def _fingerprint(path: Path, text: bytes | None) -> str:
    digest = hashlib.sha256()
    for part in (str(_FORMAT), __version__, str(path), os.path.expanduser("~")):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    for name in _VALIDATORS:
        try:
            stat = (_HERE / name).stat()
            digest.update(f"{name}:{stat.st_mtime_ns}:{stat.st_size}\0".encode())
        except OSError:
            digest.update(f"{name}:missing\0".encode())
    digest.update(b"absent" if text is None else b"file\0" + text)
    return digest.hexdigest()


def cache_file() -> Path:
    return paths.data_dir() / CACHE_NAME


def _read_cache(key: str) -> StartupSettings | None:
    try:
        stored = json.loads(cache_file().read_text(encoding="utf-8"))
        if not isinstance(stored, dict) or stored.get("key") != key:
            return None
        return StartupSettings.from_json(stored["values"])
    except Exception:  # missing, unreadable, another format: validate instead
        log.debug("settings cache not used", exc_info=True)
        return None


def _write_cache(key: str, settings: StartupSettings) -> None:
    """Best effort: a data folder we cannot write only costs the next start the validation again."""
    target = cache_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".settings-cache.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"key": key, "values": settings.to_json()}, handle)
            os.chmod(tmp, 0o600)
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
    except Exception:
        log.debug("could not write the settings cache", exc_info=True)


def load_startup_settings(path: Path | None = None) -> StartupSettings:
    """config.toml's values for the TUI; never raises (like `load_settings`, whose result this is)."""
    path = Path(path) if path is not None else paths.config_file()
    try:
        text: bytes | None = path.read_bytes()
    except FileNotFoundError:
        text = None
    except OSError:  # unreadable: the validation reports it, every time
        return _validated(path)
    key = _fingerprint(path, text)
    cached = _read_cache(key)
    if cached is not None:
        return cached
    result = _validated(path)
    _write_cache(key, result)
    return result


def _validated(path: Path) -> StartupSettings:
    from grokterm.config.settings import load_settings_quietly  # pydantic: only when the file changed

    return StartupSettings.from_settings(load_settings_quietly(path))
