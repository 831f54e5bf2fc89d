"""Command-line entry point: the TUI by default, sub-commands for scripting.

Each sub-command lives in `grokterm/commands/<name>.py` with
`register(subparsers)` and `run(args) -> int`; modules are imported only
when their command runs, so `grokterm --help` and `grokterm ask` stay fast
and never import Textual.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from grokterm import __version__, defaults

log = logging.getLogger(__name__)

# name -> one-line help; the module grokterm.commands.<name> does the work.
COMMANDS: dict[str, str] = {
    "ask": "ask one question, stream the answer to stdout",
    "image": "generate images from a prompt and save them",
    "models": "list models with modalities and prices",
    "auth": "store, check or clear the API key",
    "history": "search and list stored conversations",
    "export": "export a conversation as Markdown or JSON",
    "import": "import a conversation from grokterm JSON",
    "responses": "list, show, delete or continue stored responses",
    "emulator": "run the local xAI-compatible emulator",
}


def _command_module(name: str):
    return importlib.import_module(f"grokterm.commands.{name.replace('-', '_')}_cmd")


def add_global_options(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """--version, --debug and --demo, accepted before the command and after it (`grokterm ask --demo hi`).

    After the command they default to SUPPRESS, so a value given before it is kept; a command
    that already defines one of them (for its sub-actions) keeps its own.
    """
    taken = parser._option_string_actions
    if "--version" not in taken:
        parser.add_argument("--version", action="version", version=f"grokterm {__version__}",
                            help="print grokterm's version and exit")
    if "--debug" not in taken:
        parser.add_argument("--debug", action="store_true",
                            default=False if top_level else argparse.SUPPRESS,
                            help="keep a detailed log in the data folder's grokterm.log (redacted)")
    if "--demo" not in taken:
        parser.add_argument("--demo", action="store_true",
                            default=False if top_level else argparse.SUPPRESS,
                            help="run on the built-in emulator (no key needed)")


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grokterm", description="Terminal chat for xAI's Grok API.")
    add_global_options(parser, top_level=True)
    parser.add_argument("--base-url", help=f"API base URL (default $XAI_BASE_URL or {defaults.BASE_URL})")
    parser.add_argument("--api-key", help="API key (visible to other local users in `ps`: prefer $XAI_API_KEY, "
                                          "--api-key-file, api_key_command in config.toml or the OS keyring)")
    parser.add_argument("--api-key-file", metavar="PATH", help="read the API key from this file (its first line)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = next((a for a in argv if a in COMMANDS), None)
    for name, help_text in COMMANDS.items():
        if name == wanted:
            command = sub.add_parser(name, help=help_text)
            _command_module(name).register(command)
            add_global_options(command)
        else:
            sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run grokterm; a closed pipe (`grokterm history list | head`) ends quietly, and a storage
    failure any command did not handle itself is one line on stderr, never a traceback."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # inside the try: a reader that went away shows up here
        return code
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except Exception as error:
        store_errors = sys.modules.get("grokterm.store.errors")  # not imported: cannot be a store error
        if store_errors is None or not isinstance(error, store_errors.StoreError):
            raise
        from grokterm.sanitize import display_line

        print(f"grokterm: {display_line(str(error))}", file=sys.stderr)
        return 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null so Python's final flush does not complain about the closed pipe."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    from grokterm.logs import setup_logging

    setup_logging(debug=args.debug)
    log.debug("grokterm %s: %s", __version__, args.command or "tui")
    if args.command:
        try:
            return int(_command_module(args.command).run(args) or 0)
        finally:
            if "grokterm.commands.demo" in sys.modules:  # only when --demo started an emulator
                sys.modules["grokterm.commands.demo"].stop_demo()
    from grokterm.ui.launch import run_tui  # Textual is imported only here

    return run_tui(args)
