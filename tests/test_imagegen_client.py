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
    ImageRequest,
    check_download_url,
    clean_revised_prompt,
    decode_b64,
    download_image,
    sniff_mime,
)


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

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        with pytest.raises(MalformedResponseError, match="over"):
            await download_image(http, "https://imgen.example/big", max_bytes=1000)
        with pytest.raises(XAIError):
            await download_image(http, "https://imgen.example/missing")
        assert await download_image(http, "https://imgen.example/ok") == b"\xff\xd8\xffok"

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, content=b"late")

    async with httpx.AsyncClient(transport=httpx.MockTransport(slow)) as http:
        with pytest.raises(XAIError, match="timed out"):
            await download_image(http, "https://imgen.example/slow", seconds=0.05)
