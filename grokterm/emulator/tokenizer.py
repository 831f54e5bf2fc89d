"""One deterministic regex tokenizer for everything the emulator counts.

/v1/tokenize-text, prompt/completion usage and the splitting of streamed
replies into deltas (one token per delta) all use it, so a client can check
that the numbers it sees agree with each other. It is GPT-2-like: a word keeps
its leading space, long words are split every 8 letters, digits come in
groups of up to three.
"""

from __future__ import annotations

import re
import zlib

TOKEN_PATTERN = re.compile(
    r"'(?:s|t|re|ve|m|ll|d)\b"  # English contractions
    r"| ?[^\W\d_]{1,8}"  # a word (or 8-letter piece of one), with its leading space
    r"| ?\d{1,3}"  # digits in groups of three
    r"| ?[^\s\w]{1,3}"  # punctuation runs
    r"|\s+(?!\S)"  # whitespace not followed by a word
    r"|\s+"
    r"|.",  # anything else (e.g. "_"), one character at a time
    re.DOTALL,
)

VOCABULARY_SIZE = 131_072


def tokenize(text: str) -> list[str]:
    """Split `text` into tokens; "".join(tokenize(t)) == t always holds."""
    return TOKEN_PATTERN.findall(text)


def count_tokens(text: str) -> int:
    return len(TOKEN_PATTERN.findall(text))


def token_id(token: str) -> int:
    """A stable id for a token (a hash, not a real vocabulary)."""
    return zlib.crc32(token.encode("utf-8")) % VOCABULARY_SIZE


def token_records(text: str) -> list[dict]:
    """The `token_ids` list of /v1/tokenize-text."""
    return [
        {"token_id": token_id(tok), "string_token": tok, "token_bytes": list(tok.encode("utf-8"))}
        for tok in tokenize(text)
    ]
