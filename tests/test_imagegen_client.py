"""Image generation: XAIClient.generate_images against the emulator (both response formats, refusals,
downloads without the key and within limits) and the emulator's strictness about the request."""

from __future__ import annotations

import asyncio
import base64
import io

import httpx
import pytest
from PIL import Image

from grokterm.emulator.faults import Fault
from grokterm.xai.client import XAIClient
from grokterm.xai.errors import (
    BadRequestError,
    ContentPolicyError,
    MalformedResponseError,
    NotFoundError,
    ServerError,
    XAIError,
)
from grokterm.xai.images import (
    MAX_REDIRECTS,
    DownloadGuard,
    ImageRequest,
    ImageURLRefused,
    address_problem,
    check_download_url,
    clean_revised_prompt,
    decode_b64,
    download_image,
    is_loopback_url,
    sniff_mime,
)

PUBLIC = "8.8.8.8"


def resolver(names: dict[str, list[str]]):
    """A DownloadGuard resolver for MockTransport tests (no DNS here): unknown names are public."""
    async def resolve(host: str, port: int) -> list[str]:
        return names.get(host, [PUBLIC])

    return resolve


def client_for(emulator, **kwargs) -> XAIClient:
    return XAIClient(emulator.api_key, emulator.base_url, **kwargs)


async def generate(emulator, **kwargs):
    async with client_for(emulator, max_retries=0) as client:
        return await client.generate_images(ImageRequest(**kwargs))


@pytest.mark.parametrize("response_format", ["b64_json", "url"])
async def test_generates_valid_pictures_in_both_formats(emulator, response_format) -> None:
    result = await generate(emulator, prompt="a red fox", model="grok-imagine-image", n=2,
                            response_format=response_format)
    assert len(result.images) == 2
    for image in result.images:
        assert image.mime == "image/jpeg"
        with Image.open(io.BytesIO(image.data)) as picture:
            picture.verify()
        assert image.revised_prompt.endswith("a red fox")
        assert (image.url is not None) == (response_format == "url")
    assert result.images[0].data != result.images[1].data  # one picture per index
    assert result.cost_ticks == 2 * 200_000_000
    sent = emulator.state.requests[0]
    assert sent.path == "/v1/images/generations"
    assert sent.json == {"model": "grok-imagine-image", "prompt": "a red fox", "n": 2,
                         "response_format": response_format}


async def test_url_downloads_never_carry_the_api_key(emulator) -> None:
    await generate(emulator, prompt="a cat", response_format="url")
    fetches = [r for r in emulator.state.requests if r.path.startswith("/_emulator/imgen/")]
    assert len(fetches) == 1
    assert "authorization" not in fetches[0].headers  # the emulator logs it as "<sent>" if present
    assert fetches[0].headers["user-agent"].startswith("grokterm/")


async def test_same_request_same_pictures(emulator) -> None:
    first = await generate(emulator, prompt="determinism", n=1)
    second = await generate(emulator, prompt="determinism", n=1)
    assert first.images[0].data == second.images[0].data


@pytest.mark.parametrize("directive", ["!refuse", "!block"])
async def test_content_policy_refusals_are_typed(emulator, directive) -> None:
    with pytest.raises(ContentPolicyError) as caught:
        await generate(emulator, prompt=f"something {directive}")
    assert caught.value.exit_code == 16
    assert "content policy" in str(caught.value)


async def test_a_language_model_is_refused_clearly(emulator) -> None:
    with pytest.raises(BadRequestError) as caught:
        await generate(emulator, prompt="x", model="grok-3")
    assert not isinstance(caught.value, ContentPolicyError)
    assert "does not support image generation" in str(caught.value)


async def test_an_unknown_model_is_not_found(emulator) -> None:
    with pytest.raises(NotFoundError):
        await generate(emulator, prompt="x", model="grok-nonexistent-image")


async def test_server_errors_are_retried_then_reported(emulator) -> None:
    emulator.state.push_fault(Fault(kind="status", status=503, times=1, path="/images/generations"))
    async with client_for(emulator, max_retries=1, sleep=lambda _delay: asyncio.sleep(0)) as client:
        result = await client.generate_images(ImageRequest(prompt="after a 503"))
    assert len(result.images) == 1
    emulator.state.push_fault(Fault(kind="status", status=500, times=5, path="/images/generations"))
    with pytest.raises(ServerError):
        await generate(emulator, prompt="x")


