"""`grokterm image`: generate pictures from a prompt and save them (`POST /v1/images/generations`).

    grokterm image "a lighthouse at dusk" [-n N] [-o FILE] [-m MODEL] [--json]

Each picture is checked (decoded with Pillow) before it is saved; `-o cat.png`
with `-n 3` writes cat-1.png … cat-3.png, converted to PNG if the API sent
JPEG; `-o -` writes one picture's bytes to stdout. Without `-o` the files are
named grokterm-<date>-<time>[-N].<ext> in the current folder, never over an
existing file. The revised prompt the API returns is printed (sanitised, like
every outside text). The prompt and the pictures are also kept in the history
(a conversation with origin "img"; `--no-save` skips it). Exit codes are the shared ones (commands/common.py); 16
(content-policy refusal: the prompt is printed back) and 17 (a picture could
not be written, or is not a picture) are this command's.
"""

from __future__ import annotations

import argparse
import logging
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
log = logging.getLogger(__name__)


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
    parser.add_argument("--no-save", action="store_true",
                        help="do not keep the prompt and pictures in grokterm's history")
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


class _History:
    """The generation in grokterm's history (a conversation you can open in the app), unless --no-save.

    The prompt is committed before the request and the pictures before any file is written, so a
    refusal, a wrong -o path or a full disk never loses a paid-for picture. A history that cannot be
    written (locked database, full disk) only costs a warning."""

    ORIGIN = "img"  # conversations.origin: started by `grokterm image`

    def __init__(self, store: Any = None, conversation_id: int | None = None) -> None:
        self.store = store
        self.conversation_id = conversation_id

    @classmethod
    def start(cls, args: argparse.Namespace, prompt: str) -> _History:
        if args.no_save:
            return cls()
        try:
            from grokterm.chat.imagegen import record_prompt
            from grokterm.store import Store

            store = Store()
            return cls(store, record_prompt(store, prompt, origin=cls.ORIGIN, n=args.n, model=args.model))
        except Exception as error:
            log.warning("not saving this generation to the history", exc_info=True)
            eprint(f"grokterm: not saving this generation to the history ({error})")
            return cls()

    def finish(self, model: str, generation: ImageGeneration | None, error: str | None = None,
               status: str = "failed") -> None:
        if self.store is None or self.conversation_id is None:
            return
        try:
            from grokterm.chat.imagegen import record_result

            record_result(self.store, self.conversation_id, model, generation, error, status=status)
        except Exception as failure:
            log.warning("could not save the generation to the history", exc_info=True)
            eprint(f"grokterm: could not save the result to the history ({failure})")
            self.conversation_id = None
        finally:
            self.store.close()
            self.store = None


async def _generate(args: argparse.Namespace, prompt: str, settings: Settings) -> int:
    from grokterm.xai.errors import XAIError
    from grokterm.xai.images import ImageRequest

    request = ImageRequest(prompt=prompt, model=args.model, n=args.n, response_format=args.response_format)
    history = _History()
    try:
        async with client_from_args(args, settings) as client:  # no key: fails before anything is saved
            history = _History.start(args, prompt)
            generation = await client.generate_images(request)
    except XAIError as error:
        history.finish(args.model, None, str(error))
        if args.json:
            _print_json({"prompt": prompt, "model": args.model, "conversation_id": history.conversation_id,
                         "error": {"type": type(error).__name__, "message": str(error)}})
        code = fail(str(error), error.exit_code)
        if error.exit_code == 16 and not args.json:
            from grokterm.sanitize import sanitize_terminal

            eprint(f"grokterm: your prompt was: {sanitize_terminal(prompt)}")
        return code
    except BaseException:  # Ctrl-C, or a bug: the prompt stays in the history with what happened
        history.finish(args.model, None, None, status="stopped")
        raise
    history.finish(generation.model, generation)
    try:
        saved = save_generation(generation, args.output)
    except _WriteFailure as error:
        if args.json:
            _print_json({"prompt": prompt, "model": generation.model, "conversation_id": history.conversation_id,
                         "error": {"type": "WriteError", "message": str(error)}})
        code = fail(str(error), EXIT_WRITE)
        if history.conversation_id is not None:
            eprint(f"grokterm: the pictures are kept in the history: grokterm export {history.conversation_id}"
                   " or open it in the app")
        return code
    if args.json:
        ticks = generation.cost_ticks
        _print_json({"prompt": prompt, "model": generation.model, "images": saved,
                     "conversation_id": history.conversation_id,
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
