"""Bring any Pillow mode to 8-bit RGB or RGBA, in sRGB, with alpha only when it matters.

Why: the API takes JPEG or PNG, and what decoders hand us ranges from 1-bit
scans and 16-bit PNGs to CMYK print JPEGs and palette GIFs. Naive
`convert("RGB")` clips 16-bit data to white and ignores colour profiles; this
module does those conversions properly and says what it changed.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, cast

from PIL import Image

if TYPE_CHECKING:
    from PIL import ImageCms

log = logging.getLogger(__name__)

_SIXTEEN_BIT = ("I;16", "I;16L", "I;16B", "I;16N")
_srgb_profile: ImageCms.ImageCmsProfile | None = None


def to_rgb_or_rgba(image: Image.Image, notes: list[str]) -> Image.Image:
    """8-bit RGB, RGBA or L (L becomes RGB at encode time; resizing one band is cheaper)."""
    mode = image.mode
    if mode in ("RGB", "RGBA", "L"):
        return image
    if mode == "1":
        return image.convert("L")
    if mode in _SIXTEEN_BIT or mode == "I":
        if mode != "I":
            notes.append("16-bit image reduced to 8 bits")
        return _integer_to_l(image if mode == "I" else image.convert("I"))
    if mode == "F":
        return _float_to_l(image)
    if mode in ("P", "PA"):
        palette_mode = image.palette.mode if image.palette is not None else ""
        wants_alpha = mode == "PA" or "transparency" in image.info or palette_mode == "RGBA"
        return image.convert("RGBA" if wants_alpha else "RGB")
    if mode in ("LA", "La", "RGBa"):
        return image.convert("RGBA")
    if mode == "CMYK":
        notes.append("converted from CMYK to RGB")
        return _cmyk_to_rgb(image)
    return image.convert("RGB")  # YCbCr, HSV, ...; LAB and exotic modes raise, caller reports it


def drop_opaque_alpha(image: Image.Image) -> Image.Image:
    """RGBA whose alpha is 255 everywhere carries no transparency: make it RGB."""
    if image.mode == "RGBA" and image.getchannel("A").getextrema()[0] == 255:
        return image.convert("RGB")
    return image


def to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Convert RGB/RGBA pixels from their embedded profile (e.g. Display P3 screenshots) to sRGB.

    Metadata is stripped on encode, so without this step the model would see
    the numbers of a wide-gamut image interpreted as sRGB. Any failure keeps the
    pixels as they are: colour accuracy is a nicety, not a reason to refuse.
    """
    if not icc_profile or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        if source.profile.xcolor_space.strip() != "RGB":
            return image
        if "srgb" in (ImageCms.getProfileDescription(source) or "").lower():
            return image
        converted = ImageCms.profileToProfile(image, source, _srgb(), outputMode=image.mode)
        return converted if converted is not None else image
    except Exception:
        log.debug("ICC profile conversion failed; keeping the pixels as they are", exc_info=True)
        return image


def _srgb() -> ImageCms.ImageCmsProfile:
    global _srgb_profile
    if _srgb_profile is None:
        from PIL import ImageCms

        _srgb_profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return _srgb_profile


def _band_extrema(image: Image.Image) -> tuple[float, float]:
    """(min, max) of a one-band image (Pillow types getextrema for every band count at once)."""
    low, high = cast("tuple[float, float]", image.getextrema())
    return low, high


def _integer_to_l(image: Image.Image) -> Image.Image:
    """32-bit integer pixels to 8 bits by scaling, not clipping (16-bit PNGs would turn white)."""
    low, high = _band_extrema(image)
    if low >= 0 and high <= 255:
        return image.convert("L")
    if low >= 0 and high <= 65535:
        return image.point(lambda value: value * (255 / 65535)).convert("L")
    span = max(1, high - low)
    return image.point(lambda value: (value - low) * (255 / span)).convert("L")


def _float_to_l(image: Image.Image) -> Image.Image:
    low, high = _band_extrema(image)
    if low >= 0 and high <= 1.0:
        return image.point(lambda value: value * 255).convert("L")
    if low >= 0 and high <= 255:
        return image.convert("L")
    span = (high - low) or 1.0
    return image.point(lambda value: (value - low) * (255 / span)).convert("L")


def _cmyk_to_rgb(image: Image.Image) -> Image.Image:
    profile = image.info.get("icc_profile")
    if profile:
        try:
            from PIL import ImageCms

            converted = ImageCms.profileToProfile(
                image, ImageCms.ImageCmsProfile(io.BytesIO(profile)), _srgb(), outputMode="RGB"
            )
            if converted is not None:
                return converted
        except Exception:
            log.debug("CMYK conversion with the embedded profile failed; converting plainly", exc_info=True)
    return image.convert("RGB")
