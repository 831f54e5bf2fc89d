"""`grokterm history [--json] [list | search QUERY]`: browse and search stored conversations."""

from __future__ import annotations

import argparse
import json
import sys

from grokterm.commands.common import EXIT_ERROR, fail, styled
from grokterm.store.display import inline, one_line, origin_label, when


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(history_action="list", limit=20, archived=False, everything=False)
    actions = parser.add_subparsers(dest="history_action", metavar="ACTION")
    listing = actions.add_parser("list", help="recent conversations, newest first (the default)")
    listing.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    listing.add_argument("--archived", action="store_true", help="list archived conversations instead")
    listing.add_argument("--all", dest="everything", action="store_true", help="archived and not")
    listing.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    search = actions.add_parser("search", help="full-text search over every message")
    search.add_argument("query", nargs="+", help="words (ANDed), \"a phrase\", or prefix*")
    search.add_argument("--limit", type=int, default=20, help="how many hits (default 20)")
    search.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")


def _list(store, args: argparse.Namespace) -> int:
    archived = None if args.everything else args.archived
    conversations = store.list_conversations(limit=args.limit, archived=archived)
    if args.json:
        print(json.dumps([
            {"id": c.id, "uid": c.uid, "title": c.title, "model": c.model, "created_at": c.created_at,
             "updated_at": c.updated_at, "archived": c.archived, "last_response_id": c.last_response_id,
             "origin": c.origin}
            for c in conversations
        ], ensure_ascii=False, indent=1))
        return 0
    if not conversations:
        print("no conversations yet")
        return 0
    width = max(len(str(c.id)) for c in conversations)
    for c in conversations:
        flag = " [archived]" if c.archived else ""
        title = one_line(c.title, 70) or "(untitled)"
        print(f"{c.id:>{width}}  {when(c.updated_at)}  {origin_label(c.origin)}  {title}{flag}")
    return 0


def _search(store, args: argparse.Namespace) -> int:
    query = " ".join(args.query)
    hits = store.search(query, limit=args.limit)
    if args.json:
        print(json.dumps([
            {"conversation_id": h.conversation_id, "conversation_title": h.conversation_title,
             "conversation_origin": h.conversation_origin,
             "message_id": h.message_id, "role": h.role, "created_at": h.created_at, "rank": h.rank,
             "snippet": h.snippet, "matches": [text for text, hit in h.parts if hit]}
            for h in hits
        ], ensure_ascii=False, indent=1))
        return 0
    if not hits:
        print(f"no messages match {one_line(query)!r}")
        return 0
    bold = styled(sys.stdout)
    for h in hits:
        snippet = "".join(
            (f"\x1b[1m{inline(t)}\x1b[22m" if bold else inline(t)) if hit else inline(t)
            for t, hit in h.parts
        ).strip()
        title = one_line(h.conversation_title, 50) or "(untitled)"
        print(f"{h.conversation_id}  {title}  ·  {h.role} {when(h.created_at)}  (message {h.message_id})")
        print(f"    {snippet}")
    return 0


def run(args: argparse.Namespace) -> int:
    from grokterm.store import Store, StoreError

    try:
        with Store() as store:
            return _search(store, args) if args.history_action == "search" else _list(store, args)
    except StoreError as error:
        return fail(str(error), EXIT_ERROR)