@pytest.mark.parametrize("field, value, message", [
    ("size", "1024x1024", "Argument not supported: size"),
    ("style", "vivid", "Argument not supported: style"),
    ("quality", "hd", "Argument not supported: quality"),
])
def test_emulator_refuses_unsupported_arguments(emulator, emulator_http, field, value, message) -> None:
    strict = emulator_http.post("/images/generations", json={"prompt": "x", field: value})
    assert strict.status_code == 400 and strict.json()["error"].startswith(f"Argument not supported: field `{field}`")
    emulator.state.strict = False  # the endpoint's own answer, as xAI gives it
    reply = emulator_http.post("/images/generations", json={"prompt": "x", field: value})
    assert reply.status_code == 400 and reply.json()["error"] == message


def test_emulator_is_strict_about_the_request(emulator, emulator_http) -> None:
    post = emulator_http.post
    assert post("/images/generations", json={"prompt": "x", "colour": "red"}).status_code == 400  # allowlist
    emulator.state.strict = False
    assert post("/images/generations", json={"prompt": "x", "colour": "red"}).status_code == 422  # endpoint
    assert post("/images/generations", json={"n": 1}).status_code == 422
    assert post("/images/generations", json={"prompt": "x", "n": 0}).status_code == 400
    assert post("/images/generations", json={"prompt": "x", "n": True}).status_code == 400
    assert post("/images/generations", json={"prompt": "x", "response_format": "png"}).status_code == 400
    assert post("/images/generations", json={"prompt": "x", "aspect_ratio": "7:5"}).status_code == 400
    assert post("/images/generations", json={"prompt": "x", "resolution": "4k"}).status_code == 400
    wide = post("/images/generations", json={"prompt": "x", "aspect_ratio": "16:9", "resolution": "2k",
                                              "response_format": "b64_json"})
    picture = Image.open(io.BytesIO(base64.b64decode(wide.json()["data"][0]["b64_json"])))
    assert picture.size == (768, 432)


def test_emulator_lists_the_image_models(emulator_http) -> None:
    ids = [m["id"] for m in emulator_http.get("/image-generation-models").json()["models"]]
    assert ids == ["grok-2-image-1212", "grok-imagine-image", "grok-imagine-image-quality"]


# ---------------------------------------------------------------- pieces, no server


def test_sniff_mime() -> None:
    assert sniff_mime(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert sniff_mime(b"\x89PNG\r\n\x1a\nrest") == "image/png"
    assert sniff_mime(b"RIFF\0\0\0\0WEBPVP8 ") == "image/webp"
    assert sniff_mime(b"<html>") is None


def test_decode_b64_accepts_a_data_url_prefix_and_refuses_junk() -> None:
    assert decode_b64("data:image/png;base64," + base64.b64encode(b"abc").decode()) == b"abc"
    with pytest.raises(MalformedResponseError):
        decode_b64("not base64!!")


def test_revised_prompt_loses_the_end_markers() -> None:
    assert clean_revised_prompt("A cat.<|separator|><|eos|>") == "A cat."
    assert clean_revised_prompt(None) == ""


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://host/x.jpg", "/relative.jpg", "data:image/png,xx",
                                 "javascript:alert(1)"])
def test_only_http_urls_are_fetched(url) -> None:
    with pytest.raises(MalformedResponseError):
        check_download_url(url)


def test_request_limits() -> None:
    with pytest.raises(ValueError):
        ImageRequest(prompt="x", n=11)
    with pytest.raises(ValueError):
        ImageRequest(prompt="   ")
    with pytest.raises(ValueError):
        ImageRequest(prompt="x", response_format="png")  # type: ignore[arg-type]


async def test_downloads_are_bounded_in_size_and_time() -> None:
    big = b"\xff\xd8\xff" + bytes(5000)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/big":
            return httpx.Response(200, content=big)
        if request.url.path == "/missing":
            return httpx.Response(404, json={"error": "gone"})
        return httpx.Response(200, content=b"\xff\xd8\xffok")

    guard = DownloadGuard(resolve=resolver({}))
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        with pytest.raises(MalformedResponseError, match="over"):
            await download_image(http, "https://imgen.example/big", max_bytes=1000, guard=guard)
        with pytest.raises(XAIError):
            await download_image(http, "https://imgen.example/missing", guard=guard)
        assert await download_image(http, "https://imgen.example/ok", guard=guard) == b"\xff\xd8\xffok"

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, content=b"late")

    async with httpx.AsyncClient(transport=httpx.MockTransport(slow)) as http:
        with pytest.raises(XAIError, match="timed out"):
            await download_image(http, "https://imgen.example/slow", seconds=0.05, guard=guard)


