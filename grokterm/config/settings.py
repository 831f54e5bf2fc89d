"""The user's `config.toml`: a validated `Settings` model, forgiving loading and comment-keeping saves.

Why this shape:
- Loading never raises. A broken or partly wrong file must not stop the app from
  starting, so `load_settings` returns usable settings plus one human-readable
  warning per problem (naming the dotted key and, when it can be found, the line).
- Invalid or unknown individual keys are dropped (their default is used) and the
  rest of the file is kept; only a file that is not TOML at all falls back to
  every default.
- Saving goes through tomlkit so the user's comments and key order survive, and is
  atomic (temp file + os.replace, mode 0600) so a crash never leaves half a file.
- API keys are never stored here: they come from XAI_API_KEY or the OS keyring.

No Textual import: the UI's AppContext.apply_settings takes the values it needs, field by field.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import tomllib
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any, cast

import tomlkit
import tomlkit.exceptions
import tomlkit.items
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from grokterm import defaults, paths
from grokterm.xai.urls import normalize_base_url

log = logging.getLogger(__name__)

ApiStyle = defaults.ApiStyle

DEFAULT_SYSTEM_PROMPT = (
    "You are a helpful assistant in a terminal chat app. Answer clearly and concisely. "
    "Use Markdown; put code in fenced blocks with a language tag."
)
BUILTIN_PRESETS: dict[str, str] = {
    "concise": "Answer in as few words as correctness allows. No preamble, no summary.",
    "coder": (
        "You are a senior software engineer. Give working code first, in fenced blocks with a "
        "language tag, then a short explanation of anything non-obvious."
    ),
    "teacher": (
        "Explain step by step for a curious learner. Define terms when first used and end with "
        "a one-line recap."
    ),
}
# Fields whose value is a user-extensible name -> value table: on a full save, entries the
# user removed in the app are removed from the file too.
_MAP_FIELDS = ("profiles", "presets", "keymap")


class Profile(BaseModel):
    """One OpenAI-compatible server. Only where and how to talk to it: never the key."""

    model_config = ConfigDict(extra="forbid")

    base_url: str
    api_style: ApiStyle | None = None  # None: use the top-level api_style
    default_model: str | None = None  # None: use the top-level default_model

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http:// or https:// URL")
        return normalize_base_url(value)  # same rule as --base-url: ends in /v1


class ImageLimits(BaseModel):
    """How attached images are shrunk before upload (xAI accepts jpg/png up to 10 MiB)."""

    model_config = ConfigDict(extra="forbid")

    max_long_side: int = Field(2048, ge=64, le=8192)
    max_encoded_mb: float = Field(10.0, ge=0.1, le=20)  # caps the image and its base64 data URL
    jpeg_quality: int = Field(85, ge=10, le=100)

    def to_media(self):
        """The media pipeline's `grokterm.media.limits.ImageLimits` for these values."""
        from grokterm.media.limits import ImageLimits as MediaLimits
        from grokterm.media.limits import MiB

        cap = int(self.max_encoded_mb * MiB)
        return MediaLimits(max_long_side=self.max_long_side, max_encoded_bytes=cap,
                           max_data_url_bytes=cap, jpeg_quality=self.jpeg_quality)


def _builtin_profiles() -> dict[str, Profile]:
    return {"xai": Profile(base_url=defaults.BASE_URL)}


