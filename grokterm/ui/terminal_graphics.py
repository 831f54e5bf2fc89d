"""Which pictures the terminal can show, asked in one round trip before Textual starts.

Why not let textual-image ask: importing it queries the terminal one question at a
time, each with a 0.1 s timeout, and a terminal that does not speak the kitty graphics
protocol (tmux, xterm, most others) answers that one never, so every start-up waited
0.1 s for nothing, and imported Pillow before the first frame. The kitty graphics
protocol's documentation gives the better way: send the graphics query followed by a
primary device attributes request (DA1); every terminal answers DA1, and a terminal
that supports the graphics protocol answers the query first. So one write and one read,
answered as fast as the terminal can (about a millisecond in tmux); Sixel support is the
"4" among DA1's attributes (textual-image's own test), and the cell size in pixels comes
from the TIOCGWINSZ ioctl, else from the same trip (`CSI 16 t`).

The launcher calls `probe()` (in a thread, while the app's modules import) before Textual
takes the terminal; textual-image itself is imported only when a picture is first drawn,
with the answers handed over so it asks nothing (`import_textual_image`). Without a probe
(headless apps, tests, an app started some other way) pictures use coloured half-cells,
which every terminal shows.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.widget import Widget

log = logging.getLogger(__name__)

# The kitty graphics protocol's support query (a 1x1 RGB image, query only: a=q) as textual-image sends it.
GRAPHICS_QUERY = b"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
CELL_SIZE_QUERY = b"\x1b[16t"  # answered as CSI 6 ; height ; width t (pixels per cell)
DEVICE_ATTRIBUTES_QUERY = b"\x1b[c"  # DA1: answered as CSI ? attrs c by every terminal

_DA1_REPLY = re.compile(rb"\x1b\[\?([0-9;]*)c")
_GRAPHICS_REPLY = re.compile(rb"\x1b_G([^\x1b]*)\x1b\\")
_CELL_SIZE_REPLY = re.compile(rb"\x1b\[6;(\d+);(\d+)t")


@dataclass(frozen=True)
class TerminalGraphics:
    """What the terminal said it can draw. `answered` is False when it was not asked or did not reply."""

    answered: bool = False
    sixel: bool = False
    graphics_protocol: bool = False  # kitty's terminal graphics protocol (TGP)
    cell_size: tuple[int, int] | None = None  # (width, height) of a cell in pixels


_found: TerminalGraphics | None = None  # set by probe()
_probe_thread: threading.Thread | None = None


def parse_replies(data: bytes, cell_size: tuple[int, int] | None) -> TerminalGraphics:
    """The terminal's answers to the round trip (whatever arrived before the DA1 reply)."""
    da1 = _DA1_REPLY.search(data)
    if da1 is None:
        return TerminalGraphics(cell_size=cell_size)
    before = data[: da1.start()]
    graphics = _GRAPHICS_REPLY.search(before)
    graphics_ok = graphics is not None and graphics.group(1).rsplit(b";", 1)[-1] == b"OK"
    if cell_size is None:
        reported = _CELL_SIZE_REPLY.search(before)
        if reported is not None and int(reported.group(1)) and int(reported.group(2)):
            cell_size = (int(reported.group(2)), int(reported.group(1)))
    attributes = da1.group(1).split(b";")
    return TerminalGraphics(answered=True, sixel=b"4" in attributes, graphics_protocol=graphics_ok,
                            cell_size=cell_size)


def _cell_size_from_ioctl(fd: int) -> tuple[int, int] | None:
    import fcntl
    import struct
    import termios

    try:
        rows, cols, width, height = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
    except OSError:
        return None
    if not (rows and cols and width and height):
        return None
    return width // cols, height // rows


