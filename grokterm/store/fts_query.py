"""Turn whatever a person types into a safe FTS5 MATCH expression.

Raw user text is not valid FTS5 syntax in general: `foo-bar`, a lone `"`, `*`,
`AND(` or `col:x` raise "fts5: syntax error". We therefore quote every term
ourselves: words become `"word"`, a "quoted phrase" stays a phrase, a trailing
`*` asks for a prefix match. Terms are ANDed. Terms without any letter or digit
are dropped, so the result is either a valid expression or None (nothing to find).
"""

from __future__ import annotations


def _terms(text: str) -> list[str]:
    terms: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end  # an unclosed quote runs to the end
            phrase = text[i + 1 : end]
            i = end + 1
            if i < n and text[i] == "*":  # "phrase"* is a prefix on the last word
                phrase += "*"
                i += 1
            terms.append(phrase)
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] != '"':
                i += 1
            terms.append(text[start:i])
    return terms


def _quote(term: str, prefix: bool) -> str | None:
    if term.endswith("*"):
        prefix = True
        term = term.rstrip("*")
    if not any(ch.isalnum() for ch in term):
        return None
    return '"' + term.replace('"', '""') + '"' + ("*" if prefix else "")


def fts_query(text: str, *, prefix_last: bool = False) -> str | None:
    """The MATCH expression for `text`, or None when it contains nothing searchable.

    `prefix_last=True` treats the last word as a prefix (search as you type).
    """
    terms = _terms(text)
    quoted = []
    for index, term in enumerate(terms):
        q = _quote(term, prefix_last and index == len(terms) - 1)
        if q is not None:
            quoted.append(q)
    return " ".join(quoted) if quoted else None


def split_snippet(snippet: str, start: str = "\x01", end: str = "\x02") -> tuple[tuple[str, bool], ...]:
    """Split an FTS5 snippet marked with `start`/`end` into (text, matched) pieces."""
    parts: list[tuple[str, bool]] = []
    rest = snippet
    while rest:
        open_at = rest.find(start)
        if open_at < 0:
            parts.append((rest, False))
            break
        if open_at:
            parts.append((rest[:open_at], False))
        close_at = rest.find(end, open_at + 1)
        if close_at < 0:
            parts.append((rest[open_at + 1 :], True))
            break
        parts.append((rest[open_at + 1 : close_at], True))
        rest = rest[close_at + 1 :]
    # Stray markers that were in the message text itself must not leak into the UI.
    return tuple((t.replace(start, "").replace(end, ""), hit) for t, hit in parts if t)
