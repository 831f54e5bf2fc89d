"""Starts the TUI: resolves the key and base URL, starts the demo emulator when asked."""

from __future__ import annotations

import argparse
import os

from grokterm.secret import Secret
from grokterm.ui.context import AppContext


def quiet_server_logs() -> None:
    """The demo emulator shares our terminal: its log lines must never draw over the TUI."""
    import logging

    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "grokterm.emulator"):
        logger = logging.getLogger(name)
        logger.handlers = [logging.NullHandler()]
        logger.propagate = False


def build_context(args: argparse.Namespace) -> AppContext:
    from grokterm import config
    from grokterm.config.startup import load_startup_settings

    settings = load_startup_settings()  # pydantic validates config.toml only when the file changed
    context = AppContext(api_key=None).apply_settings(settings)
    context.config_warnings = list(settings.warnings)
    if getattr(args, "demo", False):
        from grokterm.emulator.server import start_emulator

        quiet_server_logs()
        emulator = start_emulator(port=0)
        context.api_key = emulator.api_key
        context.base_url = emulator.base_url
        context.demo = True
        context.emulator = emulator  # kept alive for the app's lifetime
        return context
    context.base_url = config.resolve_base_url(getattr(args, "base_url", None), configured=settings.base_url)
    try:
        context.api_key = Secret(config.key_from_args(args, settings.api_key_command,
                                                      warn=context.config_warnings.append).value)
    except config.MissingApiKeyError:
        context.api_key = None
    except config.ConfigError as error:  # an unreadable key file, a failing api_key_command
        context.config_warnings.append(str(error))
        context.api_key = None
    context.show_welcome = not context.api_key
    return context


def keyring_will_be_asked(args: argparse.Namespace) -> bool:
    """No key from the arguments or the environment: the launcher will look in the OS keyring."""
    given = (getattr(args, "demo", False) or getattr(args, "api_key", None) or getattr(args, "api_key_file", None)
             or os.environ.get("XAI_API_KEY", "").strip())
    return not given


def run_tui(args: argparse.Namespace) -> int:
    from grokterm.ui import terminal_graphics

    terminal_graphics.probe()  # asks the terminal while the app's modules import
    warmup = None
    if keyring_will_be_asked(args):
        from grokterm.config.credentials import warm_keyring

        warmup = warm_keyring()  # the keyring finds its backend meanwhile too
    from grokterm.ui.app import GrokApp

    terminal_graphics.wait_for_probe()  # done before anything else may read the terminal
    if warmup is not None:
        warmup.join(timeout=2.0)
    context = build_context(args)
    app = GrokApp(context)
    app.run()
    emulator = getattr(context, "emulator", None)
    if emulator is not None:
        emulator.stop()
    return app.return_code or 0