class Settings(BaseModel):
    """Everything `config.toml` may contain. Unknown keys are errors so typos get reported."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    default_model: str = Field(defaults.MODEL, min_length=1)
    image_model: str = Field(defaults.IMAGE_MODEL, min_length=1)  # /image and `grokterm image`
    api_style: ApiStyle = defaults.API_STYLE
    active_profile: str = "xai"
    profiles: dict[str, Profile] = Field(default_factory=_builtin_profiles)
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    presets: dict[str, str] = Field(default_factory=lambda: dict(BUILTIN_PRESETS))
    default_preset: str | None = None
    screenshot_folder: Path | None = None
    images: ImageLimits = Field(default_factory=ImageLimits)
    theme: str = Field(defaults.THEME, min_length=1)
    code_theme: str | None = None  # a Pygments style; None follows the theme
    keymap: dict[str, str] = Field(default_factory=dict)  # binding id -> keys, e.g. {"app.new": "ctrl+t"}
    render_interval_ms: int = Field(50, ge=10, le=1000)
    read_timeout_s: float = Field(defaults.READ_TIMEOUT_S, gt=0, le=3600)
    max_retries: int = Field(defaults.MAX_RETRIES, ge=0, le=10)
    lazy_window: int = Field(60, ge=10, le=2000)
    # a command that prints the API key (a password manager: "pass show xai", "op read op://dev/xai/key");
    # run without a shell, after $XAI_API_KEY and before the keyring
    api_key_command: str | None = None

    _warnings: list[str] = PrivateAttr(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        """Problems found while loading (empty when the file was clean or absent)."""
        return self._warnings

    def __eq__(self, other: object) -> bool:
        """Equal when the settings are; the load warnings do not count."""
        if not isinstance(other, Settings):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    @field_validator("profiles")
    @classmethod
    def _keep_builtin_profile(cls, value: dict[str, Profile]) -> dict[str, Profile]:
        return {**_builtin_profiles(), **value}

    @field_validator("presets")
    @classmethod
    def _keep_builtin_presets(cls, value: dict[str, str]) -> dict[str, str]:
        return {**BUILTIN_PRESETS, **value}

    @field_validator("screenshot_folder", mode="before")
    @classmethod
    def _expand_folder(cls, value: Any) -> Any:
        if isinstance(value, str):
            return Path(value).expanduser() if value.strip() else None
        return value

    @field_validator("code_theme")
    @classmethod
    def _known_pygments_style(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from pygments.styles import get_style_by_name
        from pygments.util import ClassNotFound

        try:
            get_style_by_name(value)
        except ClassNotFound:
            raise ValueError(f"unknown Pygments style {value!r}") from None
        return value

    @field_validator("keymap")
    @classmethod
    def _non_empty_keys(cls, value: dict[str, str]) -> dict[str, str]:
        for binding_id, keys in value.items():
            if not keys.strip():
                raise ValueError(f"binding {binding_id!r} has no keys")
        return value

    # -- derived values ------------------------------------------------------------------
    def profile(self) -> Profile:
        """The active profile (falls back to the built-in xai one)."""
        return self.profiles.get(self.active_profile) or self.profiles["xai"]

    @property
    def base_url(self) -> str:
        return self.profile().base_url

    @property
    def effective_api_style(self) -> ApiStyle:
        return self.profile().api_style or self.api_style

    @property
    def effective_model(self) -> str:
        return self.profile().default_model or self.default_model

    @property
    def effective_system_prompt(self) -> str:
        """The default preset's text when one is chosen, else `system_prompt`."""
        if self.default_preset and self.default_preset in self.presets:
            return self.presets[self.default_preset]
        return self.system_prompt

    def with_changes(self, changes: Mapping[str, Any]) -> Settings:
        """A new validated Settings with nested `changes` merged in (None resets a key)."""
        data = _deep_merge(self.model_dump(mode="json", exclude_none=True), changes)
        return Settings.model_validate(data)


# -- loading ---------------------------------------------------------------------------------
def load_settings(path: Path | None = None) -> tuple[Settings, list[str]]:
    """Read config.toml; never raises. A missing file gives defaults and no warnings."""
    path = Path(path) if path is not None else paths.config_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings(), []
    except (OSError, UnicodeDecodeError) as exc:
        warnings = [f"{path}: cannot read the file ({exc}); using the defaults."]
        return _with_warnings(Settings(), warnings), warnings
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        warnings = [_toml_error_message(path, exc)]
        return _with_warnings(Settings(), warnings), warnings
    settings, warnings = _validate_leniently(data, text, path)
    return _with_warnings(settings, warnings), warnings


def _toml_error_message(path: Path, exc: tomllib.TOMLDecodeError) -> str:
    """tomllib says "Invalid value (at line 2, column 5)": lead with the position instead."""
    text = str(exc)
    match = re.search(r"\(at line (\d+), column (\d+)\)", text)
    if match is None:
        return f"{path}: not valid TOML ({text}); using the defaults."
    reason = text[: match.start()].strip()
    return (
        f"{path}: not valid TOML at line {match.group(1)}, column {match.group(2)}: {reason}; "
        "using the defaults."
    )


def load_settings_quietly(path: Path | None = None) -> Settings:
    """`load_settings` for the launcher: the warnings ride along on `settings.warnings`."""
    settings, _ = load_settings(path)
    return settings


def _with_warnings(settings: Settings, warnings: list[str]) -> Settings:
    settings._warnings = list(warnings)
    return settings


def _validate_leniently(data: dict, text: str, path: Path) -> tuple[Settings, list[str]]:
    """Drop each offending key (reporting it) until the rest validates."""
    found: list[list] = []  # [line or a large number, message, loc]: reported in file order
    lines = _key_lines(text)
    for _ in range(50):
        try:
            settings = Settings.model_validate(data)
            break
        except ValidationError as exc:
            dropped_any = False
            for error in exc.errors():
                full_loc = tuple(str(part) for part in error["loc"])
                loc = _existing_prefix(data, full_loc)
                earlier = next((item for item in found if item[2] == full_loc), None)
                if earlier is not None and error["type"] == "missing":
                    # We dropped a bad required value last round; its parent goes too.
                    earlier[1] = earlier[1].replace("; using the default", f"; {_dotted(loc) or 'it'} ignored")
                else:
                    line = _line_of(lines, full_loc)
                    found.append([line or 10**9, _describe(path, lines, full_loc, error), full_loc])
                if loc and _drop(data, loc):
                    dropped_any = True
            if not dropped_any:
                return Settings(), [*_in_file_order(found), f"{path}: using the defaults."]
    else:  # pragma: no cover - every round drops at least one key
        return Settings(), _in_file_order(found)
    warnings = _in_file_order(found) + _cross_checks(settings, path, lines)
    return settings, warnings


