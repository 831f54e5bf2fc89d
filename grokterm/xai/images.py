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

The URL comes from the server, so it must not make grokterm a probe of the user's own network
(a router's admin page, a cloud metadata service at 169.254.169.254, a local daemon): unless the
configured API base URL is itself on this machine (the emulator, `--demo`), `DownloadGuard`
refuses every hop (the URL and each redirect, followed by hand, at most MAX_REDIRECTS) whose
host is or resolves to a loopback, private, link-local, shared, multicast or otherwise
non-public address, and the request then connects to exactly the addresses it checked (the
name is not resolved twice, so a DNS answer that changes in between cannot get round it) —
except through a proxy from the environment, which connects by name itself.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import ipaddress
import socket
from collections.abc import Awaitable, Callable
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
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), parts.hostname
    except ValueError:  # a broken IPv6 literal
        scheme, host = "", None
    if scheme not in ("http", "https") or not host:
        raise MalformedResponseError("unreadable reply: a generated image URL is not an http(s) URL")


class ImageURLRefused(MalformedResponseError):
    """A generated image URL (or a redirect) pointing at an address grokterm will not fetch from."""

    summary = "generated image URL refused"


Resolver = Callable[[str, int], Awaitable[list[str]]]  # (host, port) -> the addresses it resolves to


