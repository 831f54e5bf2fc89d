"""The terminal is asked what pictures it can draw in one round trip, and textual-image then asks nothing.

A real pseudo-terminal plays the terminal: the test reads what the child process writes to it
and answers the way kitty, xterm (with Sixel) or tmux answer.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time

import pytest

from grokterm.ui.terminal_graphics import (
    DEVICE_ATTRIBUTES_QUERY,
    GRAPHICS_QUERY,
    TerminalGraphics,
    parse_replies,
)

KITTY = b"\x1b_Gi=31;OK\x1b\\\x1b[?62;c"
XTERM_SIXEL = b"\x1b[?63;1;2;4;6;9;15;22c"
TMUX = b"\x1b[?1;2c"


def test_the_replies_say_which_pictures_the_terminal_draws():
    assert parse_replies(KITTY, (10, 20)) == TerminalGraphics(True, sixel=False, graphics_protocol=True,
                                                              cell_size=(10, 20))
    assert parse_replies(XTERM_SIXEL, None).sixel
    assert parse_replies(TMUX, (16, 32)) == TerminalGraphics(True, cell_size=(16, 32))
    # the graphics query refused, the cell size answered in the same trip
    refused = b"\x1b_Gi=31;ENOTSUPPORTED:no\x1b\\\x1b[6;18;9t\x1b[?62;c"
    assert parse_replies(refused, None) == TerminalGraphics(True, cell_size=(9, 18))
    # no DA1 reply: nothing is known (half-cells)
    assert parse_replies(b"\x1b_Gi=31;OK\x1b\\", None) == TerminalGraphics()


CHILD = """
import json, sys
from grokterm.ui import terminal_graphics as tg
tg.probe(timeout=20)
tg.wait_for_probe()
found = tg.found()
tg.import_textual_image()  # must not query the terminal again
from textual_image._terminal import get_cell_size
from textual_image.widget import HalfcellImage, SixelImage, TGPImage
names = {SixelImage: "sixel", TGPImage: "tgp", HalfcellImage: "halfcell"}
kind = names.get(tg.image_widget_class(headless=False), "other")
print(json.dumps({"sixel": found.sixel, "tgp": found.graphics_protocol, "answered": found.answered,
                  "cell": list(get_cell_size()), "widget": kind}), file=sys.stderr)
"""


def _read_until(fd: int, marker: bytes, timeout: float = 30.0) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while marker not in data:
        left = deadline - time.monotonic()
        assert left > 0, f"the child never wrote {marker!r}; got {data!r}"
        if select.select([fd], [], [], left)[0]:
            data += os.read(fd, 4096)
    return data


@pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX")
@pytest.mark.parametrize(("reply", "widget"), [(KITTY, "tgp"), (XTERM_SIXEL, "sixel"),
                                               (TMUX, "halfcell")])
def test_one_round_trip_before_the_app_and_no_question_afterwards(reply, widget):
    master, slave = os.openpty()
    try:
        child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=slave, stdout=slave, stderr=subprocess.PIPE)
        try:
            asked = _read_until(master, DEVICE_ATTRIBUTES_QUERY)
            assert asked.startswith(GRAPHICS_QUERY) and asked.endswith(DEVICE_ATTRIBUTES_QUERY)
            os.write(master, reply)
            _, err = child.communicate(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        assert child.returncode == 0, err.decode()
        result = json.loads(err.decode().strip().splitlines()[-1])
        assert result["answered"] and result["widget"] == widget
        assert result["cell"][0] > 0 and result["cell"][1] > 0
        # textual-image's import wrote nothing more: no second question for Textual to read as keys
        os.set_blocking(master, False)
        try:
            later = os.read(master, 4096)
        except (BlockingIOError, OSError):
            later = b""
        assert b"\x1b[c" not in later and b"\x1b_G" not in later, later
    finally:
        os.close(master)
        os.close(slave)
