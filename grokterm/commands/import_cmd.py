"""`grokterm import FILE`: add a conversation from a `grokterm export --format json` file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grokterm.commands.common import EXIT_ERROR, fail
from grokterm.store.display import one_line


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a JSON file written by `grokterm export --format json` (- for stdin)")


def run(args: argparse.Namespace) -> int:
    from grokterm.store import Store, StoreError

    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as error:
        return fail(f"cannot read {args.file}: {error.strerror}", EXIT_ERROR)
    try:
        with Store() as store:
            conversation = store.import_json(data)
            count = len(store.list_messages(conversation.id))
    except StoreError as error:
        return fail(str(error), EXIT_ERROR)
    title = one_line(conversation.title, 60) or "(untitled)"
    print(f"imported {title!r} as conversation {conversation.id} ({count} messages)")
    return 0
