"""The real app (`grokterm --demo`) in tmux at 80x24, keys sent the way terminals send them.

tmux delivers alt+key as ESC+key and a `paste-buffer -p` as a bracketed paste, which Pilot
cannot reproduce: this is the test of the parser fix in ui/keys.py and of the paste path.
Skips when tmux is missing. Every wait polls the screen with a deadline (generous, for a
loaded 2-core CI machine) and fails showing the screen; no sleep stands in for a condition.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")

START_TIMEOUT = 90.0  # first frame of the app, emulator included, on a loaded machine
STEP_TIMEOUT = 45.0


def grokterm_command() -> list[str]:
    script = Path(sys.executable).with_name("grokterm")
    return [str(script)] if script.exists() else [sys.executable, "-m", "grokterm"]


class Tmux:
    """One private tmux server (its own socket name) running one window."""

    def __init__(self, command: list[str], env: dict[str, str], width: int, height: int) -> None:
        assert TMUX is not None
        self.base = [TMUX, "-L", f"grokterm-test-{uuid.uuid4().hex[:12]}", "-f", "/dev/null"]
        exports = [f"{k}={v}" for k, v in env.items()]
        self.run("new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height),
                 "env", *exports, *command)
        # if the app dies, keep its last screen (a traceback) for the failure message
        self.run("set-option", "-t", "t", "remain-on-exit", "on")

    def run(self, *args: str, input: bytes | None = None) -> str:
        done = subprocess.run([*self.base, *args], input=input, capture_output=True, timeout=30, check=True)
        return done.stdout.decode()

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "t")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "t", *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "t", "-l", text)

    def paste(self, text: str) -> None:
        """A bracketed paste, as a terminal sends it (tmux wraps it in ESC[200~ … ESC[201~)."""
        self.run("load-buffer", "-b", "p", "-", input=text.encode())
        self.run("paste-buffer", "-p", "-d", "-b", "p", "-t", "t")

    def wait_for(self, predicate: Callable[[str], bool], what: str, timeout: float = STEP_TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.1)  # polling interval of a bounded wait, not a synchronisation
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{screen}")

    def close(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True, timeout=30)


@pytest.fixture
def app_in_tmux(tmp_path) -> Iterator[Tmux]:
    env = {
        "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "GROKTERM_CONFIG": str(tmp_path / "config" / "grokterm" / "config.toml"),
        "GROKTERM_DATA_DIR": str(tmp_path / "data" / "grokterm"),
        "GROKTERM_DB": str(tmp_path / "data" / "grokterm.db"),
        "GROKTERM_THEMES_DIR": str(tmp_path / "config" / "themes"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TERM": "xterm-256color",
    }
    tmux = Tmux([*grokterm_command(), "--demo"], env, 80, 24)
    try:
        tmux.wait_for(lambda s: "Message grok" in s, "the app to start", START_TIMEOUT)
        yield tmux
    finally:
        tmux.close()


def tab_line(screen: str) -> str:
    return screen.splitlines()[0]


def test_esc_prefixed_alt_keys_bracketed_paste_and_keys_after_enter(app_in_tmux: Tmux):
    tmux = app_in_tmux
    # keys typed right after enter, in one burst, are kept for the next message
    tmux.keys("abc", "Enter", "xyz")
    screen = tmux.wait_for(lambda s: "tok/s" in s and "xyz" in s, "the reply, with xyz left in the composer")
    assert "abcxyz" not in screen

    # a new tab: alt+enter as ESC+Enter is a newline (not a send), a bracketed paste lands once
    tmux.keys("C-n")
    tmux.type("one")  # at once, before the new tab is shown: it belongs to the new tab
    tmux.wait_for(lambda s: "New chat" in tab_line(s) and "one" in s, "a second tab, shown, with one")
    tmux.keys("Escape", "Enter")
    tmux.type("two")
    tmux.paste("PASTED")
    screen = tmux.wait_for(lambda s: "twoPASTED" in s, "the newline, the typing and the paste")
    assert screen.count("PASTED") == 1
    lines = screen.splitlines()
    row = next(i for i, line in enumerate(lines) if "twoPASTED" in line)
    assert "one" in lines[row - 1], "alt+enter did not start a new line"

    # a paste holding ESC (and a line break, which tmux sends as \r) is one paste, never keys: its
    # ESC w does not close the tab, its \r does not send; the escape sequences are removed
    tmux.paste("\x1b[31mRED\x1b[0m\x1bw\nsent?")
    tmux.type("Z")
    screen = tmux.wait_for(lambda s: "sent?Z" in s, "the paste with ESC, then Z")
    lines = screen.splitlines()
    row = next(i for i, line in enumerate(lines) if "sent?Z" in line)
    assert "twoPASTEDRED" in lines[row - 1] and "one" in lines[row - 2], "the paste was cut or sent"
    assert all("▊" in lines[i] for i in (row - 2, row - 1, row)), "not all in the composer"
    assert not any("^" in lines[i] or "[31m" in lines[i] for i in (row - 1, row))

    # alt+w as ESC w closes the tab while the composer has focus, and types nothing
    tmux.keys("Escape", "w")
    screen = tmux.wait_for(lambda s: "New chat" not in tab_line(s), "ESC w to close the tab")
    # back on the first conversation, its draft intact
    assert "xyz" in screen and "one" not in screen and "RED" not in screen

    # in the finder, ESC a archives while the search field has focus, and types nothing
    tmux.keys("C-f")
    # the list fills in after the finder opens: ESC a before a row is there has nothing to archive
    tmux.wait_for(lambda s: "Conversations" in s and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", s) is not None,
                  "the conversations finder, with its rows")
    tmux.keys("Escape", "a")
    screen = tmux.wait_for(lambda s: "Archived" in s, "ESC a to archive")

    # a paste into a text field other than the composer is sanitised too: its escape sequences
    # never reach the terminal (an OSC 0 would retitle the window, an SGR colour the screen)
    title = tmux.run("display-message", "-p", "-t", "t", "#{pane_title}")
    tmux.paste("ab\x1b[31mRED\x1b[0mcd\x1b]0;pwned\x07")
    tmux.wait_for(lambda s: "abREDcd" in s, "the paste in the finder's search field")
    assert tmux.run("display-message", "-p", "-t", "t", "#{pane_title}") == title
