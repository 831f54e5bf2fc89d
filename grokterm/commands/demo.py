"""`--demo` for the sub-commands: one built-in emulator per process, started on first use.

Started lazily (by `client_from_args`) so a command that never talks to the API, such as
`grokterm --demo history`, costs nothing; `cli.main` stops it when the command returns.
The emulator is the same one the TUI's demo and the tests use (loopback, its own key).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grokterm.emulator.server import RunningEmulator

_running: RunningEmulator | None = None


def demo_endpoint() -> tuple[str, str]:
    """(base URL, API key) of this process's demo emulator, starting it if needed."""
    global _running
    if _running is None:
        from grokterm.emulator.server import start_emulator

        # Its log lines would mix with the answer on the terminal: stdout/stderr belong to the command.
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "grokterm.emulator"):
            logger = logging.getLogger(name)
            logger.handlers = [logging.NullHandler()]
            logger.propagate = False
        _running = start_emulator(port=0)
    return _running.base_url, _running.api_key


def stop_demo() -> None:
    """Stop the demo emulator if this process started one."""
    global _running
    if _running is not None:
        _running.stop()
        _running = None
