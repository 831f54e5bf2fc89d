"""`grokterm ask`: ask one question, stream the answer to stdout (for scripts and quick use).

The question comes from the arguments, stdin, or both: with both, the piped text goes
first and the question after it, separated by a blank line (`git diff | grokterm ask
"review this"`, the convention of `llm`), and the conversation is titled from the question,
not from the piped text. Stdin must be UTF-8; anything else is refused with a clear message
rather than guessed. `-c` continues the most recent conversation and `--cid ID` a given one
(its history, model and system prompt carry on, chained on the stored response when there is
one); new conversations are titled from the first words of the question, free and instant (no
title request: it would cost a round trip and tokens on every `ask`), and marked as started by
`ask`, so `grokterm history` and the app's finder tell them apart.

The answer is untrusted text: it always goes through
`sanitize_terminal` (escape sequences and control bytes removed), on a TTY
and in a pipe alike. `--json` prints one JSON object instead (control
characters escaped). Inline citations `[[n]](url)` print as footnotes `[k]`,
listed under "Sources:" at the end (grokterm.commands.footnotes). Diagnostics,
retries, `--usage` and `--reasoning` go to stderr, so stdout holds only the answer.

Exit codes: see grokterm.commands.common (15 = an --image could not be read).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import functools
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from grokterm import defaults
from grokterm.commands.common import (
    EXIT_ERROR,
    EXIT_IMAGE,
    EXIT_NOT_FOUND,
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
    from grokterm.xai.client import XAIClient
    from grokterm.xai.events import Completed, ImagePart, TurnRequest

ORIGIN = "ask"  # conversations.origin of the conversations this command starts

log = logging.getLogger(__name__)


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = "Ask one question and stream the answer to stdout."
    parser.add_argument("question", nargs="*",
                        help="the question; piped stdin is sent too, before it (or alone when no question)")
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
    parser.add_argument("--no-stdin", action="store_true",
                        help="ignore stdin even when it is piped (e.g. inside a `while read` loop)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("-c", "--continue", dest="continue_last", action="store_true",
                       help="continue the most recent conversation (its history is sent)")
    where.add_argument("--cid", metavar="ID",
                       help="continue conversation ID (the number in `grokterm history`, or its uid)")
    add_search_options(parser)
    add_connection_options(parser)


class _InputFailure(Exception):
    """A prompt that cannot be sent as given (exit code EXIT_USAGE)."""


def _undecodable(text: str) -> bool:
    """True when text carries bytes that were not UTF-8 (Python keeps them as lone surrogates)."""
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def decode_stdin(data: bytes) -> str:
    """Piped bytes as text: strict UTF-8 (a BOM is dropped); anything else is refused, not guessed."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise _InputFailure(
            f"stdin is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}): convert it "
            "first (e.g. `iconv -f latin1 -t utf-8`); to send a picture use -i FILE"
        ) from None


def read_prompt(args: argparse.Namespace) -> tuple[str, str]:
    """(the prompt to send, the text to title a new conversation from); "" when there is none.

    Piped text and a question are both sent: the piped text first, then the question.
    """
    question = " ".join(args.question).strip()
    if _undecodable(question):
        raise _InputFailure("the question is not UTF-8 text (check the terminal's or the script's encoding)")
    piped = ""
    if not args.no_stdin and not sys.stdin.isatty():
        piped = decode_stdin(sys.stdin.buffer.read()).strip()
    if piped and question:
        return f"{piped}\n\n{question}", question
    prompt = question or piped
    return prompt, prompt


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


def _start_recording(args: argparse.Namespace, question: str, prepared: list[Any], title: str) -> Any:
    """Save the question (and a pending reply) in a new conversation before asking; None with
    --no-save or when the history cannot be written (asking still works, with a warning)."""
    if args.no_save:
        return None
    try:
        from grokterm.chat.recorder import TurnRecorder
        from grokterm.chat.runner import to_new_image
        from grokterm.store import Store
        from grokterm.store.conversations import derive_title

        store = Store()
        record = store.start_turn(question, model=args.model, system_prompt=args.system,
                                  images=[to_new_image(p) for p in prepared], title=derive_title(title),
                                  origin=ORIGIN)
        return TurnRecorder(store, record.assistant_message_id, model=args.model)
    except Exception as error:  # a full disk or a locked database must not stop the question
        log.warning("not saving this turn to the history", exc_info=True)
        eprint(f"grokterm: not saving this turn to the history ({error})")
        return None