def _in_file_order(found: list[list]) -> list[str]:
    return [message for _, message, _ in sorted(found, key=lambda item: item[0])]


def _cross_checks(settings: Settings, path: Path, lines: dict[tuple[str, ...], int]) -> list[str]:
    """Names that must point at something that exists; reset to the default when not."""
    warnings = []
    if settings.active_profile not in settings.profiles:
        warnings.append(
            f"{path}{_at(lines, ('active_profile',))}: active_profile: no profile named "
            f"{settings.active_profile!r} (known: {', '.join(sorted(settings.profiles))}); using 'xai'."
        )
        settings.active_profile = "xai"
    if settings.default_preset is not None and settings.default_preset not in settings.presets:
        warnings.append(
            f"{path}{_at(lines, ('default_preset',))}: default_preset: no preset named "
            f"{settings.default_preset!r} (known: {', '.join(sorted(settings.presets))}); ignored."
        )
        settings.default_preset = None
    return warnings


def _describe(path: Path, lines: dict[tuple[str, ...], int], loc: tuple[str, ...], error: Mapping[str, Any]) -> str:
    key = _dotted(loc) or "(file)"
    if error["type"] == "extra_forbidden":
        reason = "unknown key (ignored)"
    elif error["type"] == "missing":
        reason = f"required key is missing; {_dotted(loc[:-1]) or 'it'} ignored"
    else:
        reason = f"{error['msg']} (got {_short(error.get('input'))}); using the default"
    return f"{path}{_at(lines, loc)}: {key}: {reason}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _dotted(loc: tuple[str, ...]) -> str:
    """The key as written in TOML: parts with dots or spaces are quoted (keymap."app.new")."""
    return ".".join(part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else f'"{part}"' for part in loc)


def _line_of(lines: dict[tuple[str, ...], int], loc: tuple[str, ...]) -> int | None:
    for end in range(len(loc), 0, -1):
        line = lines.get(loc[:end])
        if line is not None:
            return line
    return None


def _at(lines: dict[tuple[str, ...], int], loc: tuple[str, ...]) -> str:
    line = _line_of(lines, loc)
    return f":{line}" if line is not None else ""


def _existing_prefix(data: Any, loc: tuple[str, ...]) -> tuple[str, ...]:
    """The longest part of `loc` that exists in `data` (a missing key lives in its parent)."""
    found: tuple[str, ...] = ()
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            found += (part,)
            node = node[part]
        else:
            break
    return found


def _drop(data: dict, loc: tuple[str, ...]) -> bool:
    node = data
    for part in loc[:-1]:
        node = node[part]
    return node.pop(loc[-1], _MISSING) is not _MISSING


_MISSING = object()

_KEY_PART = re.compile(r"""\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(\.|$)""")


def _split_key(raw: str) -> tuple[str, ...] | None:
    parts: list[str] = []
    pos = 0
    raw = raw.strip()
    while pos < len(raw):
        match = _KEY_PART.match(raw, pos)
        if not match:
            return None
        parts.append(next(g for g in match.groups()[:3] if g is not None))
        pos = match.end()
    return tuple(parts) or None


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Map dotted key paths to the 1-based line defining them (first occurrence wins)."""
    found: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    in_multiline: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if in_multiline:
            if stripped.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        if not stripped or stripped.startswith("#"):
            continue
        header = re.match(r"^\[\[?([^\[\]]+)\]\]?\s*(#.*)?$", stripped)
        if header:
            table = _split_key(header.group(1)) or ()
            _remember(found, table, number)
            continue
        assignment = re.match(r"""^((?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.\s-])+?)\s*=(.*)$""", stripped)
        if assignment:
            key = _split_key(assignment.group(1))
            if key:
                _remember(found, table + key, number)
            value = assignment.group(2)
            for quote in ('"""', "'''"):
                if value.count(quote) % 2 == 1:
                    in_multiline = quote
    return found


def _remember(found: dict[tuple[str, ...], int], key: tuple[str, ...], number: int) -> None:
    for end in range(1, len(key) + 1):
        found.setdefault(key[:end], number)


