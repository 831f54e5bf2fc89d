"""Image generation: `POST /v1/images/generations`, and fetching the pictures it returns.

Wire facts (sources in docs/api/images.md): the request is `{model, prompt, n, response_format}`
with `n` 1–10 and `response_format` `url` (the API's default) or `b64_json`; each item of `data`
carries `url` or `b64_json`, a `revised_prompt` and (newer servers) `mime_type`. A request the
moderation blocks comes back either as an HTTP 400 or as a reply with `block_reason` set.

Why this module downloads URLs itself, with its own HTTP client: the URLs point at xAI's image
host (on the emulator, at the emulator), so the API key must never go with them; and whatever
host it is, a picture is fetched only over http/https, within MAX_IMAGE_BYTES and
DOWNLOAD_TIMEOUT seconds. Bytes are checked to be a picture format we know by their magic
number (full decoding is the media layer's job); nothing here imports Pillow or Textual.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, ValidationError

from grokterm import defaults
from grokterm.xai.errors import ContentPolicyError, MalformedResponseError

if TYPE_CHECKING:
    import httpx

ResponseFormat = Literal["url", "b64_json"]
RESPONSE_FORMATS: tuple[ResponseFormat, ...] = ("url", "b64_json")
DEFAULT_IMAGE_MODEL = defaults.IMAGE_MODEL
MAX_IMAGES = 10
MAX_IMAGE_BYTES = 20 * 1024 * 1024
DOWNLOAD_TIMEOUT = 60.0
MAX_REDIRECTS = 3

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff_mime(data: bytes) -> str | None:
    """The picture type of `data` by its first bytes (JPEG, PNG, WebP, GIF), else None."""
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


class WireImage(BaseModel):
    model_config = ConfigDict(extra="allow")
    url: str | None = None
    b64_json: str | None = None
    revised_prompt: str | None = None
    mime_type: str | None = None


class WireImages(BaseModel):
    model_config = ConfigDict(extra="allow")
    data: list[WireImage] | None = None
    block_reason: str | None = None
    usage: dict[str, Any] | None = None


@dataclass(frozen=True)
class ImageRequest:
    """One generation request; `payload()` is exactly what goes on the wire."""

    prompt: str
    model: str = DEFAULT_IMAGE_MODEL
    n: int = 1
    response_format: ResponseFormat = "b64_json"

    def __post_init__(self) -> None:
        if not self.prompt.strip():
            raise ValueError("the prompt is empty")
        if not 1 <= self.n <= MAX_IMAGES:
            raise ValueError(f"n must be between 1 and {MAX_IMAGES}")
        if self.response_format not in RESPONSE_FORMATS:
            raise ValueError("response_format must be url or b64_json")

    def payload(self) -> dict[str, Any]:
        return {"model": self.model, "prompt": self.prompt, "n": self.n, "response_format": self.response_format}


@dataclass(frozen=True)
class GeneratedImage:
    data: bytes
    mime: str  # from the bytes themselves, not from what the server claimed
    revised_prompt: str  # "" when the server sent none
    url: str | None = None  # where it was fetched from (response_format url)


@dataclass(frozen=True)
class ImageGeneration:
    model: str
    prompt: str
    images: tuple[GeneratedImage, ...]
    cost_ticks: int | None = None

    @property
    def revised_prompts(self) -> list[str]:
        """The distinct revised prompts, in order (often one for all images)."""
        seen: list[str] = []
        for image in self.images:
            if image.revised_prompt and image.revised_prompt not in seen:
                seen.append(image.revised_prompt)
        return seen


def clean_revised_prompt(text: str | None) -> str:
    """Drop the model's end markers (`<|separator|><|eos|>`, seen in xAI's own example)."""
    if not text:
        return ""
    for marker in ("<|separator|>", "<|eos|>"):
        text = text.replace(marker, "")
    return text.strip()


def decode_b64(text: str) -> bytes:
    """Base64 picture bytes; a `data:image/...;base64,` prefix (shown in older docs) is allowed."""
    if text.startswith("data:"):
        _, _, text = text.partition(",")
    if len(text) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        raise MalformedResponseError(f"unreadable reply: a generated image is over {MAX_IMAGE_BYTES // 2**20} MiB")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedResponseError("unreadable reply: a generated image is not valid base64") from None


def parse_generation(request: ImageRequest, data: Any) -> tuple[list[WireImage], int | None]:
    """The image items of a 200 reply; raises ContentPolicyError for a blocked request."""
    try:
        wire = WireImages.model_validate(data)
    except ValidationError:
        raise MalformedResponseError("unreadable reply: unexpected image generation shape") from None
    if wire.block_reason:
        raise ContentPolicyError(f"{ContentPolicyError.summary}: {wire.block_reason}")
    items = wire.data or []
    if not items:
        raise MalformedResponseError("unreadable reply: the server returned no images")
    if len(items) > MAX_IMAGES:
        items = items[:MAX_IMAGES]
    ticks = (wire.usage or {}).get("cost_in_usd_ticks")
    return items, ticks if isinstance(ticks, int) and not isinstance(ticks, bool) else None


def check_download_url(url: str) -> None:
    """Only http(s) URLs with a host are fetched (never file:, data:, ftp: or relative ones)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise MalformedResponseError("unreadable reply: a generated image URL is not an http(s) URL")


