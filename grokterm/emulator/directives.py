"""Prompt directives: behaviour people can trigger from any client by typing.

Recognised in the last user message:
  !echo TEXT    reply exactly TEXT (everything after "!echo "; nothing after it is a directive)
  !recall       list every earlier user message in this turn's context
  !long N       a Markdown reply of N tokens
  !fault SPEC   inject a fault into this request (see faults.parse_fault_spec)
Image prompts (`/v1/images/generations`, see imagegen.py) also take `!refuse` and `!block`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grokterm.emulator.errors import bad_request
from grokterm.emulator.faults import Fault, parse_fault_spec

MAX_LONG_TOKENS = 500_000

_ECHO = re.compile(r"(?<!\S)!echo(?:[ \t\n]|$)")
_RECALL = re.compile(r"(?<!\S)!recall\b")
_LONG = re.compile(r"(?<!\S)!long\s+(\d+)")
_FAULT = re.compile(r"(?<!\S)!fault\s+(\S+)")


@dataclass(frozen=True)
class Directives:
    prompt: str  # the message text with directives removed (what the reply talks about)
    echo: str | None = None
    recall: bool = False
    long: int | None = None
    fault: Fault | None = None


def parse_directives(text: str) -> Directives:
    echo: str | None = None
    match = _ECHO.search(text)
    if match:
        echo, text = text[match.end():], text[: match.start()]
    recall = bool(_RECALL.search(text))
    long_match = _LONG.search(text)
    long = min(int(long_match.group(1)), MAX_LONG_TOKENS) if long_match else None
    fault = None
    fault_match = _FAULT.search(text)
    if fault_match:
        try:
            fault = parse_fault_spec(fault_match.group(1))
        except ValueError as exc:
            raise bad_request(f"Invalid !fault directive: {exc}") from None
    prompt = " ".join(_FAULT.sub(" ", _LONG.sub(" ", _RECALL.sub(" ", text))).split())
    return Directives(prompt=prompt, echo=echo, recall=recall, long=long, fault=fault)
