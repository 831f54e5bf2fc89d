"""`grokterm ask`: ask one question, stream the answer to stdout (for scripts and quick use).

The question comes from the arguments, or from stdin when it is piped and no
argument is given. The answer is untrusted text: it always goes through
`sanitize_terminal` (escape sequences and control bytes removed), on a TTY
and in a pipe alike. `--json` prints one JSON object instead (control
characters escaped). Diagnostics, retries, `--usage` and `--reasoning` go to
stderr, so stdout holds only the answer.

Exit codes: see grokterm.commands.common (15 = an --image could not be read).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from grokterm import defaults
from grokterm.commands.common import (
    EXIT_IMAGE,
    EXIT_USAGE,
    AnswerPrinter,
    add_connection_options,
    client_from_args,
    default_model,
    eprint,
    fail,
    json_dumps_safe,
    load_settings,
    run_api_command,
    usage_json,
)
from grokterm.commands.search_options import add_search_options

if TYPE_CHECKING:
    from grokterm.config.settings import Settings
    from grokterm.xai.events import Completed, ImagePart


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = "Ask one question and stream the answer to stdout."
    parser.add_argument("question", nargs="*", help="the question (default: read stdin when piped)")
    parser.add_argument("-m", "--model",
                        help=f"model id or alias (default: config.toml's, else {defaults.MODEL})")
    parser.add_argument("-s", "--system", help="system prompt")
    parser.add_argument("-i", "--image", action="append", default=[], metavar="PATH",
                        help="attach an image (repeatable)")
    parser.add_argument("--detail", choices=("auto", "low", "high"), default="auto",
                        help="image detail level (default auto)")
    parser.add_argument("--reasoning-effort", choices=("low", "medium", "high"),
                        help="reasoning effort for models that take one")
    parser.add_argument("--no-stream", action="store_true", help="wait for the whole answer")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object: text, reasoning, response_id, model, usage, cost")
    parser.add_argument("-u", "--usage", action="store_true", help="print token usage and cost on stderr")
    parser.add_argument("-r", "--reasoning", action="store_true", help="print reasoning on stderr")
    parser.add_argument("--no-save", action="store_true",
                        help="do not record this question and answer in grokterm's history")
    add_search_options(parser)
    add_connection_options(parser)


def _read_question(args: argparse.Namespace) -> str | None:
    if args.question:
        return " ".join(args.question)
    if not sys.stdin.isatty():
        return sys.stdin.read()
    return None


def _prepare_images(paths: list[str], detail: str) -> list[tuple[ImagePart, Any]]:
    """(what the API gets, the PreparedImage the store keeps) for each --image."""
    from grokterm.media import ImageError, prepare_image
    from grokterm.xai.events import ImagePart

    parts = []
    for path in paths:
        try:
            prepared = prepare_image(path, detail=detail)  # type: ignore[arg-type]
        except ImageError as error:
            raise _ImageFailure(str(error)) from None
        if sys.stderr.isatty():
            eprint(f"attached: {prepared.chip_text()}")
        parts.append((ImagePart(prepared.data_url, detail), prepared))  # type: ignore[arg-type]
    return parts


class _ImageFailure(Exception):
    pass


def _start_recording(args: argparse.Namespace, question: str, prepared: list[Any]) -> Any:
    """Save the question (and a pending reply) before asking; None with --no-save or when the
    history cannot be written (asking still works, with a warning)."""
    if args.no_save:
        return None
    try:
        from grokterm.chat.recorder import TurnRecorder
        from grokterm.chat.runner import to_new_image
        from grokterm.store import Store

        store = Store()
        record = store.start_turn(question, model=args.model, system_prompt=args.system,
                                  images=[to_new_image(p) for p in prepared])
        return TurnRecorder(store, record.assistant_message_id, model=args.model)
    except Exception as error:  # a full disk or a locked database must not stop the question
        eprint(f"grokterm: not saving this turn to the history ({error})")
        return None


def _finish_recording(recorder: Any, event: Any) -> None:
    if recorder is None or recorder.finished:
        return
    try:
        recorder.stop_checkpoints()
        recorder.finish(event)
    except Exception as error:
        eprint(f"grokterm: could not save the reply to the history ({error})")
    finally:
        recorder.store.close()


async def _ask(args: argparse.Namespace, history: tuple[Any, ...], settings: Settings,
               recorder: Any = None) -> int:
    try:
        return await _ask_recorded(args, history, settings, recorder)
    finally:
        _finish_recording(recorder, None)  # only if not finished: Ctrl-C or a crash = 'stopped'


async def _ask_recorded(args: argparse.Namespace, history: tuple[Any, ...], settings: Settings,
                        recorder: Any) -> int:
    from grokterm.commands.search_options import print_sources, search_json
    from grokterm.xai.errors import XAIError
    from grokterm.xai.events import (
        Completed,
        Failed,
        TurnRequest,
    )
    from grokterm.xai.usage import cost_ticks, format_usage

    request = TurnRequest(model=args.model, history=history, reasoning_effort=args.reasoning_effort,
                          search=getattr(args, "search_settings", None))
    printer = AnswerPrinter(sys.stdout, show_text=not args.json, show_reasoning=args.reasoning)
    completed: Completed | None = None
    failure: Failed | None = None
    async with client_from_args(args, settings) as client:
        if args.no_stream:
            try:
                completed = await client.complete_turn(request)
            except XAIError as error:
                failure = Failed(error)
            else:
                if recorder is not None:
                    completed = recorder.on_event(completed)
                printer.reasoning(completed.reasoning)
                printer.text(completed.text)
        else:
            async for event in client.stream_turn(request):
                if recorder is not None:
                    event = recorder.on_event(event)
                ending = printer.show(event)
                if isinstance(ending, Completed):
                    completed = ending
                elif isinstance(ending, Failed):
                    failure = ending
        printer.finish()
        if completed is not None and not args.json:
            print_sources(sys.stdout, completed.citations)
        if recorder is not None:
            _finish_recording(recorder, completed or failure)
        usage = completed.usage if completed else None
        ticks = None
        if usage is not None and (args.usage or args.json):
            ticks = usage.cost_ticks
            if ticks is None:  # the server sent no cost: compute it from the model's prices
                try:
                    ticks = cost_ticks(usage, await client.get_language_model(completed.model or args.model))
                except XAIError:
                    ticks = None
    if args.json:
        if completed is not None:
            body: dict[str, Any] = {
                "text": completed.text, "reasoning": completed.reasoning,
                "response_id": completed.response_id, "model": completed.model,
                "stored": completed.stored, "finish_reason": completed.finish_reason,
                **usage_json(usage, ticks),
                **search_json(completed.citations, completed.tool_calls, completed.tool_usage),
            }
        else:
            assert failure is not None
            body = {
                "text": failure.partial_text, "reasoning": failure.partial_reasoning,
                "response_id": failure.response_id, "model": args.model,
                "error": {"type": type(failure.error).__name__, "message": str(failure.error)},
                **search_json((), failure.tool_calls, None),
            }
        sys.stdout.write(json_dumps_safe(body) + "\n")
        sys.stdout.flush()
    if args.usage and usage is not None:
        eprint(f"usage: {format_usage(usage, ticks)}")
    if failure is not None:
        error = failure.error
        return fail(str(error), getattr(error, "exit_code", 1))
    return 0


def run(args: argparse.Namespace) -> int:
    question = _read_question(args)
    if question is None or not question.strip():
        return fail("no question: pass it as an argument or pipe it on stdin", EXIT_USAGE)
    from grokterm.commands.search_options import search_settings_from_args
    from grokterm.xai.tools import SearchSettingsError

    try:
        args.search_settings = search_settings_from_args(args)
    except SearchSettingsError as error:
        return fail(f"search: {error}", EXIT_USAGE)
    try:
        images = _prepare_images(args.image, args.detail) if args.image else []
    except _ImageFailure as error:
        return fail(str(error), EXIT_IMAGE)
    from grokterm.xai.events import Message

    history = ((Message("system", args.system),) if args.system else ()) + (
        Message("user", question.strip(), tuple(part for part, _ in images)),
    )
    try:
        sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
    except AttributeError:
        pass
    settings = load_settings()
    args.model = args.model or default_model(settings)
    recorder = _start_recording(args, question.strip(), [prepared for _, prepared in images])
    try:
        return run_api_command(lambda: _ask(args, history, settings, recorder))
    except BrokenPipeError:  # e.g. `grokterm ask ... | head -1`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