def _ask(timeout: float) -> TerminalGraphics:
    """One round trip on a real terminal (POSIX): write the queries, read until the DA1 reply."""
    import termios
    import tty

    stdin, stdout = sys.__stdin__, sys.__stdout__
    if stdin is None or stdout is None or not stdin.isatty() or not stdout.isatty():
        return TerminalGraphics()
    fd_in, fd_out = stdin.fileno(), stdout.fileno()
    cell_size = _cell_size_from_ioctl(fd_out)
    query = GRAPHICS_QUERY + (b"" if cell_size else CELL_SIZE_QUERY) + DEVICE_ATTRIBUTES_QUERY
    import select

    saved = termios.tcgetattr(fd_in)
    data = b""
    try:
        tty.setcbreak(fd_in, termios.TCSANOW)
        os.write(fd_out, query)
        deadline = time.monotonic() + timeout
        while _DA1_REPLY.search(data) is None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd_in], [], [], left)[0]:
                break
            chunk = os.read(fd_in, 4096)
            if not chunk:
                break
            data += chunk
    finally:
        termios.tcsetattr(fd_in, termios.TCSANOW, saved)
    return parse_replies(data, cell_size)


def probe(timeout: float = 0.2) -> None:
    """Ask the terminal, in a thread; `wait_for_probe()` before Textual takes the terminal."""
    global _found, _probe_thread
    if _probe_thread is not None or _found is not None:
        return
    if os.name != "posix":  # no termios: textual-image asks in its own way, now, before Textual starts
        _found = _textual_image_answer()
        return

    def run() -> None:
        global _found
        try:
            _found = _ask(timeout)
        except Exception:  # a terminal that refuses termios calls: half-cells it is
            log.debug("could not ask the terminal about pictures", exc_info=True)
            _found = TerminalGraphics()

    _probe_thread = threading.Thread(target=run, name="terminal-probe", daemon=True)
    _probe_thread.start()


def wait_for_probe() -> None:
    """Let the probe finish (bounded by its own timeout) so it never reads keys meant for Textual."""
    if _probe_thread is not None:
        _probe_thread.join(timeout=1.0)


def found() -> TerminalGraphics | None:
    """The probe's answer (None when the terminal was not asked)."""
    return _found


def _textual_image_answer() -> TerminalGraphics:
    """What textual-image found when it queried the terminal itself (its import does)."""
    import textual_image.widget  # noqa: F401  (its import asks the terminal and fills the cell-size cache)
    from textual_image._terminal import get_cell_size
    from textual_image.renderable import Image, SixelImage, TGPImage

    size = get_cell_size()
    return TerminalGraphics(answered=True, sixel=Image is SixelImage, graphics_protocol=Image is TGPImage,
                            cell_size=(size.width, size.height))


class _NotATerminal:
    """sys.__stdout__ as textual-image sees it while it imports: not a terminal, so it asks nothing."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


_import_lock = threading.Lock()


def import_textual_image() -> None:
    """Import textual-image without it writing to or reading from the terminal.

    It queries the terminal at import time when stdout is a terminal; once Textual runs, the
    answers would be read by Textual as keys. So stdout looks like a file while it imports,
    and the cell size the probe measured is handed to its cache (`get_cell_size` keeps its
    first result, as its docstring says).
    """
    if "textual_image.widget" in sys.modules:
        return
    with _import_lock:
        if "textual_image.widget" in sys.modules:
            return
        from textual_image import _terminal

        cell = _found.cell_size if _found is not None else None
        if cell is not None and not hasattr(_terminal.get_cell_size, "_result"):
            _terminal.get_cell_size._result = _terminal.CellSize(*cell)  # type: ignore[attr-defined]
        real = sys.__stdout__
        sys.__stdout__ = _NotATerminal(real)  # type: ignore[misc,assignment]
        try:
            import textual_image.widget  # noqa: F401
        finally:
            sys.__stdout__ = real  # type: ignore[misc]


def image_widget_class(headless: bool) -> Callable[..., Widget]:
    """The textual-image widget for pictures: Sixel or TGP where the terminal said so, else half-cells."""
    import_textual_image()
    from textual_image.widget import HalfcellImage, SixelImage, TGPImage

    graphics = _found
    if headless or graphics is None:
        return HalfcellImage
    if graphics.sixel:
        return SixelImage
    if graphics.graphics_protocol:
        return TGPImage
    return HalfcellImage
