"""POST /v1/images/generations: small deterministic JPEGs, by URL or base64.

Good enough to test a client's image-generation path: the picture's colour
and caption come from the prompt, URLs point back at this emulator (no auth,
like xAI's public imgen links).
"""

from __future__ import annotations

import base64
import io
import uuid
import zlib

from PIL import Image, ImageDraw
from starlette.responses import JSONResponse, Response

from grokterm.emulator.calls import Call
from grokterm.emulator.catalogue import IMAGE_MODEL_ALIASES, IMAGE_MODEL_ID, IMAGE_PRICE_TICKS
from grokterm.emulator.errors import ApiError, model_not_found, route_not_found, unprocessable

IMAGE_SIZE = (768, 512)


def render_image(prompt: str, index: int) -> bytes:
    seed = zlib.crc32(f"{prompt}\0{index}".encode())
    colour = (seed & 0xFF, (seed >> 8) & 0xFF, (seed >> 16) & 0xFF)
    image = Image.new("RGB", IMAGE_SIZE, colour)
    draw = ImageDraw.Draw(image)
    ink = (255, 255, 255) if sum(colour) < 384 else (0, 0, 0)
    draw.rectangle((24, 24, IMAGE_SIZE[0] - 24, IMAGE_SIZE[1] - 24), outline=ink, width=4)
    draw.text((48, 48), f"grokterm emulator image {index + 1}", fill=ink)
    draw.text((48, 80), prompt[:80], fill=ink)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


async def generate_images(call: Call):
    body = call.json_object()
    if "prompt" not in body or not isinstance(body["prompt"], str):
        raise unprocessable("missing field `prompt`")
    model = body.get("model", IMAGE_MODEL_ID)
    if model != IMAGE_MODEL_ID and model not in IMAGE_MODEL_ALIASES:
        raise model_not_found(model)
    n = body.get("n", 1)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10:
        raise ApiError(400, "`n` must be an integer between 1 and 10.")
    response_format = body.get("response_format", "url")
    if response_format not in ("url", "b64_json"):
        raise ApiError(400, "`response_format` must be `url` or `b64_json`.")
    prompt = body["prompt"]
    revised = f"A deterministic test picture for the prompt: {prompt}"
    data = []
    base = str(call.request.base_url).rstrip("/")
    for index in range(n):
        jpeg = render_image(prompt, index)
        if response_format == "b64_json":
            data.append({"b64_json": base64.b64encode(jpeg).decode(), "mime_type": "image/jpeg",
                         "revised_prompt": revised})
        else:
            name = f"xai-tmp-imgen-{uuid.uuid4()}.jpeg"
            call.state.keep_image(name, jpeg)
            data.append({"url": f"{base}/_emulator/imgen/{name}", "mime_type": "image/jpeg",
                         "revised_prompt": revised})
    return JSONResponse({"data": data, "usage": {"cost_in_usd_ticks": IMAGE_PRICE_TICKS * n}})


async def serve_generated_image(request) -> Response:
    state = request.app.state.emulator
    data = state.image(request.path_params["name"])
    if data is None:
        return route_not_found().response()
    return Response(data, media_type="image/jpeg")
