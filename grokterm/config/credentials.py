"""The API key and the base URL: where they come from, in which order (config.toml: .settings).

The API key comes from `--api-key`, `--api-key-file`, `$XAI_API_KEY`, config.toml's
`api_key_command` (a password manager) or the OS keyring (service "grokterm",
username "api-key"), looked up in that order, and is never written to a file by
us. `--api-key` is visible to every local user in `ps`: a warning says so on a
terminal. Every key found is registered with `grokterm.secret`, so it is redacted
from any message, whatever its shape. Keyring trouble of any kind (no backend,
locked, D-Bus down) becomes a `KeyringUnavailableError` with a one-line
message, never a traceback. `keyring` is imported lazily: it is slow to load
and most commands with `$XAI_API_KEY` set never need it.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from grokterm import defaults
from grokterm.secret import redact, redact_key, register
from grokterm.xai.urls import normalize_base_url

if TYPE_CHECKING:

    pass

log = logging.getLogger(__name__)

KEYRING_SERVICE = "grokterm"
KEYRING_USERNAME = "api-key"

KeySource = Literal["argument", "file", "environment", "command", "keyring"]
KEY_COMMAND_TIMEOUT_S = 30
PS_WARNING = ("warning: --api-key is visible to other users of this machine (in `ps`); prefer $XAI_API_KEY, "
              "--api-key-file, api_key_command in config.toml, or `grokterm auth set` (the OS keyring)")


class ConfigError(Exception):
    """A setting is missing or unusable; `str(e)` is one line for the user."""


class KeyringUnavailableError(ConfigError):
    pass


class MissingApiKeyError(ConfigError):
    pass


@dataclass(frozen=True)
class ApiKey:
    """A resolved key and where it came from; its repr never shows the key."""

    value: str
    source: KeySource

    def __post_init__(self) -> None:
        from grokterm.logs import add_secret

        register(self.value)  # redacted from every message from now on, whatever its shape
        add_secret(self.value)  # and from the debug log

    @property
    def redacted(self) -> str:
        return redact_key(self.value)

    def __repr__(self) -> str:
        return f"ApiKey({self.redacted}, source={self.source!r})"

    __str__ = __repr__


def _keyring_call(action: str, func: Callable[..., Any], *args: str) -> Any:
    """Run `func(keyring, *args)`; any failure becomes a one-line KeyringUnavailableError."""
    try:
        import keyring
        import keyring.errors
    except Exception as exc:
        raise KeyringUnavailableError(f"OS keyring unavailable, cannot {action}: {type(exc).__name__}") from None
    try:
        return func(keyring, *args)
    except Exception as exc:
        text = str(exc).strip()
        detail = redact(text.splitlines()[0].split(". ")[0] if text else type(exc).__name__, args)
        raise KeyringUnavailableError(f"OS keyring unavailable, cannot {action}: {detail}") from None


def warm_keyring() -> Any:
    """Start finding the OS keyring's backend in a thread and return the thread (join it before reading).

    Why: keyring picks its backend by scanning every installed package's entry points, a tenth of a
    second or more; the TUI does it while its own modules import instead of after. Reads nothing."""
    import threading

    def find_backend() -> None:
        try:
            import keyring

            keyring.get_keyring()
        except Exception:  # read_keyring_key reports keyring trouble when it asks
            log.debug("keyring backend not found ahead", exc_info=True)

    thread = threading.Thread(target=find_backend, name="keyring-warmup", daemon=True)
    thread.start()
    return thread


def read_keyring_key() -> str | None:
    """The key stored in the OS keyring, or None; raises KeyringUnavailableError."""
    value = _keyring_call("read the API key", lambda kr: kr.get_password(KEYRING_SERVICE, KEYRING_USERNAME))
    return (value.strip() or None) if value else None


def store_api_key(key: str) -> None:
    """Save the key in the OS keyring; raises KeyringUnavailableError."""
    key = key.strip()
    if not key:
        raise ConfigError("empty API key: nothing stored")
    _keyring_call(
        "store the API key", lambda kr, k: kr.set_password(KEYRING_SERVICE, KEYRING_USERNAME, k), key
    )


def clear_api_key() -> bool:
    """Remove the key from the keyring; True if one was there. Raises KeyringUnavailableError."""

    def delete(kr: Any) -> bool:
        try:
            kr.delete_password(KEYRING_SERVICE, KEYRING_USERNAME)
        except kr.errors.PasswordDeleteError:
            return False
        return True

    return bool(_keyring_call("remove the API key", delete))


def read_key_file(path: str) -> str:
    """The key in `path` (its first line); ConfigError with a one-line reason otherwise."""
    try:
        with open(os.path.expanduser(path), encoding="utf-8") as file:
            text = file.read(4096)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConfigError(f"cannot read the key file {path}: {reason}") from None
    key = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not key:
        raise ConfigError(f"the key file {path} is empty")
    return key


def run_key_command(command: str) -> str:
    """The first line a password-manager command prints (run without a shell, 30 s at most)."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"api_key_command cannot be parsed: {exc}") from None
    if not argv:
        raise ConfigError("api_key_command is empty")
    try:
        result = subprocess.run(argv, capture_output=True, timeout=KEY_COMMAND_TIMEOUT_S, text=True,
                                errors="replace", stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConfigError(f"api_key_command {argv[0]!r} failed: {reason}") from None
    output = result.stdout.strip()
    if result.returncode != 0 or not output:
        detail = redact(result.stderr.strip().splitlines()[0] if result.stderr.strip() else "no output", [output])
        raise ConfigError(f"api_key_command {argv[0]!r} failed (exit {result.returncode}): {detail[:200]}")
    return output.splitlines()[0].strip()


def resolve_api_key(explicit: str | None = None, *, key_file: str | None = None,
                    command: str | None = None) -> ApiKey:
    """`--api-key`, `--api-key-file`, `$XAI_API_KEY`, `api_key_command`, then the keyring.

    Raises ConfigError (MissingApiKeyError when there is none) with the reason.
    """
    if explicit and explicit.strip():
        return ApiKey(explicit.strip(), "argument")
    if key_file:
        return ApiKey(read_key_file(key_file), "file")
    env = os.environ.get("XAI_API_KEY", "").strip()
    if env:
        return ApiKey(env, "environment")
    if command and command.strip():
        return ApiKey(run_key_command(command), "command")
    try:
        stored = read_keyring_key()
    except KeyringUnavailableError as exc:
        raise MissingApiKeyError(
            f"no API key: set XAI_API_KEY or pass --api-key ({exc})"
        ) from None
    if stored:
        return ApiKey(stored, "keyring")
    raise MissingApiKeyError(
        "no API key: set XAI_API_KEY, pass --api-key, or store one with `grokterm auth set`"
    )


def resolve_base_url(explicit: str | None = None, configured: str | None = None) -> str:
    """`--base-url`, then `$XAI_BASE_URL`, then `configured` (the settings' profile), then
    https://api.x.ai/v1; normalised to end in /v1."""
    for candidate in (explicit, os.environ.get("XAI_BASE_URL"), configured):
        if candidate and candidate.strip():
            return normalize_base_url(candidate)
    return defaults.BASE_URL


def key_from_args(args: object, command: str | None = None, *, warn: Callable[[str], None] | None = None) -> ApiKey:
    """`resolve_api_key` from parsed arguments (`--api-key`, `--api-key-file`) and config's `api_key_command`.

    With `--api-key` on a terminal, `warn` (default: stderr) is told that the key is visible in `ps`.
    """
    explicit = getattr(args, "api_key", None)
    if explicit and (warn is not None or sys.stderr.isatty()):
        (warn or (lambda text: print(f"grokterm: {text}", file=sys.stderr, flush=True)))(PS_WARNING)
    return resolve_api_key(explicit, key_file=getattr(args, "api_key_file", None), command=command)
