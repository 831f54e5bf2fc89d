"""`--demo` for the sub-commands: one built-in emulator per process, started on first use.

Started lazily (by `client_from_args`) so a command that never talks to the API, such as
`grokterm --demo history`, costs nothing; `cli.main` stops it when the command returns.
The emulator is the same one the TUI's demo and the tests use (loopback, its own key).

The responses it stored die with it, so when it stops, the ones the local index holds as
live are marked 'unknown' (no longer on any server we know): `grokterm responses list` never
shows a demo reply as live after the demo is gone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grokterm.emulator.server import RunningEmulator

log = logging.getLogger(__name__)
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
    """Stop the demo emulator if this process started one; its responses are then gone."""
    global _running
    if _running is not None:
        gone = list(_running.state.responses)
        _running.stop()
        _running = None
        if gone:
            _no_longer_live(gone)


def _no_longer_live(response_ids: Iterable[str]) -> None:
    from grokterm.store import Store, StoreError

    try:
        with Store() as store:
            for response_id in response_ids:
                entry = store.get_response_entry(response_id)
                if entry is not None and entry.status == "live":
                    store.mark_response_status(response_id, "unknown")
    except (StoreError, OSError):  # the answer was given; a stale index row is not worth an error
        log.warning("could not mark the demo's responses as gone", exc_info=True)
