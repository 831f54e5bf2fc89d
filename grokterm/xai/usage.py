"""Token usage normalised across both wire naming styles, and its cost.

Chat completions say prompt/completion (completion excludes reasoning);
the Responses API says input/output (output includes reasoning). Everything
downstream (store, sidebar, CLI) sees only this one shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

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


def _int(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def _details(raw: Mapping[str, Any], *names: str) -> Mapping[str, Any]:
    for name in names:
        value = raw.get(name)
        if isinstance(value, Mapping):
            return value
    return {}


def usage_from_wire(raw: Mapping[str, Any] | None) -> Usage | None:
    """Normalise a wire `usage` object (either naming style) into `Usage`.

    * Responses naming (`input_tokens`/`output_tokens`): output includes reasoning.
    * Chat naming (`prompt_tokens`/`completion_tokens`): xAI's completion excludes
      reasoning (total = prompt + completion + reasoning). OpenAI-style servers
      include it (total = prompt + completion); `total_tokens` tells them apart.
    * Some models report cached > prompt, i.e. prompt excludes cached: then the
      input total is prompt + cached.
    """
    if not isinstance(raw, Mapping):
        return None
    responses_style = "input_tokens" in raw or "output_tokens" in raw
    if responses_style:
        prompt = _int(raw.get("input_tokens"))
        completion = _int(raw.get("output_tokens"))
        in_details = _details(raw, "input_tokens_details", "prompt_tokens_details")
        out_details = _details(raw, "output_tokens_details", "completion_tokens_details")
    else:
        prompt = _int(raw.get("prompt_tokens"))
        completion = _int(raw.get("completion_tokens"))
        in_details = _details(raw, "prompt_tokens_details", "input_tokens_details")
        out_details = _details(raw, "completion_tokens_details", "output_tokens_details")
    cached = _int(in_details.get("cached_tokens"))
    image = _int(in_details.get("image_tokens"))
    reasoning = _int(out_details.get("reasoning_tokens"))
    total = raw.get("total_tokens")
    if responses_style:
        output_includes_reasoning = True
    else:
        output_includes_reasoning = (
            reasoning > 0
            and completion >= reasoning
            and total is not None
            and _int(total) == prompt + completion
            and _int(total) != prompt + completion + reasoning
        )
    visible = max(0, completion - reasoning) if output_includes_reasoning else completion
    input_total = prompt + cached if cached > prompt else prompt
    cost = raw.get("cost_in_usd_ticks")
    return Usage(
        input_tokens=input_total,
        cached_tokens=cached,
        output_tokens=visible,
        reasoning_tokens=reasoning,
        image_tokens=min(image, input_total),
        cost_ticks=None if cost is None else _int(cost),
    )


def _price(model: Any, name: str) -> int | None:
    value = model.get(name) if isinstance(model, Mapping) else getattr(model, name, None)
    return None if value is None else _int(value)


def cost_ticks(usage: Usage | None, model: Any = None) -> int | None:
    """The turn's cost in ticks (1 USD = 10**10 ticks), integer maths only.

    The server's `cost_in_usd_ticks` wins (it includes discounts and tool fees).
    Otherwise computed from the model's prices, which are ticks per token:
      (input − cached − image)·prompt + image·image_price + cached·cached_price
      + (output + reasoning)·completion
    Reasoning is billed at the completion price; a missing cached price means the
    prompt price, a missing or zero image price the prompt price. None when the
    prices are unknown.
    """
    if usage is None:
        return None
    if usage.cost_ticks is not None:
        return usage.cost_ticks
    if model is None:
        return None
    prompt = _price(model, "prompt_text_token_price")
    completion = _price(model, "completion_text_token_price")
    if prompt is None or completion is None:
        return None
    cached_price = _price(model, "cached_prompt_text_token_price")
    image_price = _price(model, "prompt_image_token_price") or prompt
    cached = min(usage.cached_tokens, usage.input_tokens)
    image = min(usage.image_tokens, usage.input_tokens - cached)
    uncached_text = usage.input_tokens - cached - image
    return (
        uncached_text * prompt
        + image * image_price
        + cached * (prompt if cached_price is None else cached_price)
        + (usage.output_tokens + usage.reasoning_tokens) * completion
    )


def format_usd(ticks: int | None) -> str:
    """Dollars for people: `$1.23`, `$0.0421`, `$0.000192`; `n/a` when unknown."""
    if ticks is None:
        return "n/a"
    dollars = Decimal(ticks) / TICKS_PER_USD
    if dollars == 0:
        return "$0.00"
    places = 2 if dollars >= 1 else 4 if dollars >= Decimal("0.01") else 6
    quantum = Decimal(1).scaleb(-places)
    text = f"{dollars.quantize(quantum, rounding=ROUND_HALF_UP)}"
    return f"${text}" if Decimal(text) != 0 else f"<${quantum}"


def format_usage(usage: Usage, ticks: int | None = None) -> str:
    """One line: `in 288 (cached 287) · out 27 · reasoning 313 · $0.000192`."""
    parts = [f"in {usage.input_tokens}" + (f" (cached {usage.cached_tokens})" if usage.cached_tokens else "")]
    if usage.image_tokens:
        parts.append(f"images {usage.image_tokens}")
    parts.append(f"out {usage.output_tokens}")
    if usage.reasoning_tokens:
        parts.append(f"reasoning {usage.reasoning_tokens}")
    parts.append(format_usd(usage.cost_ticks if ticks is None else ticks))
    return " · ".join(parts)
