"""`grokterm emulator`: run the local xAI-compatible emulator in the foreground.

For people (point any OpenAI/xAI client at it) and for subprocess tests and
benchmarks (the first line of output is the base URL, so port 0 works).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading


def register(parser: argparse.ArgumentParser) -> None:
    from grokterm.emulator.server import DEFAULT_API_KEY, DEFAULT_FIRST_TOKEN_DELAY, DEFAULT_SPEED

    parser.add_argument("--port", type=int, default=8008, metavar="N",
                        help="TCP port (0 = any free port; default 8008)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--speed", type=float, default=DEFAULT_SPEED, metavar="TOKENS_PER_S",
                        help=f"streamed tokens per second, 0 = unlimited (default {DEFAULT_SPEED:g})")
    parser.add_argument("--first-token-delay", type=float, default=None, metavar="SECONDS",
                        help=f"seconds before the first streamed token (default {DEFAULT_FIRST_TOKEN_DELAY:g}, "
                             "0 with --speed 0)")
    parser.add_argument("--strict", action="store_true", default=None,
                        help="answer 400 to any request field or header no xAI document shows "
                             "(default: $GROKTERM_EMULATOR_STRICT)")
    parser.add_argument("--api-key", dest="emulator_api_key", default=DEFAULT_API_KEY, metavar="K",
                        help=f"the key clients must send (default {DEFAULT_API_KEY}; not a secret)")


def run(args: argparse.Namespace) -> int:
    from grokterm.emulator.server import DEFAULT_FIRST_TOKEN_DELAY, start_emulator

    # Only the sub-command's own --api-key: a real key given to `grokterm --api-key` must never be printed.
    key = args.emulator_api_key
    delay = args.first_token_delay
    if delay is None:
        delay = 0.0 if args.speed == 0 else DEFAULT_FIRST_TOKEN_DELAY
    try:
        emulator = start_emulator(port=args.port, api_key=key, speed=args.speed, first_token_delay=delay,
                                  host=args.host, strict=args.strict)
    except (OSError, ValueError) as exc:
        print(f"grokterm emulator: cannot start: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    speed = "unlimited" if args.speed == 0 else f"{args.speed:g} tokens/s"
    print(f"grokterm emulator listening on {emulator.base_url}", flush=True)
    print(f"API key: {emulator.api_key}   (emulator keys are not secrets)")
    print(f"Streaming speed: {speed}; first token after {delay:g} s")
    if emulator.state.strict:
        print("Strict: undocumented request fields and headers get a 400 naming them")
    print(f"Try: XAI_BASE_URL={emulator.base_url} XAI_API_KEY={emulator.api_key} grokterm")
    print("Prompt directives: !echo TEXT, !recall, !long N, !fault SPEC (429:retry=2, cut:5, stall:3, ...)")
    print("Press Ctrl+C to stop.", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    print("grokterm emulator stopped.", flush=True)
    return 0