async def download_image(http: httpx.AsyncClient, url: str, *, max_bytes: int = MAX_IMAGE_BYTES,
                         seconds: float = DOWNLOAD_TIMEOUT) -> bytes:
    """GET one picture, at most `max_bytes` within `seconds` overall; raises XAIError."""
    import httpx

    from grokterm.xai.errors import APIConnectionError, APITimeoutError, error_from_status

    check_download_url(url)
    host = urlsplit(url).netloc
    try:
        async with asyncio.timeout(seconds):
            async with http.stream("GET", url) as response:
                if response.status_code >= 400:
                    raise error_from_status(response.status_code, f"fetching a generated image from {host}")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise MalformedResponseError(f"a generated image at {host} is over {max_bytes // 2**20} MiB")
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise MalformedResponseError(f"a generated image at {host} is over {max_bytes // 2**20} MiB")
                    chunks.append(chunk)
    except TimeoutError:
        raise APITimeoutError(f"timed out fetching a generated image from {host} after {seconds:g} s") from None
    except httpx.TooManyRedirects:
        raise MalformedResponseError(f"too many redirects fetching a generated image from {host}") from None
    except httpx.UnsupportedProtocol:
        raise MalformedResponseError("a generated image URL redirected away from http(s)") from None
    except httpx.TransportError as exc:
        raise APIConnectionError(
            f"cannot fetch a generated image from {host} ({str(exc) or type(exc).__name__})"
        ) from None
    return b"".join(chunks)


def picture_from_bytes(data: bytes, revised_prompt: str | None, url: str | None = None) -> GeneratedImage:
    if len(data) > MAX_IMAGE_BYTES:
        raise MalformedResponseError(f"a generated image is over {MAX_IMAGE_BYTES // 2**20} MiB")
    mime = sniff_mime(data)
    if mime is None:
        raise MalformedResponseError("unreadable reply: a generated image is not a JPEG, PNG, WebP or GIF picture")
    return GeneratedImage(data=data, mime=mime, revised_prompt=clean_revised_prompt(revised_prompt), url=url)


__all__ = [
    "DEFAULT_IMAGE_MODEL",
    "DOWNLOAD_TIMEOUT",
    "MAX_IMAGES",
    "MAX_IMAGE_BYTES",
    "RESPONSE_FORMATS",
    "GeneratedImage",
    "ImageGeneration",
    "ImageRequest",
    "ResponseFormat",
    "check_download_url",
    "clean_revised_prompt",
    "decode_b64",
    "download_image",
    "parse_generation",
    "picture_from_bytes",
    "sniff_mime",
]
