"""Inline citations as footnotes in plain CLI output: `[[n]](url)` becomes `[k]`, sources listed at the end.

xAI writes inline citations as Markdown links `[[n]](url)` (docs/api/tools-search.md). In a terminal
or a pipe the raw link is noise, and its URL outside text that may hold anything; the TUI and
the stored-responses screen show a short marker `[k]` instead, numbered like the sources block
under the reply. `ask` and `responses continue` print the answer as it streams, before the
citations arrive (their annotations come after the text), so here the numbers follow the order
in which the text first cites each URL, and `sources()` puts the sources in that same order
(then the citations the text never cited), so `[k]` always points at line `[k]` of "Sources:".

`Footnotes.feed()` takes text that already went through the sanitiser (grokterm.sanitize) and
holds back only a possible citation that is not complete yet (at most MAX_PENDING characters,
after which the text is let through as it is). URLs are printed only in the sources list, through
`sanitize_terminal` again (grokterm.commands.search_options.source_lines).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from grokterm.xai.tools import INLINE_CITATION

if TYPE_CHECKING:
    from grokterm.xai.tools import Citation

INLINE = INLINE_CITATION  # [[n]](url), the pattern the TUI's markers use too (grokterm.ui.citations)
# What a citation may look like before its end has arrived (checked on the held-back text).
_URL_CHARS = r"(?:[^\s()]|\([^\s()]*\))*(?:\([^\s()]*)?"
_PARTIAL = re.compile(r"\[(?:\[(?:\d{1,4}(?:\](?:\](?:\(" + _URL_CHARS + r")?)?)?)?)?\Z")
MAX_PENDING = 4096  # a "citation" longer than this is just text


class Footnotes:
    """Streaming rewrite of inline citations into `[k]` markers numbered by first use."""

    def __init__(self) -> None:
        self._pending = ""
        self.urls: list[str] = []  # cited URLs, in the order of their numbers

    def _number(self, url: str) -> int:
        if url not in self.urls:
            self.urls.append(url)
        return self.urls.index(url) + 1

    def feed(self, text: str) -> str:
        """The text that can be printed now (a possible citation's start is held back)."""
        return self._rewrite(self._pending + text, final=False)

    def flush(self) -> str:
        """Whatever is held back, at the end of the answer."""
        return self._rewrite(self._pending, final=True)

    def _rewrite(self, text: str, *, final: bool) -> str:
        out: list[str] = []
        self._pending = ""
        while text:
            start = text.find("[[")
            if start < 0:
                keep = 1 if text.endswith("[") and not final else 0  # may become "[["
                out.append(text[: len(text) - keep])
                self._pending = text[len(text) - keep:]
                break
            out.append(text[:start])
            text = text[start:]
            match = INLINE.match(text)
            if match is not None:
                out.append(f"[{self._number(match.group(2))}]")
                text = text[match.end():]
                continue
            if not final and len(text) <= MAX_PENDING and _PARTIAL.match(text):
                self._pending = text  # wait for the rest of the link
                break
            out.append(text[0])  # not a citation: go on after its first "["
            text = text[1:]
        return "".join(out)

    def sources(self, citations: Sequence[Citation]) -> list[Citation]:
        """The sources in footnote order: each cited URL (its citation, or one made from the URL when
        the server listed none for it), then the citations the text did not cite."""
        from grokterm.xai.tools import Citation

        by_url = {citation.url: citation for citation in citations}
        ordered = [by_url.get(url) or Citation(url=url) for url in self.urls]
        return ordered + [citation for citation in citations if citation.url not in self.urls]


def footnoted(text: str, citations: Sequence[Citation]) -> tuple[str, list[Citation]]:
    """A whole answer with its inline citations as `[k]`, and the sources in that numbering."""
    notes = Footnotes()
    body = notes.feed(text) + notes.flush()
    return body, notes.sources(citations)
