"""Decoding image inputs so a vision round trip can be verified end to end.

The emulator cannot look at pictures, but it can tell the client exactly what
arrived (format, pixel size, byte size), which proves the client's encoding.
Only data URLs are accepted (there is no network); limits follow xAI's docs:
JPEG/PNG only, at most 20 MiB decoded.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import math
from dataclasses import dataclass

from PIL import Image

from grokterm.emulator.errors import ApiError

MAX_IMAGE_BYTES = 20 * 1024 * 1024
ALLOWED_FORMATS = ("JPEG", "PNG")
TILE_PIXELS = 448
TOKENS_PER_TILE = 256
MAX_TILES = 7


@dataclass(frozen=True)
class ImageInfo:
    format: str  # "PNG" or "JPEG"
    width: int
    height: int
    byte_size: int
    digest: str  # sha1 of the bytes (prompt-cache identity)
    detail: str = "auto"

    @property
    def tokens(self) -> int:
        return image_tokens(self.width, self.height)

    def describe(self, number: int) -> str:
        """E.g. "Image 1: PNG, 1920×1080 px, 312,456 bytes"."""
        return f"Image {number}: {self.format}, {self.width}×{self.height} px, {self.byte_size:,} bytes"


def image_tokens(width: int, height: int) -> int:
    """256 per 448-px tile, 1 to 7 tiles (inside the documented 256-1792 range)."""
    tiles = math.ceil(width / TILE_PIXELS) * math.ceil(height / TILE_PIXELS)
    return TOKENS_PER_TILE * min(max(tiles, 1), MAX_TILES)


def decode_image_url(url: object, detail: object = "auto") -> ImageInfo:
    """Decode and check a `data:image/...;base64,` URL; ApiError(400) when unusable."""
    if not isinstance(url, str) or not url:
        raise ApiError(400, "Image URL must be a non-empty string.")
    if not url.startswith("data:"):
        raise ApiError(400, "The emulator only accepts images as base64 data URLs (data:image/png;base64,...).")
    header, sep, payload = url.partition(",")
    if not sep or ";base64" not in header:
        raise ApiError(400, "Image data URL must be base64-encoded (data:image/<type>;base64,<data>).")
    if len(payload) > (MAX_IMAGE_BYTES * 4) // 3 + 8:
        raise ApiError(400, f"Image size exceeds the maximum of {MAX_IMAGE_BYTES // (1024 * 1024)} MiB.")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "Image data URL does not contain valid base64.") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise ApiError(
            400, f"Image size {len(data):,} bytes exceeds the maximum of {MAX_IMAGE_BYTES // (1024 * 1024)} MiB."
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt, (width, height) = image.format, image.size
    except (Image.DecompressionBombError, OSError, ValueError):
        raise ApiError(400, "Unable to decode the image: the data is not a valid JPEG or PNG file.") from None
    if fmt not in ALLOWED_FORMATS:
        raise ApiError(400, f"Unsupported image format {fmt}: only JPEG and PNG images are supported.")
    return ImageInfo(
        format=fmt, width=width, height=height, byte_size=len(data),
        digest=hashlib.sha1(data).hexdigest(), detail=str(detail or "auto"),
    )
