"""What every API command shares: connection options, the client, exit codes, stderr, JSON output.

Exit codes (shared by every command that calls the API; the API error
classes carry theirs as `exit_code`):
    0    success
    1    unexpected API error
    2    usage error (bad arguments, no question)
    3    no API key (none given, none in $XAI_API_KEY, keyring empty or unavailable)
    4    API key rejected (HTTP 400 "incorrect API key", 401)
    5    permission denied (HTTP 403, key or team blocked)
    6    out of credits or over the spending limit
    7    rate limited (after retries)
    8    not found (model, stored response, the conversation to continue)
    9    request rejected (other 4xx)
    10   server error (5xx, 408/409) after retries
    11   timed out
    12   cannot connect (refused, DNS, TLS)
    13   reply interrupted or stalled (the partial answer was printed)
    14   unreadable reply
    15   an --image could not be read or prepared
    16   refused by the content policy (`image`; ContentPolicyError)
    17   a generated picture could not be written (`image`)
    130  interrupted (Ctrl-C)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import TYPE_CHECKING, Any, TextIO

from grokterm import config, defaults

if TYPE_CHECKING:
    from grokterm.config.settings import Settings
    from grokterm.xai.client import XAIClient

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_NO_KEY = 3
EXIT_NOT_FOUND = 8
EXIT_IMAGE = 15
EXIT_INTERRUPTED = 130

# C1/DEL, and the bidi controls and invisible characters grokterm.sanitize reveals: escaped as \uXXXX, so the
# JSON keeps the exact text while a terminal showing it is neither reordered nor hiding anything.
_C1_AND_DEL = re.compile(r"[\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\u2028\u2029]")


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """Options every API command shares; --base-url/--api-key are also accepted after the command.

    SUPPRESS keeps the top-level values (`grokterm --api-key K ask ...`) when not repeated here.
    """
    parser.add_argument("--demo", action="store_true", default=argparse.SUPPRESS,
                        help="use the built-in emulator instead of the API (no key needed)")
    parser.add_argument("--base-url", default=argparse.SUPPRESS,
                        help=f"API base URL (default $XAI_BASE_URL or {defaults.BASE_URL})")
    parser.add_argument("--api-key", default=argparse.SUPPRESS,
                        help="API key (visible to other local users in `ps`: prefer $XAI_API_KEY, --api-key-file, "
                             "api_key_command in config.toml or the OS keyring)")
    parser.add_argument("--api-key-file", default=argparse.SUPPRESS, metavar="PATH",
                        help="read the API key from this file (its first line)")
    parser.add_argument("--api-style", choices=("auto", "responses", "chat"),
                        help="wire API: responses, chat completions, or auto (responses, chat if missing)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="give up when the server sends nothing for this long "
                             f"(default {defaults.READ_TIMEOUT_S:g})")
    parser.add_argument("--retries", type=int, metavar="N",
                        help=f"retries of a request that failed before any reply (default {defaults.MAX_RETRIES})")


def styled(stream: TextIO) -> bool:
    """Whether to bold text on `stream`: a terminal, unless NO_COLOR is set (https://no-color.org:
    any non-empty value) or TERM is dumb. Answers and data are never styled."""
    import os

    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def eprint(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fail(message: str, code: int) -> int:
    """Print `grokterm: <message>` on stderr and return the exit code."""
    from grokterm.sanitize import sanitize_terminal

    eprint(f"grokterm: {sanitize_terminal(message)}")
    return code


def load_settings() -> Settings:
    """config.toml (never raises); its warnings go to stderr."""
    from grokterm.config.settings import load_settings_quietly

    settings = load_settings_quietly()
    for warning in settings.warnings:
        eprint(f"grokterm: warning: {warning}")
    return settings


def client_from_args(
    args: argparse.Namespace, settings: Settings, key: config.ApiKey | None = None
) -> XAIClient:
    """An XAIClient from --api-key/--base-url and the shared options; config.toml fills the gaps.

    Raises config.ConfigError (exit code EXIT_NO_KEY) when no key can be found.
    """
    from grokterm.xai.client import XAIClient

    profile = settings.profiles.get(settings.active_profile)
    if getattr(args, "demo", False):  # --demo wins over any key or URL: it must work with none
        from grokterm.commands.demo import demo_endpoint

        base_url, key_value = demo_endpoint()
    else:
        key_value = (key or config.key_from_args(args, settings.api_key_command)).value
        base_url = config.resolve_base_url(getattr(args, "base_url", None), profile.base_url if profile else None)
    return XAIClient(
        key_value,
        base_url=base_url,
        api_style=getattr(args, "api_style", None) or (profile and profile.api_style) or settings.api_style,
        read_timeout=getattr(args, "timeout", None) or settings.read_timeout_s,
        max_retries=settings.max_retries if getattr(args, "retries", None) is None else args.retries,
    )


def default_model(settings: Settings) -> str:
    profile = settings.profiles.get(settings.active_profile)
    return (profile and profile.default_model) or settings.default_model


def json_dumps_safe(value: Any) -> str:
    """JSON whose text has no raw control bytes at all (C0 are escaped by json; C1/DEL too here)."""
    text = json.dumps(value, ensure_ascii=False, indent=None)
    return _C1_AND_DEL.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def run_api_command(coroutine_factory: Any) -> int:
    """Run an async command body with the shared handling of keys, API errors and Ctrl-C."""
    import asyncio

    from grokterm.xai.errors import XAIError

    try:
        return asyncio.run(coroutine_factory())
    except config.ConfigError as error:
        return fail(str(error), EXIT_NO_KEY)
    except XAIError as error:
        return fail(str(error), error.exit_code)
    except KeyboardInterrupt:
        return fail("interrupted", EXIT_INTERRUPTED)


def usage_json(usage: Any, ticks: int | None) -> dict[str, Any]:
    return {
        "usage": None if usage is None else {
            "input_tokens": usage.input_tokens, "cached_tokens": usage.cached_tokens,
            "output_tokens": usage.output_tokens, "reasoning_tokens": usage.reasoning_tokens,
            "image_tokens": usage.image_tokens, "total_tokens": usage.total_tokens,
        },
        "cost_ticks": ticks,
        "cost": None if ticks is None else ticks / 10**10,
    }


class AnswerPrinter:
    """Writes sanitised answer text to stdout and reasoning to stderr as it arrives.

    Inline citations `[[n]](url)` print as footnote markers `[k]`; `sources()` lists the
    sources in that numbering, for print_sources (grokterm.commands.footnotes)."""

    def __init__(self, out: TextIO, show_text: bool, show_reasoning: bool) -> None:
        from grokterm.commands.footnotes import Footnotes
        from grokterm.sanitize import StreamSanitizer

        self.out = out
        self.show_text = show_text
        self.show_reasoning = show_reasoning
        self.text_filter = StreamSanitizer()
        self.footnotes = Footnotes()
        self.reasoning_filter = StreamSanitizer()
        self.last_char = ""
        self.reasoning_open = False

    def text(self, chunk: str) -> None:
        if self.show_text and chunk:
            self.end_reasoning()
            self._write(self.footnotes.feed(self.text_filter.feed(chunk)))

    def _write(self, clean: str) -> None:
        if clean:
            self.out.write(clean)
            self.out.flush()
            self.last_char = clean[-1]

    def reasoning(self, chunk: str) -> None:
        if self.show_reasoning and chunk:
            sys.stderr.write(self.reasoning_filter.feed(chunk))
            sys.stderr.flush()
            self.reasoning_open = True

    def end_reasoning(self) -> None:
        if self.reasoning_open:
            sys.stderr.write(self.reasoning_filter.flush() + "\n")
            self.reasoning_open = False

    def show(self, event: Any) -> Any:
        """Print what a turn event carries; returns the event itself when it ends the turn."""
        from grokterm.commands.search_options import tool_status_to_stderr
        from grokterm.xai.events import (
            Completed,
            Failed,
            Notice,
            ReasoningDelta,
            Retrying,
            TextDelta,
            ToolCallUpdate,
        )

        if isinstance(event, ToolCallUpdate):
            tool_status_to_stderr(event.call)
        elif isinstance(event, TextDelta):
            self.text(event.text)
        elif isinstance(event, ReasoningDelta):
            self.reasoning(event.text)
        elif isinstance(event, Retrying):
            eprint(f"grokterm: {event.reason} (retry {event.attempt} in {event.delay:.2g} s)")
        elif isinstance(event, Notice):
            eprint(f"grokterm: {event.text}")
        elif isinstance(event, (Completed, Failed)):
            return event
        return None

    def sources(self, citations: Any) -> list[Any]:
        """The reply's citations in the order of the printed `[k]` markers."""
        return self.footnotes.sources(citations)

    def finish(self) -> None:
        self.end_reasoning()
        self._write(self.footnotes.feed(self.text_filter.flush()) + self.footnotes.flush())
        if self.last_char not in ("", "\n"):
            self.out.write("\n")
        self.out.flush()
