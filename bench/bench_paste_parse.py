"""Reading a bracketed paste from the terminal: CPU time of the input parser by paste size.

The driver's input thread feeds the terminal's bytes to the parser in reads of 4 KiB; while it
parses, it holds the GIL, so the UI waits. Textual's XTermParser reads a paste one character at a
time through its key logic; grokterm's AltPrefixParser (ui/keys.py) takes the text between the
paste markers out in one piece. Both parsers run interleaved (A B A B …) per size; the figure is
the median CPU time (time.process_time) and the spread, printed with the load average. Each run
also checks the paste arrived whole. Nothing is asserted.

    .venv/bin/python bench/bench_paste_parse.py [--sizes 10000,500000,5000000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from textual import events
from textual._xterm_parser import XTermParser

from grokterm.ui.keys import AltPrefixParser

READ = 4096  # bytes per read, as textual/drivers/linux_driver.py reads


def pasted(size: int) -> str:
    line = ("lorem ipsum dolor sit amet " * 3)[:79] + "\n"
    return (line * (size // len(line) + 1))[:size]


def parse_once(parser_class: type[XTermParser], text: str) -> float:
    data = f"\x1b[200~{text}\x1b[201~"
    parser = parser_class()
    start = time.process_time()
    tokens = [token for at in range(0, len(data), READ) for token in parser.feed(data[at:at + READ])]
    spent = time.process_time() - start
    pastes = [t.text for t in tokens if isinstance(t, events.Paste)]
    if pastes != [text]:
        raise SystemExit(f"{parser_class.__name__} did not deliver the paste whole")
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,500000,5000000")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    classes = [XTermParser, AltPrefixParser]
    times: dict[tuple[str, int], list[float]] = {(c.__name__, s): [] for c in classes for s in sizes}
    texts = {s: pasted(s) for s in sizes}
    for _ in range(args.rounds):
        for size in sizes:
            for parser_class in classes:
                times[parser_class.__name__, size].append(parse_once(parser_class, texts[size]))
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {args.rounds} rounds, interleaved")
    print(f"{'paste':>10}  {'parser':<16} {'median CPU ms':>13}  {'spread ms':>12}")
    for size in sizes:
        for parser_class in classes:
            runs = [t * 1000 for t in times[parser_class.__name__, size]]
            print(f"{size:>10,}  {parser_class.__name__:<16} {statistics.median(runs):>13.1f}  "
                  f"{min(runs):>5.1f}–{max(runs):<6.1f}")


if __name__ == "__main__":
    main()
