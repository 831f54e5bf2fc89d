"""Size and quality limits for images sent to the API, in one value object.

Why: the limits come from three places (the API's documented caps, memory
safety, the user's config) and every step of the pipeline needs them; a frozen
dataclass keeps them together and validated, without importing Pillow.
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024
DATA_URL_PREFIX_MAX = len("data:image/jpeg;base64,")  # the longer of the two prefixes we emit


@dataclass(frozen=True)
class ImageLimits:
    """What `prepare_image` may produce and what it is willing to read.

    - max_long_side: the longest edge of the sent image, in pixels.
    - max_encoded_bytes: the encoded (raw JPEG/PNG) image at most this big.
      xAI documents 10 MiB (older docs) and 20 MiB (current docs) without saying
      whether the cap is on the image or its base64 form, so by default both
      the raw bytes (10 MiB) and the data URL text (max_data_url_bytes, 10 MiB,
      i.e. about 7.5 MiB raw) are kept under 10 MiB.
    - max_input_bytes: files bigger than this are refused before decoding.
    - jpeg_quality: starting JPEG quality; lowered only to fit the byte caps.
    - max_pixels: most pixels we decode (None = Pillow's Image.MAX_IMAGE_PIXELS,
      about 89.5 MP). JPEGs above it are still fine when Pillow's draft mode can
      decode them at 1/2, 1/4 or 1/8 scale under the cap. Pillow's own
      decompression-bomb error (at 2 x MAX_IMAGE_PIXELS) always applies first:
      this setting can lower the guard, never raise it.
    - png_max_colors: an opaque image with at most this many distinct colours
      is line art / a diagram and stays PNG; otherwise it becomes JPEG.
    """

    max_long_side: int = 2048
    max_encoded_bytes: int = 10 * MiB
    max_data_url_bytes: int = 10 * MiB
    max_input_bytes: int = 50 * MiB
    jpeg_quality: int = 85
    max_pixels: int | None = None
    png_max_colors: int = 256

    def __post_init__(self) -> None:
        if self.max_long_side < 16:
            raise ValueError("max_long_side must be at least 16 pixels")
        for name in ("max_encoded_bytes", "max_data_url_bytes", "max_input_bytes"):
            if getattr(self, name) < 1024:
                raise ValueError(f"{name} must be at least 1024 bytes")
        if not 1 <= self.jpeg_quality <= 100:
            raise ValueError("jpeg_quality must be between 1 and 100")
        if self.max_pixels is not None and self.max_pixels < 1:
            raise ValueError("max_pixels must be positive (or None for Pillow's default)")
        if self.png_max_colors < 0:
            raise ValueError("png_max_colors must not be negative")

    def encoded_budget(self) -> int:
        """Largest encoded image (bytes) that satisfies both byte caps."""
        base64_room = (self.max_data_url_bytes - DATA_URL_PREFIX_MAX) // 4 * 3
        return min(self.max_encoded_bytes, base64_room)

    def pixel_limit(self) -> int | None:
        """Most pixels we agree to decode, resolved against Pillow's current guard."""
        from PIL import Image  # lazy: this module stays importable without Pillow's cost

        pillow = Image.MAX_IMAGE_PIXELS
        if self.max_pixels is None:
            return pillow
        return self.max_pixels if pillow is None else min(self.max_pixels, pillow)
