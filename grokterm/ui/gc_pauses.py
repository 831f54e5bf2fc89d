"""Keep Python's garbage collections short and rare, so they never freeze the UI.

Measured (bench/bench_responsive.py, 150 tok/s with 200 earlier messages): the longest stalls of the
event loop while streaming were full (generation 2) collections, every 1–2 s, each 30–80 ms of CPU
(0.2–0.6 s of wall time on the loaded machine). Drawing a frame makes thousands of short-lived
reference cycles (Textual's `Strip` keeps caches that refer back to strips); with the default
thresholds (700, 10, 10) that young garbage was promoted before it died, and old-generation
collections kept walking everything the app holds. A larger first threshold lets the garbage die
young: in the same benchmark no full collection ran during a 7 s reply and the longest stall halved.

(`gc.freeze()` after start-up was tried too: it did not shorten the collections, and it would keep
every cycle that existed at the time alive for good.)
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # allocations between collections of the youngest generation (default 700)


def tune_collector() -> None:
    """Called once when the TUI starts (the CLI commands keep Python's defaults)."""
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(YOUNG_THRESHOLD, young), middle, old)