class _Continuation:
    """`-c` / `--cid`: the stored conversation to continue, and the turn being added to it."""

    def __init__(self, store: Any, conversation: Any) -> None:
        self.store = store
        self.conversation = conversation
        self.reply_id = 0  # no reply row yet (--no-save never makes one)

    @classmethod
    def open(cls, args: argparse.Namespace) -> _Continuation:
        """The conversation named by --cid, or the most recent one for -c (raises _NotFound)."""
        from grokterm.store import Store

        store = Store()
        try:
            if args.cid is not None:
                conversation = store.find_conversation(args.cid)
                if conversation is None:
                    raise _NotFound(f"no conversation {args.cid!r} (see `grokterm history list`)")
            else:
                recent = store.list_conversations(limit=1, archived=None)
                if not recent:
                    raise _NotFound("no conversation to continue yet: ask without -c first")
                conversation = recent[0]
        except BaseException:
            store.close()
            raise
        return cls(store, conversation)

    def start(self, args: argparse.Namespace, question: str, prepared: list[Any]) -> Any:
        """Adopt a new -s, save the question (unless --no-save); returns the recorder or None."""
        from grokterm.chat.recorder import TurnRecorder
        from grokterm.chat.runner import to_new_image

        conversation = self.conversation
        if args.no_save:
            return None  # nothing is written, not even a new -s (request() applies it to this turn only)
        if self._new_system_prompt(args):
            # The server's stored context has the old system prompt: drop the chain, send everything.
            self.conversation = self.store.update_conversation(
                conversation.id, system_prompt=args.system, last_response_id=None)
        record = self.store.start_turn(question, model=args.model, conversation_id=conversation.id,
                                       images=[to_new_image(p) for p in prepared])
        self.reply_id = record.assistant_message_id
        return TurnRecorder(self.store, record.assistant_message_id, model=args.model)

    async def request(self, args: argparse.Namespace, question: str, images: tuple[Any, ...]) -> TurnRequest:
        """The turn as the app would send it: stored history, chained on the last stored reply."""
        import dataclasses

        from grokterm.chat.runner import TurnRunner
        from grokterm.xai.events import Message

        # Each --demo process has its own emulator, gone when the command ends: the stored response to
        # chain on is never there, so the whole conversation goes at once (not a request sure to 404 first).
        chain_since = time.time() if getattr(args, "demo", False) else None
        runner = TurnRunner(self.store, None, chain_since=chain_since)  # type: ignore[arg-type]  # builds the request
        try:
            request = await runner.build_request(self.conversation.id, self.reply_id, args.model)
        finally:
            runner.close()
        if not self.reply_id:  # --no-save: the new question is not in the store, add it here
            history = (*request.history, Message("user", question, images))
            if self._new_system_prompt(args):  # this turn only: a system prompt of its own, unchained
                history = ((Message("system", args.system),) if args.system else ()) + tuple(
                    m for m in history if m.role != "system")
                request = dataclasses.replace(request, previous_response_id=None)
            request = dataclasses.replace(request, history=history)
        return dataclasses.replace(request, reasoning_effort=args.reasoning_effort)

    def _new_system_prompt(self, args: argparse.Namespace) -> bool:
        return args.system is not None and args.system != (self.conversation.system_prompt or "")

    def close(self) -> None:
        self.store.close()


class _NotFound(Exception):
    pass


def _finish_recording(recorder: Any, event: Any) -> None:
    if recorder is None or recorder.finished:
        return
    try:
        recorder.stop_checkpoints()
        recorder.finish(event)
    except Exception as error:
        log.warning("could not save the reply to the history", exc_info=True)
        eprint(f"grokterm: could not save the reply to the history ({error})")
    finally:
        recorder.store.close()


async def _effort_to_send(client: XAIClient, model: str, effort: str | None) -> str | None:
    """The reasoning effort the model takes (grokterm.xai.capabilities); says so on stderr when dropped."""
    if not effort:
        return None
    from grokterm.xai.capabilities import effort_to_send
    from grokterm.xai.errors import XAIError

    try:
        models = [await client.get_language_model(model)]  # resolves an alias to its model
    except XAIError:
        models = []
    sent, notice = effort_to_send(model, effort, models)
    if notice:
        eprint(f"grokterm: {notice}")
    return sent


async def _ask(args: argparse.Namespace, make_request: Callable[[], Awaitable[TurnRequest]],
               settings: Settings, recorder: Any = None) -> int:
    try:
        return await _ask_recorded(args, make_request, settings, recorder)
    finally:
        _finish_recording(recorder, None)  # only if not finished: Ctrl-C or a crash = 'stopped'