@pytest.mark.parametrize("address, why", [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.5.4", "private"), ("192.168.1.1", "private"), ("fc00::1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1%eth0", "link-local"), ("0.0.0.0", "unspecified"),
    ("224.0.0.1", "multicast"), ("100.64.0.1", "not a public"), ("8.8.8.8", None), ("2001:4860:4860::8888", None),
])
def test_address_classes(address, why) -> None:
    problem = address_problem(address)
    assert (problem is None) if why is None else (why in (problem or "")), problem


def test_only_a_base_url_on_this_machine_lets_local_image_urls_through() -> None:
    for url in ("http://127.0.0.1:8123/v1", "http://localhost/v1", "http://[::1]:80/v1", "http://api.localhost/v1"):
        assert is_loopback_url(url) and DownloadGuard.for_base_url(url).allow_local, url
    for url in ("https://api.x.ai/v1", "http://10.0.0.2/v1", "http://localhost.example.com/v1", "http://[::1/v1"):
        assert not is_loopback_url(url) and not DownloadGuard.for_base_url(url).allow_local, url


async def test_every_hop_of_a_download_is_checked_before_it_is_fetched() -> None:
    """A public URL that redirects inward (cloud metadata, a name that resolves to a private
    address, localhost) is refused at that hop, which is never requested; so are endless redirects."""
    fetched: list[str] = []
    targets = {"/meta": "http://169.254.169.254/latest/meta-data/", "/inner": "http://router.example/admin",
               "/local": "http://localhost:631/", "/file": "file:///etc/passwd", "/ok": "https://cdn.example/pic"}

    def handler(request: httpx.Request) -> httpx.Response:
        # the URL as asked for (the Host header keeps the name); the connection goes to the checked address
        fetched.append(f"{request.url.scheme}://{request.headers['host']}{request.url.raw_path.decode()}")
        if request.url.path in targets:
            return httpx.Response(302, headers={"location": targets[request.url.path]})
        if request.url.path.startswith("/loop"):
            return httpx.Response(302, headers={"location": f"/loop{len(fetched)}"})
        return httpx.Response(200, content=b"\xff\xd8\xffok")

    guard = DownloadGuard(resolve=resolver({"router.example": [PUBLIC, "192.168.0.1"]}))
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        assert await download_image(http, "https://imgen.example/ok", guard=guard) == b"\xff\xd8\xffok"
        assert fetched == ["https://imgen.example/ok", "https://cdn.example/pic"]
        for path, shown in (("/meta", "169.254.169.254"), ("/inner", "192.168.0.1"), ("/local", "localhost")):
            fetched.clear()
            with pytest.raises(ImageURLRefused, match="refused to fetch a generated image") as refused:
                await download_image(http, f"https://imgen.example{path}", guard=guard)
            assert shown in str(refused.value) and fetched == [f"https://imgen.example{path}"]
        fetched.clear()
        with pytest.raises(MalformedResponseError, match="not an http"):
            await download_image(http, "https://imgen.example/file", guard=guard)
        fetched.clear()
        with pytest.raises(MalformedResponseError, match="too many redirects"):
            await download_image(http, "https://imgen.example/loop", guard=guard)
        assert len(fetched) == MAX_REDIRECTS + 1
        with pytest.raises(ImageURLRefused, match=r"10\.9\.8\.7"):
            await download_image(http, "http://10.9.8.7/pic.jpg", guard=guard)
        allowed = DownloadGuard(allow_local=True, resolve=resolver({}))
        fetched.clear()
        assert await download_image(http, "https://imgen.example/meta", guard=allowed) == b"\xff\xd8\xffok"
        assert fetched[-1] == "http://169.254.169.254/latest/meta-data/"


async def test_a_remote_api_cannot_point_image_downloads_at_this_machine(emulator) -> None:
    """The emulator hands out URLs on 127.0.0.1: fine while the API is the emulator (the demo), refused
    with a clear message when the client treats the API as remote, and nothing is fetched."""
    async with client_for(emulator, max_retries=0) as client:
        assert client.image_url_guard().allow_local  # the base URL is loopback: the demo keeps working
        result = await client.generate_images(ImageRequest(prompt="a fox", response_format="url"))
        assert result.images[0].url and result.images[0].url.startswith("http://127.0.0.1:")
        fetched = len([r for r in emulator.state.requests if r.method == "GET"])
        assert fetched >= 1
        client.local_image_urls = False  # as for https://api.x.ai
        with pytest.raises(ImageURLRefused) as refused:
            await client.generate_images(ImageRequest(prompt="a fox", response_format="url"))
        assert "refused to fetch a generated image from 127.0.0.1" in str(refused.value)
        assert "loopback" in str(refused.value) and refused.value.exit_code == 14
        assert len([r for r in emulator.state.requests if r.method == "GET"]) == fetched


