"""Pick JPEG or PNG and encode within the byte budget.

The PNG-vs-JPEG rule (documented for users in the module docstring of
grokterm.media): PNG when the image has real transparency (some alpha < 255)
or at most `png_max_colors` (256) distinct colours in the source (32 grey
levels for greyscale, where 256 is every possible value) — line art, diagrams,
simple charts, 1-bit scans, palette images (a JPEG source always stays JPEG);
JPEG for everything
else (photos, and screenshots with anti-aliased text and gradients, which
typically have thousands of colours). Why this rule: it needs one cheap pass
(`getcolors` stops counting at the threshold), never encodes twice, and keeps
sharp edges lossless exactly where JPEG would smear them.

Fitting the budget: JPEG quality steps down (to 60 at the lowest), then the
image is scaled down; an opaque PNG that is too big becomes JPEG; a transparent
PNG is scaled down.
"""

from __future__ import annotations

import io
import math

from PIL import Image

from grokterm.media.errors import ImageError
from grokterm.media.limits import ImageLimits
from grokterm.media.prepared import human_size

LANCZOS = Image.Resampling.LANCZOS
REDUCING_GAP = 3.0  # integer-factor reduce() first, then Lanczos: much faster, visually the same
MIN_JPEG_QUALITY = 60
MIN_LONG_SIDE = 64
GREY_PNG_MAX_LEVELS = 32


def choose_format(image: Image.Image, limits: ImageLimits, source_format: str) -> str:
    """"PNG" or "JPEG" for a normalised (RGB/RGBA/L) image, before resizing."""
    if image.mode == "RGBA":
        return "PNG"  # drop_opaque_alpha already turned fully opaque RGBA into RGB
    if source_format == "JPEG":
        return "JPEG"  # already lossy: PNG would only be bigger
    threshold = limits.png_max_colors
    if image.mode == "L":
        threshold = min(threshold, GREY_PNG_MAX_LEVELS)  # any grey image has <= 256 levels
    if threshold and image.getcolors(maxcolors=threshold) is not None:
        return "PNG"
    return "JPEG"


def resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    if image.size == size:
        return image
    return image.resize(size, LANCZOS, reducing_gap=REDUCING_GAP)


def encode(image: Image.Image, fmt: str, quality: int) -> bytes:
    """Encode with no metadata at all (no EXIF, ICC, text chunks, DPI)."""
    if image.mode == "L":
        image = image.convert("RGB")
    image.info = {}  # PNG's encoder would otherwise copy e.g. icc_profile from info
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.save(buffer, "JPEG", quality=quality, optimize=True)
    else:
        image.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


def encode_within_budget(
    image: Image.Image, fmt: str, limits: ImageLimits, display: str, notes: list[str]
) -> tuple[bytes, str, Image.Image]:
    """Encoded bytes no larger than `limits.encoded_budget()`; returns (bytes, format, final image)."""
    budget = limits.encoded_budget()
    quality = limits.jpeg_quality
    fitted_size = image.size
    switched = False
    for _ in range(16):
        data = encode(image, fmt, quality)
        if len(data) <= budget:
            _note_budget_changes(notes, limits, quality, fitted_size, image.size, switched, budget)
            return data, fmt, image
        if fmt == "PNG" and image.mode != "RGBA":
            fmt, switched = "JPEG", True
            continue
        if fmt == "JPEG" and quality > MIN_JPEG_QUALITY:
            quality = max(MIN_JPEG_QUALITY, quality - 10)
            continue
        scale = min(0.9, math.sqrt(budget / len(data)) * 0.95)
        size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
        if max(size) < MIN_LONG_SIDE:
            break
        image = resize(image, size)
    raise ImageError(f"{display} cannot be made smaller than {human_size(budget)} for sending.")


def _note_budget_changes(
    notes: list[str],
    limits: ImageLimits,
    quality: int,
    fitted: tuple[int, int],
    final: tuple[int, int],
    switched: bool,
    budget: int,
) -> None:
    cap = human_size(budget)
    if switched:
        notes.append(f"saved as JPEG to stay under {cap}")
    if quality != limits.jpeg_quality:
        notes.append(f"JPEG quality lowered to {quality} to stay under {cap}")
    if final != fitted:
        notes.append(f"scaled down to {final[0]}×{final[1]} to stay under {cap}")