async def resolve_host(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to (the system resolver, off the event loop)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def address_problem(address: str) -> str | None:
    """Why `address` (an IP literal) is not a public one, or None when it is."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone ("fe80::1%eth0") says nothing more
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for test, why in (("is_loopback", "a loopback address"), ("is_link_local", "a link-local address"),
                      ("is_unspecified", "an unspecified address"), ("is_multicast", "a multicast address"),
                      ("is_private", "a private address")):
        if getattr(ip, test):
            return why
    return None if ip.is_global else "not a public address"


def is_loopback_url(url: str) -> bool:
    """True when `url`'s host is this machine: `localhost` (or a name under it) or a loopback literal."""
    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


@dataclass(frozen=True)
class DownloadGuard:
    """Which addresses a generated image may be fetched from (see the module docstring).

    `allow_local`: also loopback/private/link-local ones (when the API itself is on this machine).
    `resolve`: how host names become addresses (the system resolver unless a test gives its own)."""

    allow_local: bool = False
    resolve: Resolver = resolve_host

    @classmethod
    def for_base_url(cls, base_url: str) -> DownloadGuard:
        return cls(allow_local=is_loopback_url(base_url))

    async def check(self, url: str) -> list[str]:
        """Raise ImageURLRefused unless `url` is http(s) to an address this guard allows. Returns the
        checked addresses of a host name, to connect to exactly those ([] when there is nothing to pin:
        an IP literal, a name that does not resolve here, or local addresses allowed anyway)."""
        check_download_url(url)
        if self.allow_local:
            return []
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
        why = address_problem(host)
        addresses: list[str] = []
        if why is None and (host == "localhost" or host.endswith(".localhost")):
            why = "this machine"
        if why is None and not _is_ip_literal(host):
            try:
                port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
            except ValueError:
                raise MalformedResponseError("unreadable reply: a generated image URL has a bad port") from None
            try:
                addresses = list(dict.fromkeys(await self.resolve(host, port)))
            except (OSError, UnicodeError):
                return []  # it cannot be reached either (or only through a proxy, which resolves it)
            for address in addresses:
                if (why := address_problem(address)) is not None:
                    why = f"{why} ({address})"
                    break
        if why is not None:
            raise ImageURLRefused(
                f"refused to fetch a generated image from {host}: it is {why}. Images are fetched only from "
                "public addresses unless the API base URL is itself on this machine (the emulator, --demo)"
            )
        return addresses


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def download_client(connect_timeout: float, user_agent: str) -> httpx.AsyncClient:
    """The HTTP client for picture URLs: no Authorization header (the key stays with the API) and
    no automatic redirects (download_image checks each hop with its guard)."""
    import httpx

    return httpx.AsyncClient(follow_redirects=False, timeout=httpx.Timeout(DOWNLOAD_TIMEOUT, connect=connect_timeout),
                             headers={"User-Agent": user_agent})


async def download_image(http: httpx.AsyncClient, url: str, *, guard: DownloadGuard | None = None,
                         max_bytes: int = MAX_IMAGE_BYTES, seconds: float = DOWNLOAD_TIMEOUT) -> bytes:
    """GET one picture, at most `max_bytes` within `seconds` overall, from addresses `guard` allows
    (default: public ones only), following at most MAX_REDIRECTS redirects; raises XAIError."""
    import httpx

    from grokterm.xai.errors import APIConnectionError, APITimeoutError, error_from_status

    guard = guard or DownloadGuard()
    check_download_url(url)
    host = urlsplit(url).netloc
    try:
        async with asyncio.timeout(seconds):
            for _hop in range(MAX_REDIRECTS + 1):
                addresses = await guard.check(url)
                host = urlsplit(url).netloc
                response = await _send_pinned(http, url, addresses)
                try:
                    if response.is_redirect:
                        url = str(httpx.URL(url).join(response.headers.get("location", "")))
                        continue
                    if response.status_code >= 400:
                        raise error_from_status(response.status_code, f"fetching a generated image from {host}")
                    return await _read_capped(response, host, max_bytes)
                finally:
                    await response.aclose()
            raise MalformedResponseError(f"too many redirects fetching a generated image from {host}")
    except TimeoutError:
        raise APITimeoutError(f"timed out fetching a generated image from {host} after {seconds:g} s") from None
    except httpx.UnsupportedProtocol:
        raise MalformedResponseError("a generated image URL redirected away from http(s)") from None
    except httpx.InvalidURL:
        raise MalformedResponseError(f"a generated image URL from {host} is not a valid URL") from None
    except httpx.TransportError as exc:
        raise APIConnectionError(
            f"cannot fetch a generated image from {host} ({str(exc) or type(exc).__name__})"
        ) from None


def _through_proxy(http: httpx.AsyncClient, url: httpx.URL) -> bool:
    """True when the environment's proxy settings (which httpx follows) send `url` through a proxy."""
    import urllib.request

    if not http.trust_env:
        return False
    proxies = urllib.request.getproxies_environment()
    if not (proxies.get(url.scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass(url.host)  # NO_PROXY (and, off Linux, the system settings)


async def _send_pinned(http: httpx.AsyncClient, url: str, addresses: list[str]) -> httpx.Response:
    """GET `url` (streamed, no redirects) connecting only to `addresses`, the ones the guard checked,
    one after the other while they refuse connections: the name is not resolved a second time, so a
    DNS answer that changes after the check (rebinding) cannot redirect the request. The Host header
    and TLS (SNI and certificate check, via httpcore's `sni_hostname`) still use the name."""
    import httpx

    target = httpx.URL(url)
    if not addresses or _through_proxy(http, target):  # a proxy connects by name (and may allow only names)
        return await http.send(http.build_request("GET", target), stream=True, follow_redirects=False)
    failure: httpx.ConnectError | None = None
    for address in addresses:
        request = http.build_request("GET", target.copy_with(host=address.split("%", 1)[0]),
                                     headers={"Host": target.netloc.decode("ascii")},
                                     extensions={"sni_hostname": target.host})
        try:
            return await http.send(request, stream=True, follow_redirects=False)
        except httpx.ConnectError as error:
            failure = error
    assert failure is not None
    raise failure


async def _read_capped(response: httpx.Response, host: str, max_bytes: int) -> bytes:
    """The picture's bytes, at most `max_bytes` after decompression: inflated in bounded steps
    (grokterm.xai.limits), so a small gzip bomb never becomes a big buffer."""
    from grokterm.xai.limits import LimitExceeded, read_bounded

    too_big = f"a generated image at {host} is over {max_bytes / 2**20:g} MiB"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes and not response.headers.get("content-encoding"):
        raise MalformedResponseError(too_big)
    if response.is_stream_consumed:  # a transport that handed over the body already read (tests' mocks)
        if len(response.content) > max_bytes:
            raise MalformedResponseError(too_big)
        return response.content
    try:
        return await read_bounded(response, max_bytes, "a generated image")
    except LimitExceeded as exceeded:
        raise MalformedResponseError(too_big if "larger than" in str(exceeded) else str(exceeded)) from None


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
    "DownloadGuard",
    "GeneratedImage",
    "ImageGeneration",
    "ImageRequest",
    "ImageURLRefused",
    "ResponseFormat",
    "check_download_url",
    "clean_revised_prompt",
    "decode_b64",
    "download_client",
    "download_image",
    "parse_generation",
    "picture_from_bytes",
    "sniff_mime",
]
