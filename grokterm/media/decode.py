"""Reading bytes from a file or memory and decoding the first frame safely.

Why a module of its own: every way an input can be wrong (vanished file,
folder, permissions, empty, huge, text named .png, truncated, HEIC without a
plugin, decompression bomb) is turned here into one clear `ImageError`, and
large JPEGs are decoded at reduced scale (draft mode) so a 50 MP photo never
costs 150 MB of RAM.
"""

from __future__ import annotations

import io
import logging
import re
import stat
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from grokterm.media.errors import ImageError
from grokterm.media.limits import ImageLimits
from grokterm.media.prepared import human_size

log = logging.getLogger(__name__)

# Format names as people know them (for notes); anything missing is shown as Pillow names it.
FRIENDLY_FORMAT = {"WEBP": "WebP", "HEIF": "HEIC", "JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG"}
_JPEG_FORMATS = ("JPEG", "MPO")  # MPO: multi-picture JPEG as phones write it; draft works on it too
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")
_AVIF_BRANDS = (b"avif", b"avis")
_MAGIC_NAMES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)

# warnings.catch_warnings() swaps process-wide state; serialise our own uses of it.
_WARNINGS_LOCK = threading.Lock()
_heif_registered: bool | None = None


@dataclass
class DecodedFrame:
    """The first frame, loaded and upright, plus what it was before."""

    image: Image.Image
    format: str  # Pillow's format name, MPO reported as JPEG
    width: int  # original size as displayed (after EXIF orientation)
    height: int
    notes: list[str] = field(default_factory=list)


def display_name(source: Path | str | bytes, name: str | None) -> str:
    if name:
        return name
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "pasted image"
    path = Path(source)
    return path.name or str(path)


def read_source(source: Path | str | bytes, display: str, limits: ImageLimits) -> bytes:
    """All bytes of the input, refusing folders, special files, empty and oversized inputs."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        data = _read_file(Path(source).expanduser(), display, limits)
    if not data:
        raise ImageError(f"{display} is empty (0 bytes).")
    if len(data) > limits.max_input_bytes:
        raise _too_big(display, len(data), limits)
    return data


def _read_file(path: Path, display: str, limits: ImageLimits) -> bytes:
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ImageError(f"{display} is a folder, not an image file.")
        if not stat.S_ISREG(info.st_mode):
            raise ImageError(f"{display} is not a regular file.")  # a FIFO would block forever
        if info.st_size > limits.max_input_bytes:
            raise _too_big(display, info.st_size, limits)
        with path.open("rb") as handle:
            return handle.read(limits.max_input_bytes + 1)  # +1: notice a file that grew meanwhile
    except FileNotFoundError as error:
        raise ImageError(f"{display} no longer exists (moved or deleted?).") from error
    except IsADirectoryError as error:
        raise ImageError(f"{display} is a folder, not an image file.") from error
    except PermissionError as error:
        raise ImageError(f"Permission denied reading {display}.") from error
    except OSError as error:
        raise ImageError(f"Cannot read {display}: {error.strerror or error}.") from error


def _too_big(display: str, size: int, limits: ImageLimits) -> ImageError:
    return ImageError(
        f"{display} is {human_size(size)}, above the {human_size(limits.max_input_bytes)} limit for attachments."
    )


def open_image(data: bytes, display: str) -> Image.Image:
    """Identify the image (header only). Pillow's bomb *error* is kept; its warning is ours to enforce."""
    try:
        image = _open_quietly(data)
        if image.format == "PNG":
            _verify_png_checksums(data)
        return image
    except Image.DecompressionBombError as error:
        raise ImageError(_bomb_message(display, _pixels_in(str(error)))) from error
    except UnidentifiedImageError as error:
        if _looks_like_heif(data) and _register_heif_plugin():
            return open_image(data, display)
        raise ImageError(_unreadable_message(data, display)) from error
    except MemoryError as error:
        raise ImageError(f"{display} is too large to decode in memory.") from error
    except Exception as error:  # plugins raise assorted types on corrupt headers or checksums
        raise ImageError(f"{display} is truncated or damaged and cannot be read as an image.") from error


def _verify_png_checksums(data: bytes) -> None:
    """Check every chunk's CRC: decoding alone accepts garbled pixel data that still inflates."""
    with _open_quietly(data) as probe:
        probe.verify()


def _open_quietly(data: bytes) -> Image.Image:
    with _WARNINGS_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data))


