"""Generated pictures on disk: check them, name them, convert them to what the name asks for, save.

Shared by `grokterm image` and the TUI's save action, so both write the same
files. A picture is decoded fully once (Pillow) before it is trusted: what the
server sent must be a real picture, whatever its first bytes claim. Saving
goes through a temporary file in the target folder and a rename, so a full
disk or a killed process never leaves half a picture under the chosen name.
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from grokterm.media.errors import ImageError

# File extensions we can write, and the Pillow format for each.
FORMAT_FOR_EXTENSION = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
EXTENSION_FOR_MIME = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}
MIME_FOR_FORMAT = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


@dataclass(frozen=True)
class PictureInfo:
    mime: str
    width: int
    height: int


def inspect_picture(data: bytes) -> PictureInfo:
    """Decode `data` completely; raises ImageError unless it is a JPEG, PNG, WebP or GIF picture."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as picture:
            kind = picture.format or ""
            picture.load()
            size = picture.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise ImageError(f"the generated image is not a readable picture ({error})") from None
    mime = MIME_FOR_FORMAT.get("JPEG" if kind == "MPO" else kind)
    if mime is None:
        raise ImageError(f"the generated image is a {kind or 'unknown'} file, not a JPEG, PNG, WebP or GIF")
    return PictureInfo(mime, size[0], size[1])


def convert_for(path: Path, data: bytes, mime: str) -> tuple[bytes, str]:
    """(bytes, mime) fitting `path`'s extension: a JPEG saved as .png is re-encoded as PNG.

    Unknown or missing extensions keep the bytes as they are."""
    wanted = FORMAT_FOR_EXTENSION.get(path.suffix.lower())
    if wanted is None or MIME_FOR_FORMAT[wanted] == mime:
        return data, mime
    from PIL import Image

    with Image.open(io.BytesIO(data)) as opened:
        opened.load()
        picture: Image.Image = opened
        if wanted == "JPEG" and picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
        out = io.BytesIO()
        picture.save(out, format=wanted, **({"quality": 92} if wanted != "PNG" else {}))
    return out.getvalue(), MIME_FOR_FORMAT[wanted]


def output_paths(target: Path | None, count: int, mime: str, *, folder: Path | None = None,
                 now: float | None = None) -> list[Path]:
    """Where `count` pictures go.

    With a target: that name for one picture, `name-1.ext`, `name-2.ext`… for several; a target
    without an extension gets the picture's own. Without one: `grokterm-YYYYmmdd-HHMMSS[-N].ext`
    in `folder` (default: the current directory), never overwriting an existing file.
    """
    extension = EXTENSION_FOR_MIME.get(mime, ".img")
    if target is not None:
        if not target.suffix:
            target = target.with_name(target.name + extension)
        if count == 1:
            return [target]
        return [target.with_name(f"{target.stem}-{i}{target.suffix}") for i in range(1, count + 1)]
    folder = folder if folder is not None else Path()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(time.time() if now is None else now))
    base = f"grokterm-{stamp}"
    for attempt in range(1000):
        stem = base if attempt == 0 else f"{base}-{attempt}"
        names = ([folder / f"{stem}{extension}"] if count == 1
                 else [folder / f"{stem}-{i}{extension}" for i in range(1, count + 1)])
        if not any(p.exists() for p in names):
            return names
    raise ImageError(f"no free file name like {base}{extension} in {folder}")


def save_picture(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (temp file + rename); raises OSError."""
    folder = path.parent if str(path.parent) else Path(".")
    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)  # mkstemp makes 0600; a saved picture is an ordinary file
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