async def _ask_recorded(args: argparse.Namespace, make_request: Callable[[], Awaitable[TurnRequest]],
                        settings: Settings, recorder: Any) -> int:
    from dataclasses import replace

    from grokterm.commands.search_options import print_sources, search_json
    from grokterm.xai.errors import XAIError
    from grokterm.xai.events import Completed, Failed
    from grokterm.xai.usage import cost_ticks, format_usage

    request = await make_request()
    conversation_id = recorder.store.get_message(recorder.reply_id).conversation_id if recorder else None
    if getattr(args, "search_settings", None) is not None:
        request = dataclasses.replace(request, search=args.search_settings)
    printer = AnswerPrinter(sys.stdout, show_text=not args.json, show_reasoning=args.reasoning)
    completed: Completed | None = None
    failure: Failed | None = None
    async with client_from_args(args, settings) as client:
        effort = await _effort_to_send(client, request.model, request.reasoning_effort)
        request = replace(request, reasoning_effort=effort)
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
            try:
                async for event in client.stream_turn(request):
                    if recorder is not None:
                        event = recorder.on_event(event)
                    ending = printer.show(event)
                    if isinstance(ending, Completed):
                        completed = ending
                    elif isinstance(ending, Failed):
                        failure = ending
            except asyncio.CancelledError:  # Ctrl-C: print what was held back and end the partial line,
                printer.finish()  # so "grokterm: interrupted" starts a line of its own
                raise
        printer.finish()
        if completed is not None and not args.json:
            print_sources(sys.stdout, printer.sources(completed.citations))
        if recorder is not None:
            _finish_recording(recorder, completed or failure)
        usage = completed.usage if completed else None
        ticks = None
        if usage is not None and (args.usage or args.json):
            ticks = usage.cost_ticks
            if ticks is None:  # the server sent no cost: compute it from the model's prices
                from grokterm.chat.models import model_for_cost

                try:  # the reply may name a model the catalogue lists only by its base (grok-3-mini-high)
                    models = await client.list_language_models()
                    ticks = cost_ticks(usage, model_for_cost(models, completed.model if completed else None,
                                                             args.model))
                except XAIError:
                    ticks = None
    if args.json:
        if completed is not None:
            body: dict[str, Any] = {
                "text": completed.text, "reasoning": completed.reasoning,
                "response_id": completed.response_id, "model": completed.model,
                "stored": completed.stored, "finish_reason": completed.finish_reason,
                "conversation_id": conversation_id, **usage_json(usage, ticks),
                **search_json(completed.citations, completed.tool_calls, completed.tool_usage),
            }
        else:
            assert failure is not None
            body = {
                "text": failure.partial_text, "reasoning": failure.partial_reasoning,
                "response_id": failure.response_id, "model": args.model, "conversation_id": conversation_id,
                "error": {"type": type(failure.error).__name__, "message": str(failure.error)},
                **search_json((), failure.tool_calls, None),
            }
        sys.stdout.write(json_dumps_safe(body) + "\n")
        sys.stdout.flush()
    if args.usage and usage is not None:
        eprint(f"usage: {format_usage(usage, ticks)}")
    if failure is not None:
        return fail(str(failure.error), getattr(failure.error, "exit_code", 1))
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        question, title = read_prompt(args)
    except _InputFailure as error:
        return fail(str(error), EXIT_USAGE)
    if not question:
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
    try:
        sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
    except AttributeError:
        pass
    settings = load_settings()
    prepared = [p for _, p in images]
    parts = tuple(part for part, _ in images)
    continuation: _Continuation | None = None
    make_request: Callable[[], Awaitable[TurnRequest]]
    if args.continue_last or args.cid is not None:
        from grokterm.store import StoreError

        try:
            continuation = _Continuation.open(args)
            args.model = args.model or continuation.conversation.model or default_model(settings)
            recorder = continuation.start(args, question, prepared)
        except _NotFound as error:
            return fail(str(error), EXIT_NOT_FOUND)
        except StoreError as error:
            if continuation is not None:
                continuation.close()
            return fail(f"cannot continue: {error}", EXIT_ERROR)
        if sys.stderr.isatty():
            from grokterm.store.display import one_line

            conversation = continuation.conversation
            eprint(f"continuing #{conversation.id}: {one_line(conversation.title, 60) or '(untitled)'}")
        make_request = functools.partial(continuation.request, args, question, parts)
    else:
        from grokterm.xai.events import Message, TurnRequest

        history = ((Message("system", args.system),) if args.system else ()) + (Message("user", question, parts),)
        args.model = args.model or default_model(settings)
        recorder = _start_recording(args, question, prepared, title)

        async def new_request() -> TurnRequest:
            return TurnRequest(model=args.model, history=history, reasoning_effort=args.reasoning_effort)

        make_request = new_request

    try:
        return run_api_command(lambda: _ask(args, make_request, settings, recorder))
    except BrokenPipeError:  # e.g. `grokterm ask ... | head -1`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        if continuation is not None:
            continuation.close()
