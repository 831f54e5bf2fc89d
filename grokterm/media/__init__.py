"""Images for the API: validate, orient, convert, downscale and encode as data URLs (Pillow, no Textual).

Public API (imported lazily, so `import grokterm.media` does not load Pillow):
    prepare_image(source, *, limits=ImageLimits(), detail="auto", name=None) -> PreparedImage
    parse_pasted_paths(text) -> (list[Path], remaining_text)
    grab_clipboard_image(*, limits=..., detail=...) -> PreparedImage
    latest_screenshot(folder=None) -> Path
    thumbnail(source, max_size) -> PIL.Image.Image
    ImageLimits, PreparedImage, ImageError, IMAGE_EXTENSIONS

PNG or JPEG: PNG when the image has real transparency or at most 256 distinct
colours (32 grey levels for greyscale): line art, diagrams, palette images.
JPEG otherwise (photos, most screenshots); a JPEG source stays JPEG. Details in encode.py.

Huge dimensions: Pillow's decompression-bomb guard is kept. Above 2 × MAX_IMAGE_PIXELS
(≈179 MP, e.g. 20000×20000) Pillow refuses at the header and we say so in one line.
Between MAX_IMAGE_PIXELS (≈89.5 MP) and that, we refuse too, unless the image is a JPEG
that libjpeg's draft mode can decode at 1/2-1/8 scale under the limit (big phone photos).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "prepare_image": "grokterm.media.prepare",
    "PreparedImage": "grokterm.media.prepared",
    "human_size": "grokterm.media.prepared",
    "ImageLimits": "grokterm.media.limits",
    "ImageError": "grokterm.media.errors",
    "parse_pasted_paths": "grokterm.media.paste",
    "why_not_attached": "grokterm.media.paste",
    "IMAGE_EXTENSIONS": "grokterm.media.paste",
    "grab_clipboard_image": "grokterm.media.clipboard",
    "latest_screenshot": "grokterm.media.screenshot_folders",
    "thumbnail": "grokterm.media.preview",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from grokterm.media.clipboard import grab_clipboard_image as grab_clipboard_image
    from grokterm.media.errors import ImageError as ImageError
    from grokterm.media.limits import ImageLimits as ImageLimits
    from grokterm.media.paste import IMAGE_EXTENSIONS as IMAGE_EXTENSIONS
    from grokterm.media.paste import parse_pasted_paths as parse_pasted_paths
    from grokterm.media.paste import why_not_attached as why_not_attached
    from grokterm.media.prepare import prepare_image as prepare_image
    from grokterm.media.prepared import PreparedImage as PreparedImage
    from grokterm.media.prepared import human_size as human_size
    from grokterm.media.preview import thumbnail as thumbnail
    from grokterm.media.screenshot_folders import latest_screenshot as latest_screenshot


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'grokterm.media' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
