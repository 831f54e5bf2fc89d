"""`grokterm image`: generate pictures from a prompt and save them (`POST /v1/images/generations`).

    grokterm image "a lighthouse at dusk" [-n N] [-o FILE] [-m MODEL] [--json]

Each picture is checked (decoded with Pillow) before it is saved; `-o cat.png`
with `-n 3` writes cat-1.png … cat-3.png, converted to PNG if the API sent
JPEG; `-o -` writes one picture's bytes to stdout. Without `-o` the files are
named grokterm-<date>-<time>[-N].<ext> in the current folder, never over an
existing file. The revised prompt the API returns is printed (sanitised, like
every outside text). Exit codes are the shared ones (commands/common.py); 16
(content-policy refusal: the prompt is printed back) and 17 (a picture could
not be written, or is not a picture) are this command's.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grokterm.commands.common import (
    EXIT_USAGE,
    add_connection_options,
    client_from_args,
    eprint,
    fail,
    json_dumps_safe,
    load_settings,
    run_api_command,
)

if TYPE_CHECKING:
    from grokterm.config.settings import Settings
    from grokterm.xai.images import ImageGeneration

EXIT_WRITE = 17


def register(parser: argparse.ArgumentParser) -> None:
    from grokterm.xai.images import DEFAULT_IMAGE_MODEL, MAX_IMAGES

    parser.description = "Generate images from a prompt and save them."
    parser.add_argument("prompt", nargs="*", help="what to draw (default: read stdin when piped)")
    parser.add_argument("-n", type=int, default=1, metavar="N", help=f"how many images, 1-{MAX_IMAGES} (default 1)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="file name (numbered when -n > 1; its extension picks the format; - for stdout)")
    parser.add_argument("-m", "--model",
                        help=f"image model (default: config.toml's image_model, else {DEFAULT_IMAGE_MODEL})")
    parser.add_argument("--response-format", choices=("b64_json", "url"), default="b64_json",
                        help="ask for base64 data (default) or URLs to fetch")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object: files, sizes, revised prompts, cost")
    add_connection_options(parser)


def _read_prompt(args: argparse.Namespace) -> str | None:
    if args.prompt:
        return " ".join(args.prompt)
    if not sys.stdin.isatty():
        return sys.stdin.read()
    return None


class _WriteFailure(Exception):
    pass


def save_generation(generation: ImageGeneration, output: str | None) -> list[dict[str, Any]]:
    """Check and save every picture; returns what was written (path, mime, size, revised prompt)."""
    from grokterm.media import ImageError
    from grokterm.media.generated import convert_for, inspect_picture, output_paths, save_picture

    saved: list[dict[str, Any]] = []
    try:
        infos = [inspect_picture(image.data) for image in generation.images]
    except ImageError as error:
        raise _WriteFailure(str(error)) from None
    if output == "-":
        image = generation.images[0]
        sys.stdout.buffer.write(image.data)
        sys.stdout.buffer.flush()
        return [{"path": "-", "mime": infos[0].mime, "width": infos[0].width, "height": infos[0].height,
                 "bytes": len(image.data), "revised_prompt": image.revised_prompt, "url": image.url}]
    try:
        paths = output_paths(Path(output) if output else None, len(generation.images), infos[0].mime)
    except ImageError as error:
        raise _WriteFailure(str(error)) from None
    for image, info, path in zip(generation.images, infos, paths, strict=True):
        try:
            data, mime = convert_for(path, image.data, info.mime)
            save_picture(path, data)
        except OSError as error:
            raise _WriteFailure(f"cannot write {path}: {error.strerror or error}") from None
        saved.append({"path": str(path), "mime": mime, "width": info.width, "height": info.height,
                      "bytes": len(data), "revised_prompt": image.revised_prompt, "url": image.url})
    return saved


def _print_saved(saved: list[dict[str, Any]], to_stderr: bool) -> None:
    from grokterm.media import human_size
    from grokterm.sanitize import sanitize_terminal

    show = eprint if to_stderr else print
    shown_prompts: set[str] = set()
    for item in saved:
        kind = item["mime"].split("/")[-1].upper()
        where = "stdout" if item["path"] == "-" else sanitize_terminal(item["path"])
        show(f"saved {where}  {item['width']}×{item['height']} {kind}, {human_size(item['bytes'])}")
        revised = item["revised_prompt"]
        if revised and revised not in shown_prompts:
            shown_prompts.add(revised)
            show(f"  revised prompt: {sanitize_terminal(' '.join(revised.split()))}")


async def _generate(args: argparse.Namespace, prompt: str, settings: Settings) -> int:
    from grokterm.xai.errors import XAIError
    from grokterm.xai.images import ImageRequest

    request = ImageRequest(prompt=prompt, model=args.model, n=args.n, response_format=args.response_format)
    try:
        async with client_from_args(args, settings) as client:
            generation = await client.generate_images(request)
    except XAIError as error:
        if args.json:
            _print_json({"prompt": prompt, "model": args.model,
                         "error": {"type": type(error).__name__, "message": str(error)}})
        code = fail(str(error), error.exit_code)
        if error.exit_code == 16 and not args.json:
            from grokterm.sanitize import sanitize_terminal

            eprint(f"grokterm: your prompt was: {sanitize_terminal(prompt)}")
        return code
    try:
        saved = save_generation(generation, args.output)
    except _WriteFailure as error:
        if args.json:
            _print_json({"prompt": prompt, "model": generation.model,
                         "error": {"type": "WriteError", "message": str(error)}})
        return fail(str(error), EXIT_WRITE)
    if args.json:
        ticks = generation.cost_ticks
        _print_json({"prompt": prompt, "model": generation.model, "images": saved,
                     "cost_ticks": ticks, "cost": None if ticks is None else ticks / 10**10})
    else:
        _print_saved(saved, to_stderr=args.output == "-")
    return 0


def _print_json(body: dict[str, Any]) -> None:
    sys.stdout.write(json_dumps_safe(body) + "\n")
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    from grokterm.xai.images import MAX_IMAGES

    prompt = _read_prompt(args)
    if prompt is None or not prompt.strip():
        return fail("no prompt: pass it as an argument or pipe it on stdin", EXIT_USAGE)
    if not 1 <= args.n <= MAX_IMAGES:
        return fail(f"-n must be between 1 and {MAX_IMAGES}", EXIT_USAGE)
    if args.output == "-" and (args.n != 1 or args.json):
        return fail("-o - writes one picture to stdout: use it with -n 1 and without --json", EXIT_USAGE)
    settings = load_settings()
    args.model = args.model or settings.image_model
    return run_api_command(lambda: _generate(args, prompt.strip(), settings))  # --demo: in client_from_args
