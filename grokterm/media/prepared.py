"""The result of preparing an image: the bytes to send plus what happened to them.

Why keep both "before" and "after": the composer shows a one-line chip
("shot.png 3840×2160 2.1 MB → 1920×1080 JPEG 412 KB") so the user sees what the
model will actually get, and the store keeps the encoded bytes and their hash.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

Detail = Literal["auto", "low", "high"]
Mime = Literal["image/jpeg", "image/png"]
DETAILS: tuple[str, ...] = ("auto", "low", "high")


def human_size(n: int) -> str:
    """Bytes as a short human string: 512 B, 3.4 KB, 412 KB, 2.1 MB (1 KB = 1024 B)."""
    if n < 1024:
        return f"{n} B"
    if n < 10 * 1024:
        return f"{n / 1024:.1f} KB"
    if n < 1024 * 1024:
        return f"{round(n / 1024)} KB"
    return f"{n / (1024 * 1024):.1f} MB"


@dataclass(frozen=True, eq=False)
class PreparedImage:
    """An image normalised for the API: JPEG or PNG, oriented, metadata stripped, within limits.

    `encoded` is the single source of truth; `data_url`, `sha256` and
    `encoded_bytes` are derived from it. Original dimensions are as displayed
    (after EXIF orientation), so before/after compare like for like.
    """

    encoded: bytes = field(repr=False)
    mime: Mime
    width: int
    height: int
    original_name: str
    original_format: str  # Pillow's format name: "PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF", ...
    original_width: int
    original_height: int
    original_bytes: int
    detail: Detail = "auto"
    notes: list[str] = field(default_factory=list)

    @property
    def encoded_bytes(self) -> int:
        return len(self.encoded)

    @property
    def format(self) -> str:
        """"JPEG" or "PNG"."""
        return "PNG" if self.mime == "image/png" else "JPEG"

    @cached_property
    def data_url(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.encoded).decode('ascii')}"

    @cached_property
    def sha256(self) -> str:
        """Hex SHA-256 of the encoded bytes (what the store keys attachments by)."""
        return hashlib.sha256(self.encoded).hexdigest()

    def chip_text(self) -> str:
        """One line: "shot.png 3840×2160 2.1 MB → 1920×1080 JPEG 412 KB"."""
        return (
            f"{self.original_name} {self.original_width}×{self.original_height} "
            f"{human_size(self.original_bytes)} → {self.width}×{self.height} "
            f"{self.format} {human_size(self.encoded_bytes)}"
        )
