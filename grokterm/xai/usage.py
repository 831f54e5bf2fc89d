"""Token usage normalised across both wire naming styles, and its cost.

Chat completions say prompt/completion (completion excludes reasoning);
the Responses API says input/output (output includes reasoning). Everything
downstream (store, sidebar, CLI) sees only this one shape.
"""

from __future__ import annotations

from dataclasses import dataclass

TICKS_PER_USD = 10**10


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0  # all prompt tokens, cached included
    cached_tokens: int = 0  # subset of input_tokens served from cache
    output_tokens: int = 0  # visible completion tokens (reasoning excluded)
    reasoning_tokens: int = 0
    image_tokens: int = 0  # subset of input_tokens
    cost_ticks: int | None = None  # 1 USD = 10**10 ticks; from cost_in_usd_ticks when the API sends it

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.reasoning_tokens

    @property
    def cost_usd(self) -> float | None:
        return None if self.cost_ticks is None else self.cost_ticks / TICKS_PER_USD
