"""Find the newest screenshot, so "attach my last screenshot" is one key.

Where screenshots land differs per OS and desktop: macOS uses the Desktop (or
the folder set with `defaults write com.apple.screencapture location`),
Windows and current GNOME/KDE use Pictures/Screenshots, older Linux desktops
the Pictures folder itself. Dedicated screenshot folders count every image;
shared folders (Desktop, Pictures) only files whose names say "screenshot"
(in a few languages), so a photo imported a minute ago is not picked.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from grokterm.media.errors import ImageError
from grokterm.media.paste import IMAGE_EXTENSIONS

log = logging.getLogger(__name__)

SCREENSHOT_WORDS = (
    "screenshot", "screen shot", "bildschirmfoto", "capture d", "schermafbeelding", "captura de pantalla",
    "schermata", "skärmavbild", "skjermbilde", "zrzut ekranu", "snímek obrazovky", "снимок экрана",
    "スクリーンショット", "屏幕截图", "截屏", "螢幕截圖", "스크린샷", "scrot", "flameshot", "spectacle",
)


def latest_screenshot(folder: Path | str | None = None) -> Path:
    """The newest image in `folder`, or in the platform's usual screenshot places when None."""
    if folder is not None:
        chosen = Path(folder).expanduser()
        if not chosen.is_dir():
            raise ImageError(f"The screenshot folder {_short(chosen)} does not exist.")
        places = [(chosen, True)]
    else:
        places = [(place, dedicated) for place, dedicated in default_screenshot_folders() if place.is_dir()]
        if not places:
            looked = ", ".join(_short(place) for place, _ in default_screenshot_folders())
            raise ImageError(f"No screenshot folder found (looked in {looked}); set one in the settings.")
    newest = _newest_image(places)
    if newest is None:
        looked = ", ".join(_short(place) for place, _ in places)
        raise ImageError(f"No screenshots found in {looked}.")
    return newest


def default_screenshot_folders() -> list[tuple[Path, bool]]:
    """(folder, dedicated) in order of preference; dedicated folders hold only screenshots."""
    home = Path.home()
    pictures = _pictures_dir()
    places: list[tuple[Path, bool]] = []
    if sys.platform == "darwin":
        configured = _macos_capture_location()
        if configured is not None:
            places.append((configured, configured != home / "Desktop"))
        places += [(home / "Desktop", False), (pictures / "Screenshots", True)]
    elif sys.platform == "win32":
        places.append((pictures / "Screenshots", True))
        onedrive = os.environ.get("OneDrive")  # noqa: SIM112 - Windows spells it this way
        if onedrive:
            places.append((Path(onedrive) / "Pictures" / "Screenshots", True))
    else:
        places += [(pictures / "Screenshots", True), (pictures, False)]
        if pictures != home / "Pictures":
            places += [(home / "Pictures" / "Screenshots", True), (home / "Pictures", False)]
    unique: list[tuple[Path, bool]] = []
    for place, dedicated in places:
        if all(place != seen for seen, _ in unique):
            unique.append((place, dedicated))
    return unique


def looks_like_screenshot(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SCREENSHOT_WORDS)


def _newest_image(places: list[tuple[Path, bool]]) -> Path | None:
    best: tuple[int, str, Path] | None = None
    for place, dedicated in places:
        try:
            entries = list(os.scandir(place))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith(".") or os.path.splitext(name)[1].lower() not in IMAGE_EXTENSIONS:
                continue
            if not dedicated and not looks_like_screenshot(name):
                continue
            try:
                if not entry.is_file():
                    continue
                info = entry.stat()
            except OSError:
                continue
            if info.st_size == 0:  # still being written
                continue
            key = (info.st_mtime_ns, name, Path(entry.path))
            if best is None or key[:2] > best[:2]:
                best = key
    return best[2] if best else None


def _pictures_dir() -> Path:
    env = os.environ.get("XDG_PICTURES_DIR")
    if env and sys.platform not in ("darwin", "win32"):
        return Path(env).expanduser()
    try:
        import platformdirs

        return Path(platformdirs.user_pictures_dir())
    except Exception:
        log.debug("no pictures folder from platformdirs; using ~/Pictures", exc_info=True)
        return Path.home() / "Pictures"


def _macos_capture_location() -> Path | None:
    if not shutil.which("defaults"):
        return None
    try:
        result = subprocess.run(
            ["defaults", "read", "com.apple.screencapture", "location"],
            capture_output=True, text=True, timeout=2, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    value = result.stdout.strip()
    return Path(value).expanduser() if result.returncode == 0 and value else None


def _short(path: Path) -> str:
    """The path with the home folder shown as ~ (shorter in messages)."""
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except ValueError:
        return str(path)