# -- saving -------------------------------------------------------------------------------------
def save_settings(settings_or_changes: Settings | Mapping[str, Any], path: Path | None = None) -> Settings:
    """Write settings atomically, keeping the user's comments and key order; returns what was saved.

    - A `Settings`: the file is brought in line with it. Keys already in the file are updated,
      keys equal to their default are not added, entries removed from profiles/presets/keymap
      are removed, keys we do not know are left alone.
    - A mapping of (nested) changes, e.g. `{"theme": "grok-light", "keymap": {"app.new": "ctrl+t"}}`:
      only those keys are written; a None value removes the key (back to its default).

    The new values are validated first (pydantic ValidationError, nothing written). A file that
    is not valid TOML is kept as `<name>.bak` and replaced (noted in the result's `warnings`).
    """
    path = Path(path) if path is not None else paths.config_file()
    notes: list[str] = []
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    try:
        doc = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError:
        backup = path.with_name(path.name + ".bak")
        backup.write_text(text, encoding="utf-8")
        os.chmod(backup, 0o600)
        notes.append(f"{path} was not valid TOML; the old file was kept as {backup}.")
        doc = tomlkit.document()

    defaults = Settings().model_dump(mode="json", exclude_none=True)
    loaded, _ = load_settings(path) if text and not notes else (Settings(), [])
    if isinstance(settings_or_changes, Settings):
        result = settings_or_changes.model_copy(deep=True)
        # Only entries that loaded fine and are now gone were removed by the user; entries
        # the loader rejected stay in the file for the user to fix.
        removed = {
            field: set(getattr(loaded, field)) - set(getattr(result, field)) for field in _MAP_FIELDS
        }
        _sync_table(doc, result.model_dump(mode="json"), defaults)
        for field, names in removed.items():
            table = doc.get(field)
            for name in names:
                if isinstance(table, Mapping) and name in table:
                    del cast("MutableMapping[str, Any]", table)[name]
    else:
        changes = dict(settings_or_changes)
        result = loaded.with_changes(changes)  # raises ValidationError before anything is written
        _sync_table(doc, _normalise(changes, result), defaults)
    _write_atomically(path, tomlkit.dumps(doc))
    return _with_warnings(result, notes)


def _normalise(changes: Mapping[str, Any], result: Settings) -> dict:
    """The changed keys with their validated values (e.g. paths as strings, stripped URLs)."""
    dumped = result.model_dump(mode="json")

    def pick(change: Mapping[str, Any], validated: Any) -> dict:
        out: dict[str, Any] = {}
        for key, value in change.items():
            if value is None:
                out[key] = None
            elif isinstance(value, Mapping) and isinstance(validated, dict):
                out[key] = pick(value, validated.get(key, {}))
            else:
                out[key] = validated.get(key, value) if isinstance(validated, dict) else value
        return out

    return pick(changes, dumped)


def _sync_table(table: Any, new: Mapping[str, Any], defaults: Any) -> None:
    """Make `table` (a tomlkit container) hold `new`, touching as little as possible."""
    defaults = defaults if isinstance(defaults, Mapping) else {}
    for key, value in new.items():
        if value is None:
            if key in table:
                del table[key]
            continue
        default = defaults.get(key)
        if isinstance(value, Mapping):
            existing = table.get(key) if key in table else None
            if isinstance(existing, Mapping):
                _sync_table(existing, value, default)
            elif existing is not None or value != default:
                fresh = tomlkit.table()
                _sync_table(fresh, value, default)
                if existing is not None or len(fresh):
                    table[key] = fresh
            continue
        if key in table:
            current = table[key]
            current = current.unwrap() if hasattr(current, "unwrap") else current
            if current != value:
                table[key] = _toml_value(value)
        elif value != default:
            _add_plain_value(table, key, _toml_value(value))


def _add_plain_value(table: Any, key: str, value: Any) -> None:
    """Add `key = value` right after the last plain value, so it never lands between a
    table and the comment above that table (tomlkit's own choice when tables follow)."""
    body = getattr(table, "body", None)
    last_plain = None
    for existing_key, item in body or []:
        if existing_key is not None and not isinstance(item, (tomlkit.items.Table, tomlkit.items.AoT)):
            last_plain = existing_key
    if last_plain is not None and hasattr(table, "_insert_after"):
        try:
            table._insert_after(last_plain, key, value)
            return
        except Exception:  # a tomlkit internal changed: fall back to the public way
            log.debug("tomlkit internals changed; appending the key instead", exc_info=True)
    table[key] = value


def _toml_value(value: Any) -> Any:
    if isinstance(value, str) and "\n" in value:
        return tomlkit.string(value, multiline=True)
    return value


def _deep_merge(base: dict, changes: Mapping[str, Any]) -> dict:
    merged = dict(base)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _write_atomically(path: Path, text: str) -> None:
    """Temp file in the same folder, fsync, os.replace: readers see the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
