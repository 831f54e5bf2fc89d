"""Paste an image from the system clipboard.

macOS and Windows: Pillow's ImageGrab.grabclipboard() (an image, or the list
of files copied in Explorer; on macOS files copied in Finder are asked for
first, because Finder also puts the file's *icon* on the clipboard as an image).
Linux: wl-paste (Wayland) or xclip (X11) directly rather than through Pillow,
so we can bound the call with a timeout, pass the bytes through without a
decode/re-encode round trip, and accept files copied in a file manager
(text/uri-list). No tool → an ImageError that says what to install.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from grokterm.media.errors import ImageError
from grokterm.media.limits import ImageLimits
from grokterm.media.paste import is_image_path, path_from_text
from grokterm.media.prepare import DEFAULT_LIMITS, prepare_image
from grokterm.media.prepared import Detail, PreparedImage

TIMEOUT_SECONDS = 5.0
_FILE_LIST_TYPES = ("text/uri-list", "x-special/gnome-copied-files")
# What wl-paste / xclip print when the clipboard is empty or lacks the type (as Pillow also lists).
_EMPTY_CLIPBOARD_ERRORS = ("nothing is copied", "no selection", "no suitable type", "not available",
                           "cannot convert", "there is no owner")
_NO_IMAGE = "The clipboard holds no image (copy an image or an image file first)."


def grab_clipboard_image(*, limits: ImageLimits = DEFAULT_LIMITS, detail: Detail = "auto") -> PreparedImage:
    """The clipboard's image (or first copied image file), prepared for sending.

    Synchronous (runs a helper process on Linux/macOS): call it from a worker thread.
    """
    if sys.platform == "darwin":
        copied = _macos_copied_file()
        if copied is not None:
            return prepare_image(copied, limits=limits, detail=detail)
    if sys.platform in ("darwin", "win32"):
        return _grab_with_pillow(limits, detail)
    return _grab_on_linux(limits, detail)


def _grab_with_pillow(limits: ImageLimits, detail: Detail) -> PreparedImage:
    from PIL import ImageGrab

    try:
        content = ImageGrab.grabclipboard()
    except Exception as error:  # OSError, NotImplementedError, ChildProcessError, decoder errors
        raise ImageError(f"Could not read the clipboard: {error}") from error
    if content is None:
        raise ImageError(_NO_IMAGE)
    if isinstance(content, list):
        for name in content:
            if is_image_path(Path(name)):
                return prepare_image(Path(name), limits=limits, detail=detail)
        raise ImageError("The clipboard holds files, but none of them is an image.")
    buffer = io.BytesIO()
    content.save(buffer, "PNG", compress_level=1)  # lossless hand-over; prepare_image picks the real format
    return prepare_image(buffer.getvalue(), limits=limits, detail=detail, name="clipboard image")


def _macos_copied_file() -> Path | None:
    if not shutil.which("osascript"):
        return None
    script = "POSIX path of (the clipboard as «class furl»)"
    try:
        result = subprocess.run(
            ["osascript", "-e", script], capture_output=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = Path(result.stdout.decode("utf-8", "replace").strip())
    return path if result.returncode == 0 and is_image_path(path) else None


def _linux_tool() -> tuple[list[str], Callable[[str], list[str]]] | None:
    """(command listing the clipboard's types, function making the command that fetches one type)."""
    wayland, x11 = os.environ.get("WAYLAND_DISPLAY"), os.environ.get("DISPLAY")
    wl_paste, xclip = shutil.which("wl-paste"), shutil.which("xclip")
    if wl_paste and (wayland or not x11):
        return [wl_paste, "--list-types"], lambda kind: [wl_paste, "--no-newline", "--type", kind]
    if xclip and (x11 or not wayland):
        base = [xclip, "-selection", "clipboard", "-o", "-t"]
        return [*base, "TARGETS"], lambda kind: [*base, kind]
    return None


def _install_hint() -> str:
    if os.environ.get("WAYLAND_DISPLAY"):
        return "Pasting images needs wl-paste: install the wl-clipboard package."
    if os.environ.get("DISPLAY"):
        return "Pasting images needs xclip: install the xclip package."
    return "Pasting images needs a clipboard tool: install wl-clipboard (Wayland) or xclip (X11)."


def _grab_on_linux(limits: ImageLimits, detail: Detail) -> PreparedImage:
    tool = _linux_tool()
    if tool is None:
        raise ImageError(_install_hint())
    list_command, fetch_command = tool
    types = _run(list_command).decode("utf-8", "replace").split()
    kind = _pick_type(types)
    if kind is None:
        raise ImageError(_NO_IMAGE)
    data = _run(fetch_command(kind))
    if kind in _FILE_LIST_TYPES:
        for line in data.decode("utf-8", "replace").splitlines():
            path = path_from_text(line.strip()) if line.strip().startswith("file:") else None
            if path is not None and is_image_path(path):
                return prepare_image(path, limits=limits, detail=detail)
        raise ImageError("The clipboard holds files, but none of them is an image.")
    extension = kind.split("/", 1)[1].split(";", 1)[0]
    return prepare_image(data, limits=limits, detail=detail, name=f"clipboard.{extension}")


def _pick_type(types: list[str]) -> str | None:
    if "image/png" in types:
        return "image/png"
    for kind in types:
        if kind.startswith("image/"):
            return kind
    for kind in _FILE_LIST_TYPES:
        if kind in types:
            return kind
    return None


def _run(command: list[str]) -> bytes:
    tool = Path(command[0]).name
    try:
        result = subprocess.run(command, capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as error:
        raise ImageError(f"{tool} did not answer within {TIMEOUT_SECONDS:.0f} s.") from error
    except OSError as error:
        raise ImageError(f"Could not run {tool}: {error.strerror or error}.") from error
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = detail[0] if detail else f"exit status {result.returncode}"
        if any(word in reason.lower() for word in _EMPTY_CLIPBOARD_ERRORS):
            raise ImageError(_NO_IMAGE)
        raise ImageError(f"Could not read the clipboard: {tool}: {reason}")
    return result.stdout
