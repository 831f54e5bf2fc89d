"""Pictures of attachments, made with Pillow in worker threads: chip thumbnails and previews.

No widgets here: the chips, the image preview, the attach glue (`grokterm.ui.attach`) and the
image viewer all use these, so they live below all of them and import nothing of the UI.
A thumbnail made while an image is prepared is kept with that image (`cached_thumbnail`), so a
chip draws at once; the cache is keyed by the image and forgets it with the image.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grokterm.media import ImageError, ImageLimits, human_size

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

    from grokterm.media import PreparedImage

THUMBNAIL_BOX = 96  # pixels: enough for a chip (a few cells) and cheap to draw every frame
PREVIEW_BOX = 320  # pixels: the attach screen's preview pane
_NEUTRAL_BACKGROUND = (128, 128, 128)  # transparent areas of a thumbnail

# Thumbnails made while preparing, so a chip can draw at once (keys die with their images).
_thumbnails: weakref.WeakKeyDictionary[PreparedImage, PILImage] = weakref.WeakKeyDictionary()


def make_thumbnail(source: Any, box: int = THUMBNAIL_BOX) -> PILImage:
    """An upright RGB thumbnail (transparency flattened on grey) no bigger than box × box."""
    from PIL import Image

    from grokterm.media import thumbnail

    picture = thumbnail(source, box)
    if picture.mode in ("RGBA", "LA") or "transparency" in picture.info:
        rgba = picture.convert("RGBA")
        flat = Image.new("RGB", rgba.size, _NEUTRAL_BACKGROUND)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return picture.convert("RGB")


def prepare_for_ui(source: Path | str | bytes, limits: ImageLimits, name: str | None = None) -> PreparedImage:
    """prepare_image plus the chip's thumbnail, both in the calling (worker) thread."""
    from grokterm.media import prepare_image

    image = prepare_image(source, limits=limits, name=name)
    remember_thumbnail(image)
    return image


def clipboard_for_ui(limits: ImageLimits) -> PreparedImage:
    """The clipboard's image, prepared, with its thumbnail (runs helper tools: call in a thread)."""
    from grokterm.media import grab_clipboard_image

    image = grab_clipboard_image(limits=limits)
    remember_thumbnail(image)
    return image


def remember_thumbnail(image: PreparedImage) -> None:
    try:
        _thumbnails[image] = make_thumbnail(image)
    except ImageError:  # the encoded image always decodes; never fail an attachment over its preview
        pass


def cached_thumbnail(image: PreparedImage) -> PILImage | None:
    return _thumbnails.get(image)


def stored_thumbnail(store: Any, attachment: Any, box: int = THUMBNAIL_BOX) -> PILImage | None:
    """Thumbnail of an attachment kept by the store (call in a thread); None when its file is
    missing or unreadable, so history still shows the chip text."""
    data = store.attachment_bytes(attachment)
    if data is None:
        return None
    try:
        return make_thumbnail(data, box)
    except ImageError:
        return None


@dataclass(frozen=True)
class FilePreview:
    """What the attach screen shows for a highlighted file."""

    picture: PILImage
    description: str  # "3840×2160 PNG · 2.1 MB"


def preview_file(path: Path) -> FilePreview:
    """A preview-sized thumbnail and one line about the file (raises ImageError)."""
    from PIL import Image

    picture = make_thumbnail(path, PREVIEW_BOX)
    try:
        size = path.stat().st_size
        with Image.open(path) as opened:  # header only: the dimensions as stored
            width, height, kind = opened.width, opened.height, opened.format or "image"
    except OSError as error:
        raise ImageError(f"{path.name} can no longer be read: {error.strerror or error}") from error
    return FilePreview(picture, f"{width}×{height} {kind} · {human_size(size)}")
