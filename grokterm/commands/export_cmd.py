"""`grokterm export ID [--format md|json] [-o FILE]`: a conversation as Markdown or JSON.

ID is the number `grokterm history` shows, or the conversation's uid. Files we
write are created readable only by you (0600), like the database they come from.
"""

from __future__ import annotations

import argparse
import os
import sys

from grokterm.commands.common import EXIT_ERROR, fail
from grokterm.sanitize import sanitize_terminal


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", help="conversation number (see `grokterm history`) or uid")
    parser.add_argument("--format", choices=("md", "json"), help="default: from -o's suffix, else md")
    parser.add_argument("-o", "--output", help="file to write (default: standard output)")
    parser.add_argument(
        "--no-images", action="store_true", help="JSON: reference images by hash instead of embedding them"
    )


def _write_private(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def run(args: argparse.Namespace) -> int:
    from grokterm.store import Store, StoreError

    fmt = args.format or ("json" if args.output and args.output.lower().endswith(".json") else "md")
    try:
        with Store() as store:
            conversation = store.find_conversation(args.id)
            if conversation is None:
                return fail(f"no conversation {args.id!r} (see `grokterm history`)", EXIT_ERROR)
            if fmt == "json":
                text = store.export_json(conversation.id, include_images=not args.no_images)
            else:
                text = store.export_markdown(conversation.id)
    except StoreError as error:
        return fail(str(error), EXIT_ERROR)
    if args.output and args.output != "-":
        try:
            _write_private(args.output, text)
        except OSError as error:
            return fail(f"cannot write {args.output}: {error.strerror}", EXIT_ERROR)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        if sys.stdout.isatty():  # model text must not drive the terminal; files stay faithful
            text = sanitize_terminal(text)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
