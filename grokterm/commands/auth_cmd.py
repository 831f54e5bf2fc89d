"""`grokterm auth set|status|clear`: keep the API key in the OS keyring and check it.

`set` reads the key without echo (getpass) or from piped stdin, never from the
command line, so it stays out of shell history; `status` asks `/v1/api-key`
and shows only the redacted key; `clear` removes it from the keyring.
Exit codes as in commands.common (plus 5 when the key or team is blocked).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from grokterm import config
from grokterm.commands.common import (
    EXIT_NO_KEY,
    EXIT_USAGE,
    add_connection_options,
    client_from_args,
    eprint,
    fail,
    load_settings,
    run_api_command,
)

EXIT_BLOCKED = 5


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = "Store, check or clear the API key kept in the OS keyring."
    actions = parser.add_subparsers(dest="auth_action", metavar="ACTION", required=True)
    actions.add_parser("set", help="store a key in the OS keyring (prompted, or read from stdin)")
    status = actions.add_parser("status", help="show which key is used and what the API says about it")
    add_connection_options(status)
    actions.add_parser("clear", help="remove the key from the OS keyring")


def _read_new_key() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("xAI API key (input hidden): ")
    return sys.stdin.readline()


def _set() -> int:
    try:
        key = _read_new_key().strip()
    except (EOFError, KeyboardInterrupt):
        return fail("no key entered", EXIT_USAGE)
    if not key:
        return fail("no key entered: nothing stored", EXIT_USAGE)
    try:
        config.store_api_key(key)
    except config.ConfigError as error:
        return fail(f"{error}; use the XAI_API_KEY environment variable instead", EXIT_NO_KEY)
    print(f"stored {config.ApiKey(key, 'keyring').redacted} in the OS keyring "
          f"(service {config.KEYRING_SERVICE!r}); check it with `grokterm auth status`")
    return 0


def _clear() -> int:
    try:
        removed = config.clear_api_key()
    except config.ConfigError as error:
        return fail(str(error), EXIT_NO_KEY)
    print("removed the API key from the OS keyring" if removed else "no API key was stored in the OS keyring")
    if os.environ.get("XAI_API_KEY"):
        eprint("note: XAI_API_KEY is still set in the environment and will be used")
    return 0


async def _status(args: argparse.Namespace) -> int:
    from grokterm.sanitize import sanitize_terminal as clean

    demo = getattr(args, "demo", False)  # --demo: the emulator's own key, whatever is configured
    settings = load_settings()
    key = None if demo else config.key_from_args(args, settings.api_key_command)
    async with client_from_args(args, settings, key) as client:
        info = await client.api_key_info()
        base_url = client.base_url
    shown = info.redacted_api_key or (key.redacted if key else "?")
    print(f"key:      {clean(shown)} (from {key.source if key else 'the demo emulator'})")
    print(f"server:   {base_url}")
    if info.name:
        print(f"name:     {clean(info.name)}")
    if info.team_id:
        print(f"team:     {clean(info.team_id)}")
    if info.acls:
        print(f"acls:     {clean(', '.join(info.acls))}")
    flags = [name for name, on in (("team blocked", info.team_blocked), ("key blocked", info.api_key_blocked),
                                   ("key disabled", info.api_key_disabled)) if on]
    print(f"status:   {'; '.join(flags) if flags else 'active'}")
    return EXIT_BLOCKED if flags else 0


def run(args: argparse.Namespace) -> int:
    if args.auth_action == "set":
        return _set()
    if args.auth_action == "clear":
        return _clear()
    return run_api_command(lambda: _status(args))