async def test_a_compressed_picture_is_inflated_within_the_size_cap() -> None:
    """A 64 MiB gzip bomb (64 KiB on the wire) stops at the cap without ever holding it: decoded in
    bounded steps, peak Python memory stays far below the bomb's size."""
    import gzip
    import tracemalloc

    bomb = gzip.compress(b"\xff\xd8\xff" + bytes(64 * 2**20), compresslevel=9)
    small = gzip.compress(b"\xff\xd8\xffok")

    async def body(data: bytes):
        for start in range(0, len(data), 16384):
            yield data[start:start + 16384]

    def handler(request: httpx.Request) -> httpx.Response:
        data = bomb if request.url.path == "/bomb" else small
        return httpx.Response(200, headers={"content-encoding": "gzip"}, content=body(data))

    guard = DownloadGuard(resolve=resolver({}))
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        assert await download_image(http, "https://imgen.example/ok", guard=guard) == b"\xff\xd8\xffok"
        tracemalloc.start()
        try:
            with pytest.raises(MalformedResponseError, match="over 1 MiB"):
                await download_image(http, "https://imgen.example/bomb", guard=guard, max_bytes=2**20)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert len(bomb) < 2**20 and peak < 8 * 2**20, peak


async def test_the_checked_addresses_are_the_ones_connected_to() -> None:
    """No second DNS lookup (rebinding): a checked name is requested at its checked address, with the
    name kept for the Host header and TLS (SNI and the certificate check); an address that refuses the
    connection makes way for the next one; IP literals and allowed-local hosts go as they are."""
    seen: list[tuple[str, str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "1.1.1.1":
            raise httpx.ConnectError("refused")
        seen.append((request.url.host, request.headers["host"], request.extensions.get("sni_hostname")))
        return httpx.Response(200, content=b"\xff\xd8\xffok")

    guard = DownloadGuard(resolve=resolver({"imgen.example": ["1.1.1.1", "2606:4700::1111"]}))
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        assert await download_image(http, "https://imgen.example:8443/p.jpg", guard=guard) == b"\xff\xd8\xffok"
        await download_image(http, "https://8.8.4.4/p.jpg", guard=guard)
        await download_image(http, "http://localhost:9/p.jpg", guard=DownloadGuard(allow_local=True))
    assert seen == [("2606:4700::1111", "imgen.example:8443", "imgen.example"), ("8.8.4.4", "8.8.4.4", None),
                    ("localhost", "localhost:9", None)]


async def test_through_a_proxy_the_request_keeps_the_name(monkeypatch) -> None:
    """A proxy from the environment connects by name itself (and may accept only names): the checked
    name is then sent as it is; hosts in NO_PROXY are still pinned."""
    from grokterm.xai.images import _send_pinned

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "direct.example")
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        return httpx.Response(200, content=b"ok")

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        for url in ("https://imgen.example/p.jpg", "https://direct.example/p.jpg"):
            response = await _send_pinned(http, url, [PUBLIC])
            await response.aclose()
    assert seen == ["imgen.example", PUBLIC]


async def test_a_pinned_request_reaches_the_checked_address_over_a_real_socket(emulator) -> None:
    """Over real loopback HTTP: the name in the URL is never looked up (it does not exist), the
    connection goes to the given address and the server sees the name in the Host header."""
    from urllib.parse import urlsplit

    from grokterm.xai.images import _send_pinned, download_client

    async with client_for(emulator, max_retries=0) as client:
        result = await client.generate_images(ImageRequest(prompt="a fox", response_format="url"))
    served = urlsplit(result.images[0].url or "")
    async with download_client(5.0, "grokterm-test") as http:
        response = await _send_pinned(http, f"http://pictures.invalid:{served.port}{served.path}", ["127.0.0.1"])
        try:
            assert response.status_code == 200 and (await response.aread()) == result.images[0].data
        finally:
            await response.aclose()
    fetch = [r for r in emulator.state.requests if r.method == "GET"][-1]
    assert {k.lower(): v for k, v in fetch.headers.items()}["host"] == f"pictures.invalid:{served.port}"
