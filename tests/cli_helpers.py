"""Helpers for tests that run the CLI as a real process."""

from __future__ import annotations

import signal
import subprocess


def interrupt_once_answering(process: subprocess.Popen) -> tuple[str, str]:
    """Ctrl-C a running `ask`/`responses continue` once its answer has started printing, as a user
    would; returns everything it printed (stdout, stderr). The process is killed if it does not end."""
    try:
        shown = process.stdout.read1(200)  # blocks until the answer has started
        assert shown, process.stderr.read()
        process.send_signal(signal.SIGINT)
        rest, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    return (shown + rest).decode(), err.decode()
