"""POST /v1/images/generations: small deterministic JPEGs, by URL or base64.

Good enough to test a client's image-generation path: the picture's colour and
caption come from the prompt (the same request always gives the same bytes),
URLs point back at this emulator (no auth, like xAI's public imgen links).

Strict about the request (docs/api/images.md lists the sources): only the
documented fields are accepted; `size`, `style` and `quality` are refused the
way xAI refuses them ("Argument not supported: size"); `n` is 1–10;
`response_format` is `url` or `b64_json`; `aspect_ratio` and `resolution` take
the documented values (the aspect ratio shapes the picture, the resolution is
accepted but the pictures stay small so tests stay fast).

Refusals, for testing what a client does with them (prompt directives):
  !refuse   HTTP 400 with a content-moderation message (the usual way)
  !block    HTTP 200 with no images and `block_reason` set (the newer reply shape)
  !fault …  any fault, as in the chat endpoints
A language model's id gets a 400 ("does not support image generation"), an
unknown id the usual 404.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import zlib

from PIL import Image, ImageDraw
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from grokterm.emulator.calls import Call
from grokterm.emulator.catalogue import IMAGE_MODEL_ID, find_language_model, image_price_ticks
from grokterm.emulator.directives import parse_directives
from grokterm.emulator.errors import ApiError, model_not_found, route_not_found, unprocessable
from grokterm.emulator.state import SeenRequest

IMAGE_SIZE = (768, 512)  # the picture for "auto" (and 3:2)
LONG_SIDE = 768
ACCEPTED_FIELDS = frozenset({"model", "prompt", "n", "response_format", "aspect_ratio", "resolution"})
UNSUPPORTED_FIELDS = ("size", "style", "quality")  # older guide: "not supported by xAI API at the moment"
ASPECT_RATIOS = ("1:1", "3:4", "4:3", "9:16", "16:9", "2:3", "3:2", "9:19.5", "19.5:9", "9:20", "20:9",
                 "1:2", "2:1", "auto")
RESOLUTIONS = ("1k", "2k")
REFUSAL_MESSAGE = "Generated image rejected by content moderation."  # wording invented: none documented
BLOCK_REASON = "The prompt was blocked by input moderation."
_REFUSE = re.compile(r"(?<!\S)!refuse\b")
_BLOCK = re.compile(r"(?<!\S)!block\b")


def picture_size(aspect_ratio: str) -> tuple[int, int]:
    """Pixel size for an aspect ratio: the long side LONG_SIDE px ("auto" → IMAGE_SIZE)."""
    if aspect_ratio == "auto":
        return IMAGE_SIZE
    width_part, _, height_part = aspect_ratio.partition(":")
    width, height = float(width_part), float(height_part)
    scale = LONG_SIDE / max(width, height)
    return max(16, round(width * scale)), max(16, round(height * scale))


def render_image(prompt: str, index: int, size: tuple[int, int] = IMAGE_SIZE) -> bytes:
    seed = zlib.crc32(f"{prompt}\0{index}".encode())
    colour = (seed & 0xFF, (seed >> 8) & 0xFF, (seed >> 16) & 0xFF)
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    ink = (255, 255, 255) if sum(colour) < 384 else (0, 0, 0)
    draw.rectangle((24, 24, size[0] - 24, size[1] - 24), outline=ink, width=4)
    draw.text((48, 48), f"grokterm emulator image {index + 1}", fill=ink)
    draw.text((48, 80), prompt[:80], fill=ink)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _check_fields(body: dict) -> None:
    for name in UNSUPPORTED_FIELDS:
        if name in body:
            raise ApiError(400, f"Argument not supported: {name}")
    unknown = sorted(set(body) - ACCEPTED_FIELDS)
    if unknown:
        raise unprocessable(f"unknown field `{unknown[0]}`")
    if "prompt" not in body or not isinstance(body["prompt"], str):
        raise unprocessable("missing field `prompt`")
    if not body["prompt"].strip():
        raise ApiError(400, "The prompt must not be empty.")


def _check_model(model: object) -> int:
    """The price per image of `model`; raises the API's error for anything else."""
    price = image_price_ticks(model)
    if price is not None:
        return price
    if not isinstance(model, str):
        raise unprocessable("invalid type for `model`: expected a string")
    if find_language_model(model) is not None:
        raise ApiError(400, f"Model {model} does not support image generation. Use an image generation model "
                            "such as grok-imagine-image.")
    raise model_not_found(model)


def _option(body: dict, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = body.get(name, default)
    if value not in allowed:
        raise ApiError(400, f"`{name}` must be one of {', '.join(allowed)}.")
    return str(value)


async def generate_images(call: Call) -> Response:
    body = call.json_object()
    _check_fields(body)
    price = _check_model(body.get("model", IMAGE_MODEL_ID))
    n = body.get("n", 1)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10:
        raise ApiError(400, "`n` must be an integer between 1 and 10.")
    response_format = _option(body, "response_format", ("url", "b64_json"), "url")
    size = picture_size(_option(body, "aspect_ratio", ASPECT_RATIOS, "auto"))
    _option(body, "resolution", RESOLUTIONS, "1k")
    raw_prompt: str = body["prompt"]
    directives = parse_directives(raw_prompt)
    call.stream_fault(directives, streaming=False)  # raises a `!fault` status fault
    if _REFUSE.search(raw_prompt):
        raise ApiError(400, REFUSAL_MESSAGE)
    if _BLOCK.search(raw_prompt):
        return JSONResponse({"data": [], "block_reason": BLOCK_REASON, "usage": {"cost_in_usd_ticks": 0}})
    prompt = _BLOCK.sub(" ", _REFUSE.sub(" ", directives.prompt)).strip() or raw_prompt
    revised = f"A deterministic test picture for the prompt: {prompt}"
    data = []
    base = str(call.request.base_url).rstrip("/")
    for index in range(n):
        jpeg = render_image(prompt, index, size)
        item: dict[str, str] = {"mime_type": "image/jpeg", "revised_prompt": revised}
        if response_format == "b64_json":
            item["b64_json"] = base64.b64encode(jpeg).decode()
        else:
            name = f"xai-tmp-imgen-{hashlib.sha256(jpeg).hexdigest()[:32]}.jpeg"
            call.state.keep_image(name, jpeg)
            item["url"] = f"{base}/_emulator/imgen/{name}"
        data.append(item)
    return JSONResponse({"data": data, "usage": {"cost_in_usd_ticks": price * n}})


async def serve_generated_image(request: Request) -> Response:
    """The picture behind a generated URL. Logged (so tests can see who fetched it), with any
    Authorization header reduced to "<sent>": a client must never send its key to an image host."""
    state = request.app.state.emulator
    headers = {k: ("<sent>" if k.lower() == "authorization" else v) for k, v in request.headers.items()}
    state.record(SeenRequest(request.method, request.url.path, None, headers))
    data = state.image(request.path_params["name"])
    if data is None:
        return route_not_found().response()
    return Response(data, media_type="image/jpeg")
