"""Small decoded previews for the UI (attachment chips, history thumbnails).

Why here and not in the UI: decoding untrusted files needs the same guards as
`prepare_image` (size caps, bomb guard, truncation, orientation), and the
layer rule keeps Pillow work out of Textual code.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from grokterm.media.decode import decode_first_frame, display_name, open_image, read_source
from grokterm.media.encode import LANCZOS
from grokterm.media.normalise import to_rgb_or_rgba
from grokterm.media.prepare import DEFAULT_LIMITS
from grokterm.media.prepared import PreparedImage


def thumbnail(source: PreparedImage | bytes | Path | str, max_size: int | tuple[int, int]) -> Image.Image:
    """A loaded RGB/RGBA/L image no larger than `max_size` (an int means a square box), upright.

    Raises ImageError like `prepare_image` does.
    """
    box: tuple[int, int] = (max_size, max_size) if isinstance(max_size, int) else (max_size[0], max_size[1])
    if box[0] < 1 or box[1] < 1:
        raise ValueError("max_size must be at least 1 pixel")
    if isinstance(source, PreparedImage):
        data, display = source.encoded, source.original_name
    else:
        display = display_name(source, None)
        data = read_source(source, display, DEFAULT_LIMITS)
    opened = open_image(data, display)
    try:
        frame = decode_first_frame(opened, display, DEFAULT_LIMITS, max(box))
        image = to_rgb_or_rgba(frame.image, [])
        image = image.copy() if image is frame.image else image  # detach from the file object
        image.thumbnail(box, LANCZOS, reducing_gap=2.0)
        image.info = {}
        return image
    finally:
        opened.close()