def fit_within(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """`size` scaled down (never up) so its longer edge is at most `long_side`."""
    width, height = size
    longest = max(width, height)
    if longest <= long_side:
        return width, height
    scale = long_side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def decode_first_frame(image: Image.Image, display: str, limits: ImageLimits, target_long_side: int) -> DecodedFrame:
    """Load frame 0 fully (truncation shows up here), at reduced scale for big JPEGs, and apply EXIF orientation.

    `target_long_side` is only a hint for JPEG draft decoding: the result may be
    larger (draft scales by powers of two) and is resized later.
    """
    fmt = "JPEG" if image.format in _JPEG_FORMATS else (image.format or "unknown")
    notes: list[str] = []
    stored_size = image.size
    orientation = _orientation(image)
    if getattr(image, "n_frames", 1) > 1 and getattr(image, "is_animated", False):
        notes.append(f"animated {FRIENDLY_FORMAT.get(fmt, fmt)}: first frame only")
    if fmt not in ("JPEG", "PNG"):
        notes.append(f"converted from {FRIENDLY_FORMAT.get(fmt, fmt)}")

    if fmt == "JPEG":
        draft_size = fit_within(stored_size, target_long_side)
        if draft_size[0] * 2 <= stored_size[0] and draft_size[1] * 2 <= stored_size[1]:
            image.draft(None, draft_size)  # libjpeg's DCT scaling: decodes 1/2, 1/4 or 1/8 size directly
    limit = limits.pixel_limit()
    decoded_pixels = image.size[0] * image.size[1]
    if limit is not None and decoded_pixels > limit:
        raise ImageError(_bomb_message(display, stored_size[0] * stored_size[1], limit, stored_size))

    try:
        image.load()
    except Image.DecompressionBombError as error:  # e.g. a GIF frame bigger than its header said
        raise ImageError(_bomb_message(display, _pixels_in(str(error)))) from error
    except MemoryError as error:
        raise ImageError(f"{display} is too large to decode in memory.") from error
    except Exception as error:  # OSError "image file is truncated", SyntaxError, zlib errors, ...
        raise ImageError(f"{display} is truncated or damaged: the image data cannot be fully decoded.") from error

    width, height = stored_size
    if orientation in (2, 3, 4, 5, 6, 7, 8):
        image = ImageOps.exif_transpose(image)
        notes.append("EXIF orientation applied")
        if orientation in (5, 6, 7, 8):
            width, height = height, width
    return DecodedFrame(image=image, format=fmt, width=width, height=height, notes=notes)


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(ExifTags.Base.Orientation, 1)
        return int(value)
    except Exception:  # malformed EXIF must not make an otherwise good image unusable
        log.debug("unreadable EXIF orientation; treating the image as upright", exc_info=True)
        return 1


def _pixels_in(message: str) -> int | None:
    match = re.search(r"\((\d+) pixels\)", message)
    return int(match.group(1)) if match else None


def _bomb_message(
    display: str, pixels: int | None, limit: int | None = None, size: tuple[int, int] | None = None
) -> str:
    if limit is None:
        pillow = Image.MAX_IMAGE_PIXELS
        limit = 2 * pillow if pillow else None
    if pixels:
        amount = f"{size[0]}×{size[1]} ({pixels / 1e6:.0f} MP)" if size else f"{pixels / 1e6:.0f} MP"
    else:
        amount = "too large"
    cap = f", above the {limit / 1e6:.0f} MP decompression-bomb limit" if limit else ""
    return f"{display} is {amount}{cap}; shrink it before attaching."


def _looks_like_heif(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS + _AVIF_BRANDS


def _register_heif_plugin() -> bool:
    """Use pillow-heif when the user has installed it (optional; we never require it)."""
    global _heif_registered
    if _heif_registered is None:
        try:
            from pillow_heif import register_heif_opener  # type: ignore[import-not-found]

            register_heif_opener()
            _heif_registered = True
        except Exception:
            log.debug("HEIF support unavailable", exc_info=True)
            _heif_registered = False
    return _heif_registered


def _unreadable_message(data: bytes, display: str) -> str:
    head = data[:16]
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return (
            f"{display} is a HEIC/HEIF photo, which needs the pillow-heif package "
            "(pip install pillow-heif) — or convert it to JPEG or PNG first."
        )
    if data[4:8] == b"ftyp" and data[8:12] in _AVIF_BRANDS:
        return f"{display} is an AVIF image this Pillow cannot read; convert it to JPEG or PNG first."
    for magic, fmt in _MAGIC_NAMES:
        if head.startswith(magic):
            return f"{display} starts like a {fmt} file but is truncated or damaged."
    if head.startswith(b"%PDF"):
        return f"{display} is a PDF, not an image; export the page as PNG or JPEG."
    text = _as_text(data[:4096])
    if text is not None:
        if "<svg" in text.lower():
            return f"{display} is an SVG drawing; only bitmap images can be sent (export it as PNG)."
        return f"{display} is not an image (it contains text)."
    return f"{display} is not an image grokterm can read."


def _as_text(chunk: bytes) -> str | None:
    try:
        text = chunk.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = chunk[:-3].decode("utf-8")  # the chunk may end inside a multi-byte character
        except UnicodeDecodeError:
            return None
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return text if text and printable / len(text) > 0.95 else None
