"""Emulator: image inputs are decoded and described, limits enforced, image tokens counted."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from grokterm.emulator.errors import ApiError
from grokterm.emulator.images import decode_image_url, image_tokens


def data_url(fmt: str, size: tuple[int, int]) -> tuple[str, int]:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 90)).save(out, format=fmt)
    data = out.getvalue()
    mime = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp", "GIF": "gif"}[fmt]
    return f"data:image/{mime};base64,{base64.b64encode(data).decode()}", len(data)


def chat_with_images(model: str, text: str, urls: list[str]) -> dict:
    parts = [{"type": "text", "text": text}]
    parts += [{"type": "image_url", "image_url": {"url": url, "detail": "high"}} for url in urls]
    return {"model": model, "messages": [{"role": "user", "content": parts}]}


@pytest.mark.parametrize(("size", "tokens"), [((1, 1), 256), ((448, 448), 256), ((449, 448), 512),
                                              ((1920, 1080), 1792), ((896, 896), 1024)])
def test_image_token_formula(size, tokens):
    assert image_tokens(*size) == tokens


def test_chat_describes_each_image_and_counts_image_tokens(emulator_http):
    png, png_bytes = data_url("PNG", (1920, 1080))
    jpeg, jpeg_bytes = data_url("JPEG", (300, 200))
    body = emulator_http.post("/chat/completions",
                              json=chat_with_images("grok-2-vision-1212", "What is this?", [png, jpeg])).json()
    text = body["choices"][0]["message"]["content"]
    assert f"Image 1: PNG, 1920×1080 px, {png_bytes:,} bytes" in text
    assert f"Image 2: JPEG, 300×200 px, {jpeg_bytes:,} bytes" in text
    details = body["usage"]["prompt_tokens_details"]
    assert details["image_tokens"] == 1792 + 256
    assert body["usage"]["prompt_tokens"] == details["text_tokens"] + details["image_tokens"]
    # grok-2-vision-1212: prompt 20000, image 20000, completion 100000 ticks per token
    usage = body["usage"]
    reasoning = usage["completion_tokens_details"]["reasoning_tokens"]
    assert usage["cost_in_usd_ticks"] == (details["text_tokens"] * 20000 + details["image_tokens"] * 20000
                                          + (usage["completion_tokens"] + reasoning) * 100000)


def test_responses_input_image_is_a_plain_string(emulator_http):
    png, png_bytes = data_url("PNG", (640, 480))
    body = emulator_http.post("/responses", json={"model": "grok-2-vision-1212", "input": [{"role": "user", "content": [
        {"type": "input_text", "text": "Describe"},
        {"type": "input_image", "image_url": png, "detail": "high"}]}]}).json()
    text = body["output"][0]["content"][0]["text"]
    assert text.startswith(f"I received 1 image:\n\n- Image 1: PNG, 640×480 px, {png_bytes:,} bytes")
    assert body["usage"]["input_tokens_details"]["image_tokens"] == 1024  # 2×2 tiles of 448 px


def test_images_in_chained_context_count_as_cached(emulator_http):
    png, _ = data_url("PNG", (100, 100))
    parts = [{"type": "input_text", "text": "look"}, {"type": "input_image", "image_url": png}]
    first = emulator_http.post("/responses", json={"model": "grok-4-fast-reasoning",
                                                   "input": [{"role": "user", "content": parts}]}).json()
    second = emulator_http.post("/responses", json={"model": "grok-4-fast-reasoning", "input": "!recall",
                                                    "previous_response_id": first["id"]}).json()
    usage = second["usage"]
    assert usage["input_tokens_details"]["image_tokens"] == 256
    assert usage["input_tokens_details"]["cached_tokens"] >= 256
    assert "1. look [1 image]" in second["output"][1]["content"][0]["text"]


@pytest.mark.parametrize("fmt", ["WEBP", "GIF"])
def test_formats_other_than_jpeg_and_png_are_rejected(emulator_http, fmt):
    url, _ = data_url(fmt, (10, 10))
    reply = emulator_http.post("/chat/completions", json=chat_with_images("grok-4-0709", "x", [url]))
    assert reply.status_code == 400
    assert fmt in reply.json()["error"] and "JPEG and PNG" in reply.json()["error"]


def test_oversized_images_are_rejected():
    # checked on the decoder directly: pushing 28 MB through loopback HTTP would cost seconds per run
    big = b"\x89PNG\r\n\x1a\n" + bytes(20 * 1024 * 1024)
    with pytest.raises(ApiError) as caught:
        decode_image_url("data:image/png;base64," + base64.b64encode(big).decode())
    assert caught.value.status == 400 and "20 MiB" in caught.value.message


def test_undecodable_and_remote_images_are_rejected(emulator_http):
    junk = "data:image/png;base64," + base64.b64encode(b"not an image").decode()
    reply = emulator_http.post("/chat/completions", json=chat_with_images("grok-4-0709", "x", [junk]))
    assert reply.status_code == 400 and "decode" in reply.json()["error"]
    remote = emulator_http.post("/chat/completions",
                                json=chat_with_images("grok-4-0709", "x", ["https://example.com/a.png"]))
    assert remote.status_code == 400


@pytest.mark.parametrize("model", ["grok-3", "grok-3-mini", "grok-code-fast-1"])
def test_images_to_text_only_models_are_rejected_clearly(emulator_http, model):
    url, _ = data_url("PNG", (10, 10))
    reply = emulator_http.post("/chat/completions", json=chat_with_images(model, "x", [url]))
    assert reply.status_code == 400
    assert reply.json()["error"].startswith(f"Model {model} does not support image input")


def test_chat_image_url_must_be_an_object(emulator_http):
    url, _ = data_url("PNG", (10, 10))
    body = {"model": "grok-4-0709", "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": url}]}]}
    reply = emulator_http.post("/chat/completions", json=body)
    assert reply.status_code == 422


def test_image_generation_url_and_b64(emulator, emulator_http):
    by_url = emulator_http.post("/images/generations", json={"model": "grok-2-image", "prompt": "a cat", "n": 2})
    assert by_url.status_code == 200
    data = by_url.json()["data"]
    assert len(data) == 2 and all(d["revised_prompt"].endswith("a cat") for d in data)
    picture = emulator_http.get(data[0]["url"])  # served by the emulator itself
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(picture.content)).format == "JPEG"
    as_b64 = emulator_http.post("/images/generations", json={"prompt": "a cat", "response_format": "b64_json"})
    raw = base64.b64decode(as_b64.json()["data"][0]["b64_json"])
    assert Image.open(io.BytesIO(raw)).size == (768, 512)
    assert emulator_http.post("/images/generations", json={"prompt": "x", "n": 11}).status_code == 400
