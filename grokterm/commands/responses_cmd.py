"""`grokterm responses list|show|delete|forget|continue`: the stored-response catalogue from a shell.

The API cannot list stored responses, so `list` reads the local index (no key,
no network; `--check` asks the server about each listed row). `show`, `delete`
and `continue` talk to the API; an id created elsewhere with the same key joins
the index when shown or continued. Only definite server answers change the
index (see grokterm.chat.responses). Model text is untrusted: everything printed
goes through `sanitize_terminal`; `--json` escapes control characters.

Exit codes are those of `grokterm ask` (8: not on the server / not found).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from dataclasses import asdict
from typing import Any

from grokterm.commands.common import (
    EXIT_USAGE,
    add_connection_options,
    client_from_args,
    default_model,
    eprint,
    fail,
    json_dumps_safe,
    load_settings,
    run_api_command,
)

log = logging.getLogger(__name__)

EXIT_NOT_FOUND = 8
SORTS = ("created", "expires", "cost", "tokens", "model")
STATUSES = ("live", "deleted", "expired", "unknown", "unstored")  # grokterm.store.responses.LISTED_STATUSES


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = "List, show, delete or continue stored responses (the API keeps them 30 days)."
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(responses_action="list", status=None, model=None, query=None, sort="created",
                        ascending=False, limit=50, check=False)
    actions = parser.add_subparsers(dest="responses_action", metavar="ACTION")

    listing = actions.add_parser("list", help="indexed responses, newest first (the default; no network)")
    listing.add_argument("--status", choices=STATUSES,
                         help="only this status (unstored: replies sent with store: false, never kept by the server)")
    listing.add_argument("--model", help="only this model")
    listing.add_argument("--query", help="text in the prompt, reply or id")
    listing.add_argument("--sort", choices=SORTS, default="created", help="sort key (default created)")
    listing.add_argument("--asc", dest="ascending", action="store_true", help="ascending order")
    listing.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    listing.add_argument("--check", action="store_true", help="ask the server about each live/unknown row first")
    _json_flag(listing)
    add_connection_options(listing)

    show = actions.add_parser("show", help="fetch a response (any id made with this key) and print it")
    show.add_argument("id")
    show.add_argument("--chain", type=int, default=8, metavar="N",
                      help="follow previous_response_id up to N steps on the server (default 8, 0 = off)")
    _json_flag(show)
    add_connection_options(show)

    delete = actions.add_parser("delete", help="delete responses on the server (the index keeps them as deleted)")
    delete.add_argument("ids", nargs="+", metavar="ID")
    _json_flag(delete)
    add_connection_options(delete)

    forget = actions.add_parser("forget", help="remove responses from the local index only (no network)")
    forget.add_argument("ids", nargs="+", metavar="ID")
    _json_flag(forget)

    cont = actions.add_parser(
        "continue", help="send PROMPT chained on a stored response (previous_response_id); stream the reply",
        description="Without --branch the reply goes to the response's own conversation when the response "
                    "is its last reply; otherwise (and with --branch) to a new conversation holding a copy "
                    "of the history up to that response. The original conversation is never changed.",
    )
    cont.add_argument("id")
    cont.add_argument("prompt", nargs="*", help="the message (default: stdin when piped; none: just prepare)")
    cont.add_argument("--branch", action="store_true", help="always start a new conversation")
    cont.add_argument("-m", "--model", dest="turn_model", metavar="MODEL", help="model (default: the response's)")
    _json_flag(cont)
    add_connection_options(cont)


def _json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")


def _clean(text: str | None, limit: int | None = None) -> str:
    from grokterm.sanitize import sanitize_terminal
    from grokterm.store.display import one_line

    return one_line(sanitize_terminal(text or ""), limit)


def _dollars(ticks: int | None) -> str:
    return "—" if ticks is None else f"${ticks / 10**10:.5f}"


def _left(entry: Any, status: str, now: float) -> str:
    if status != "live":
        return "—"
    days = entry.seconds_left(now) / 86400
    return f"{days:.0f}d" if days >= 1 else f"{days * 24:.0f}h"


def _print_json(value: Any) -> None:
    sys.stdout.write(json_dumps_safe(value) + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------------------- list / forget (local)


def _list(store: Any, args: argparse.Namespace) -> list[Any]:
    return store.list_responses(status=args.status, model=args.model, query=args.query, sort=args.sort,
                                descending=not args.ascending, limit=args.limit)


def _print_list(entries: list[Any], args: argparse.Namespace) -> int:
    from grokterm.chat import responses as rs
    from grokterm.store.display import when

    now = time.time()
    if args.json:
        _print_json([rs.entry_json(entry, now) for entry in entries])
        return 0
    if not entries:
        print("no stored responses in the index")
        return 0
    for entry in entries:
        status = rs.effective_status(entry, now)
        about = _clean(entry.conversation_title, 30) or _clean(entry.prompt_preview, 30) or "(no conversation)"
        print(f"{entry.response_id}  {when(entry.created_at)}  {status:<7} {_left(entry, status, now):>4}  "
              f"{_clean(entry.model, 18) or '?':<18} {_dollars(entry.cost_ticks):>9}  {about}")
    return 0


def _forget(store: Any, args: argparse.Namespace) -> int:
    from grokterm.chat import responses as rs

    known = [i for i in args.ids if store.get_response_entry(i) is not None]
    removed = rs.forget(store, known)
    missing = [i for i in args.ids if i not in known]
    if args.json:
        _print_json({"forgotten": known, "not_in_index": missing})
    else:
        print(f"forgot {removed} response(s) locally; the server copies are untouched")
    for response_id in missing:
        eprint(f"grokterm: {_clean(response_id)} is not in the local index")
    return EXIT_NOT_FOUND if missing else 0


# ---------------------------------------------------------------------------- API actions


async def _check_then_list(store: Any, args: argparse.Namespace, settings: Any) -> int:
    from grokterm.chat import responses as rs

    entries = _list(store, args)
    to_check = [e.response_id for e in entries if rs.effective_status(e, time.time()) in ("live", "unknown")]
    async with client_from_args(args, settings) as client:
        report = await rs.refresh_many(store, client, to_check)
    eprint(f"grokterm: checked: {report.summary('live')}")
    _print_list(_list(store, args), args)
    return report.error.exit_code if report.error is not None else 0


async def _show(store: Any, args: argparse.Namespace, settings: Any) -> int:
    from grokterm.chat import responses as rs
    from grokterm.chat.models import load_models
    from grokterm.store.display import when
    from grokterm.xai.usage import format_usage

    async with client_from_args(args, settings) as client:
        fetched = await rs.fetch(store, client, args.id)
        chain = await rs.walk_chain(store, client, fetched.response, max_depth=args.chain) if args.chain else None
        try:  # prices, for a cost when the server sent none (as `ask -u` computes it)
            models = await load_models(store, client)
        except Exception:  # the cost then stays unknown; the response itself is shown
            log.warning("responses show: no model list for prices", exc_info=True)
            models = []
    response, entry = fetched.response, fetched.entry
    now = time.time()
    if args.json:
        _print_json({
            "response": rs.response_json(response),
            "index": rs.entry_json(entry, now) if entry else None,
            "chain": [asdict(link) for link in chain.links] if chain else None,
            "chain_complete": chain.complete if chain else None,
        })
        return 0
    usage = rs.reply_usage(response, models)
    print(f"id        {_clean(response.id)}")
    print(f"model     {_clean(response.model)}   status {entry.status if entry else '?'}"
          f"   created {when(response.created_at) if response.created_at else '—'}")
    if entry is not None:
        print(f"expires   {when(entry.expires_at)}   conversation {_clean(entry.conversation_title) or '—'}")
    if usage is not None:
        print(f"usage     {format_usage(usage, usage.cost_ticks)}")
    if chain is not None and chain.links:
        ids = " → ".join(f"{_clean(link.response_id)} ({link.status})" for link in chain.links)
        print(f"chain     {ids} → this" + ("" if chain.complete else f"   [{_clean(chain.note)}]"))
    from grokterm.sanitize import sanitize_terminal

    if response.reasoning_text:
        print("\n--- reasoning summary ---")
        print(sanitize_terminal(response.reasoning_text).rstrip())
    from grokterm.commands.footnotes import footnoted
    from grokterm.commands.search_options import print_sources
    from grokterm.xai.tools import citations_from_output

    reply, sources = footnoted(sanitize_terminal(response.output_text), citations_from_output(response.output))
    print("\n--- reply ---")
    print(reply.rstrip())
    print_sources(sys.stdout, sources)  # the stored response's citations, numbered as the reply's [k]
    return 0


async def _delete(store: Any, args: argparse.Namespace, settings: Any) -> int:
    from grokterm.chat import responses as rs

    async with client_from_args(args, settings) as client:
        report = await rs.delete_many(store, client, args.ids, concurrency=1)
    if args.json:
        _print_json({
            "deleted": report.done, "not_found": [{"id": i, "status": s} for i, s in report.gone],
            "not_attempted": report.not_attempted, "error": None if report.error is None else str(report.error),
        })
    else:
        for response_id in report.done:
            print(f"deleted {_clean(response_id)}")
    for response_id, status in report.gone:
        eprint(f"grokterm: {_clean(rs.gone_message(response_id, status))}")
    if report.error is not None:
        return fail(f"{report.error} ({len(report.not_attempted)} not deleted; index unchanged for them)",
                    report.error.exit_code)
    return EXIT_NOT_FOUND if report.gone else 0


def _read_prompt(args: argparse.Namespace) -> str:
    if args.prompt:
        return " ".join(args.prompt)
    if not sys.stdin.isatty():
        return sys.stdin.read().strip()
    return ""


async def _continue(store: Any, args: argparse.Namespace, settings: Any, prompt: str) -> int:
    from grokterm.chat import responses as rs
    from grokterm.chat.models import load_models
    from grokterm.chat.runner import TurnRunner
    from grokterm.commands.common import AnswerPrinter, usage_json
    from grokterm.xai.events import Completed, Failed

    async with client_from_args(args, settings) as client:
        try:
            models = await load_models(store, client)
        except Exception:  # prices are a nicety: the cost then comes from the server or stays unknown
            log.warning("model list unavailable; cost from the server only", exc_info=True)
            models = []
        target = await rs.continue_from(store, client, args.id, branch=args.branch, models=models)
        conversation = store.get_conversation(target.conversation_id)
        where = "a new conversation" if target.created else "its own conversation"
        eprint(f"grokterm: continuing {_clean(args.id)} in {where} #{target.conversation_id} "
               f"({_clean(conversation.title, 50)})")
        summary: dict[str, Any] = {
            "conversation_id": target.conversation_id, "new_conversation": target.created,
            "previous_response_id": target.response.id,
        }
        if not prompt:
            if args.json:
                _print_json(summary)
            return 0
        model = args.turn_model or conversation.model or target.response.model or default_model(settings)
        runner = TurnRunner(store, client, models=models)
        printer = AnswerPrinter(sys.stdout, show_text=not args.json, show_reasoning=False)
        completed: Completed | None = None
        failure: Failed | None = None
        try:
            async for event in runner.send(target.conversation_id, prompt, model=model):
                ending = printer.show(event)
                if isinstance(ending, Completed):
                    completed = ending
                elif isinstance(ending, Failed):
                    failure = ending
        finally:
            runner.close()  # pending checkpoint writes land before the store closes
            printer.finish()  # on Ctrl-C too: what was held back is printed and the partial line ends
        if completed is not None and not args.json:
            from grokterm.commands.search_options import print_sources

            print_sources(sys.stdout, printer.sources(completed.citations))
    if args.json:
        if completed is not None:
            usage = completed.usage
            summary.update(text=completed.text, reasoning=completed.reasoning, response_id=completed.response_id,
                           model=completed.model, stored=completed.stored,
                           **usage_json(usage, usage.cost_ticks if usage else None))
        else:
            assert failure is not None
            summary.update(text=failure.partial_text, response_id=failure.response_id,
                           error={"type": type(failure.error).__name__, "message": str(failure.error)})
        _print_json(summary)
    if failure is not None:
        return fail(str(failure.error), getattr(failure.error, "exit_code", 1))
    return 0


# ---------------------------------------------------------------------------- dispatch


def run(args: argparse.Namespace) -> int:
    from grokterm.chat.responses import ResponseGone
    from grokterm.store import Store, StoreError

    action = args.responses_action or "list"  # argparse leaves None when no action is given
    prompt = _read_prompt(args) if action == "continue" else ""
    try:
        sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
    except AttributeError:
        pass
    try:
        with Store() as store:
            if action == "list" and not args.check:
                return _print_list(_list(store, args), args)
            if action == "forget":
                return _forget(store, args)
            settings = load_settings()
            bodies = {
                "list": lambda: _check_then_list(store, args, settings),
                "show": lambda: _show(store, args, settings),
                "delete": lambda: _delete(store, args, settings),
                "continue": lambda: _continue(store, args, settings, prompt),
            }
            if action not in bodies:
                return fail(f"unknown action {action!r}", EXIT_USAGE)
            try:
                return run_api_command(bodies[action])
            except ResponseGone as gone:
                return fail(str(gone), EXIT_NOT_FOUND)
    except StoreError as error:
        return fail(str(error), 1)
    except BrokenPipeError:  # e.g. `grokterm responses list | head -1`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
