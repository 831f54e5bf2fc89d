"""`prepare_image`: anything the user points at → an image the API accepts.

Steps: read (refuse folders, empty, oversized, vanished files) → identify
(refuse non-images, HEIC without plugin, decompression bombs) → decode the
first frame fully (truncation shows here; big JPEGs decode at reduced scale)
→ EXIF orientation → 8-bit RGB/RGBA → choose PNG or JPEG (see encode.py) →
Lanczos downscale to `max_long_side` → sRGB → encode without metadata within
the byte budget. Synchronous and CPU-bound: the UI runs it in a worker thread
(Pillow releases the GIL while decoding, resizing and encoding).
"""

from __future__ import annotations

from pathlib import Path

from grokterm.media.decode import decode_first_frame, display_name, fit_within, open_image, read_source
from grokterm.media.encode import choose_format, encode_within_budget, resize
from grokterm.media.errors import ImageError
from grokterm.media.limits import ImageLimits
from grokterm.media.normalise import drop_opaque_alpha, to_rgb_or_rgba, to_srgb
from grokterm.media.prepared import DETAILS, Detail, PreparedImage

DEFAULT_LIMITS = ImageLimits()


def prepare_image(
    source: Path | str | bytes,
    *,
    limits: ImageLimits = DEFAULT_LIMITS,
    detail: Detail = "auto",
    name: str | None = None,
) -> PreparedImage:
    """Validate, orient, convert, downscale and encode `source` (a path or the file's bytes).

    Raises ImageError (one human line) for anything unusable.
    """
    if detail not in DETAILS:
        raise ValueError(f"detail must be one of {', '.join(DETAILS)}, not {detail!r}")
    display = display_name(source, name)
    data = read_source(source, display, limits)
    opened = open_image(data, display)
    try:
        frame = decode_first_frame(opened, display, limits, limits.max_long_side)
        notes = frame.notes
        icc_profile = frame.image.info.get("icc_profile")
        try:
            image = drop_opaque_alpha(to_rgb_or_rgba(frame.image, notes))
        except (ValueError, OSError) as error:
            mode = frame.image.mode
            raise ImageError(f"{display} uses the {mode} colour mode, which cannot be converted.") from error
        fmt = choose_format(image, limits, frame.format)
        target = fit_within((frame.width, frame.height), limits.max_long_side)
        if target != (frame.width, frame.height):
            notes.append(f"downscaled from {frame.width}×{frame.height}")
        image = to_srgb(resize(image, target), icc_profile if frame.image.mode != "CMYK" else None)
        encoded, fmt, final = encode_within_budget(image, fmt, limits, display, notes)
    finally:
        opened.close()
    return PreparedImage(
        encoded=encoded,
        mime="image/png" if fmt == "PNG" else "image/jpeg",
        width=final.width,
        height=final.height,
        original_name=display,
        original_format=frame.format,
        original_width=frame.width,
        original_height=frame.height,
        original_bytes=len(data),
        detail=detail,
        notes=notes,
    )
