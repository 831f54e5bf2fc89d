"""Store benchmark: a synthetic 10k-conversation / 1M-message database, then the UI's hot calls.

Not a test: it prints numbers. Run:  .venv/bin/python bench/bench_store.py [--messages N]
The database is built in a temp dir with executemany in large transactions. The
FTS insert trigger is dropped during the bulk load and the index rebuilt at the
end (as the v3 upgrade does): per-row trigger inserts cost ~0.1 ms each, fine for
real use but 7x slower for a million rows.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from grokterm.store import Store


def _vocabulary(size: int, rng: random.Random) -> tuple[list[str], list[float]]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = {"".join(rng.choice(letters) for _ in range(rng.randint(2, 10))) for _ in range(size * 2)}
    vocab = sorted(words)[:size]
    rng.shuffle(vocab)
    weights, total = [], 0.0
    for rank in range(1, len(vocab) + 1):  # Zipf-like: a few very common words, a long tail
        total += 1.0 / rank
        weights.append(total)
    return vocab, weights


def build_words(seed: int = 7) -> dict[str, str]:
    """The words the timings search for (the same ones `build` used)."""
    vocab, _ = _vocabulary(20_000, random.Random(seed))
    return {"common_word": vocab[0], "rare_word": vocab[5000], "phrase": f'"{vocab[0]} {vocab[1]}"'}


def build(path: Path, conversations: int, messages: int, big: int, seed: int = 7) -> dict[str, str]:
    rng = random.Random(seed)
    vocab, cum = _vocabulary(20_000, rng)
    stream = rng.choices(vocab, cum_weights=cum, k=2_000_000)  # messages are random slices of it

    def text(low: int, high: int) -> str:
        start = rng.randrange(0, len(stream) - high)
        return " ".join(stream[start : start + rng.randint(low, high)])

    Store(path).close()  # schema, permissions, WAL
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    trigger_sql = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'messages_fts_insert'").fetchone()[0]
    conn.execute("DROP TRIGGER messages_fts_insert")
    now = time.time()
    start = now - 365 * 86400
    per_conversation = [big] + [0] * (conversations - 1)
    rest = messages - big
    for i in range(1, conversations):
        per_conversation[i] = rest // (conversations - 1) + (1 if i <= rest % (conversations - 1) else 0)
    message_id = 0
    conv_rows, msg_rows, resp_rows = [], [], []

    def flush() -> None:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO conversations (id, uid, title, model, created_at, updated_at, archived)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", conv_rows)
        conn.executemany(
            "INSERT INTO messages (id, conversation_id, role, text, model, created_at, updated_at, status,"
            " response_id, input_tokens, output_tokens, cost_ticks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            msg_rows)
        conn.executemany(
            "INSERT INTO responses (response_id, conversation_id, message_id, model, created_at, expires_at,"
            " prompt_preview, reply_preview, input_tokens, output_tokens, cost_ticks)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", resp_rows)
        conn.execute("COMMIT")
        conv_rows.clear(), msg_rows.clear(), resp_rows.clear()

    for cid in range(1, conversations + 1):
        t0 = start + (cid / conversations) * 360 * 86400
        title = " ".join(rng.choices(vocab, cum_weights=cum, k=4)).capitalize()
        count = per_conversation[cid - 1]
        t = t0
        prompt = ""
        for n in range(count):
            message_id += 1
            t += rng.uniform(5, 120)
            if n % 2 == 0:
                prompt = text(5, 40)
                msg_rows.append((message_id, cid, "user", prompt, None, t, t, "complete", None, None, None, None))
            else:
                reply = text(20, 120)
                rid = str(uuid.UUID(int=rng.getrandbits(128)))
                tokens_in, tokens_out = rng.randint(50, 5000), rng.randint(20, 800)
                cost = tokens_in * 2000 + tokens_out * 15000
                msg_rows.append((message_id, cid, "assistant", reply, "grok-4", t, t, "complete", rid, tokens_in,
                                 tokens_out, cost))
                resp_rows.append((rid, cid, message_id, "grok-4", t, t + 30 * 86400, prompt[:200], reply[:200],
                                  tokens_in, tokens_out, cost))
        conv_rows.append((cid, uuid.UUID(int=rng.getrandbits(128)).hex, title, "grok-4", t0, t,
                          int(rng.random() < 0.1)))
        if len(msg_rows) >= 50_000:
            flush()
    flush()
    conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")
    conn.execute(trigger_sql)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    conn.close()
    return build_words(seed)


def timed(fn, repeat: int = 20) -> tuple[float, object]:
    """Median wall time in milliseconds over `repeat` calls, and the last result."""
    samples, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=20_000, help="messages in the one very long conversation")
    parser.add_argument("--keep", help="build in this folder and keep it (reused when it is already there)")
    args = parser.parse_args()

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="grokterm-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.db"
    try:
        t = time.perf_counter()
        if path.exists():
            words = build_words()
            print(f"reusing {path}")
        else:
            words = build(path, args.conversations, args.messages, args.big)
            print(f"built {args.conversations:,} conversations / {args.messages:,} messages"
                  f" in {time.perf_counter() - t:.1f} s")
        size = sum(p.stat().st_size for p in folder.glob("bench.db*"))
        print(f"database size: {size / 1e6:.0f} MB ({size / args.messages:.0f} bytes/message incl. FTS + index)")

        t = time.perf_counter()
        store = Store(path)
        store.list_conversations(limit=1)
        print(f"open (schema check + first query): {(time.perf_counter() - t) * 1000:.1f} ms")

        rows = [
            ("list_conversations(limit=50)", lambda: store.list_conversations(limit=50)),
            ("list_conversations(archived=True)", lambda: store.list_conversations(limit=50, archived=True)),
            ("list_conversations(query=rare word)",
             lambda: store.list_conversations(limit=50, query=words["rare_word"])),
            (f"list_messages(big, {args.big:,} msgs)", lambda: store.list_messages(1)),
            ("list_messages(big, last 200)", lambda: store.list_messages(1, limit=200)),
            ("list_messages(typical ~100)", lambda: store.list_messages(args.conversations // 2)),
            ("search(common word, top 50)", lambda: store.search(words["common_word"])),
            ("search(rare word, top 50)", lambda: store.search(words["rare_word"])),
            ("search(phrase)", lambda: store.search(words["phrase"])),
            ("search(prefix 'ab*')", lambda: store.search("ab*")),
            ("list_responses(limit=200)", lambda: store.list_responses(limit=200)),
            ("list_responses(sort=cost)", lambda: store.list_responses(limit=200, sort="cost")),
            ("responses_expiring(3 days)", lambda: store.responses_expiring()),
            ("recover_interrupted()", lambda: store.recover_interrupted()),
        ]
        for label, fn in rows:
            ms, result = timed(fn, repeat=5 if "big," in label or "common" in label else 20)
            count = len(result) if isinstance(result, list) else ""
            print(f"  {label:<42} {ms:9.2f} ms   ({count} rows)")

        def turn() -> None:
            record = store.start_turn("benchmark question", model="grok-4", conversation_id=42)
            store.checkpoint(record.assistant_message_id, "partial answer")
            store.finish_message(record.assistant_message_id, "complete", text="answer", response_id=str(uuid.uuid4()))

        ms, _ = timed(turn, repeat=50)
        print(f"  {'start_turn + checkpoint + finish_message':<42} {ms:9.2f} ms")
        ms, _ = timed(lambda: store.checkpoint(1, "x" * 4000), repeat=50)
        print(f"  {'checkpoint (4 kB partial reply)':<42} {ms:9.2f} ms")
        store.close()
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
