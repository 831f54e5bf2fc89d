"""Token usage and cost of one emulated turn, in both wire spellings.

Chat completions: completion_tokens excludes reasoning, total = prompt +
completion + reasoning. Responses: output_tokens includes reasoning.
cost_in_usd_ticks follows the formula checked against recorded real bills (prices are
"USD cents per 100 million tokens" in docs.x.ai's REST reference, /v1/language-models; 1 tick =
1e-10 USD per xai-sdk-python `cost.py`), priced from the emulator's own catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass

from grokterm.emulator.catalogue import ModelInfo
from grokterm.emulator.context import ContextMessage


@dataclass(frozen=True)
class PromptCount:
    text: int  # text tokens incl. per-message overhead
    image: int
    cached_text: int  # part of `text` served from the prompt cache
    cached_image: int

    @property
    def total(self) -> int:
        return self.text + self.image

    @property
    def cached(self) -> int:
        return self.cached_text + self.cached_image


def count_prompt(context: list[ContextMessage], cached_messages: int) -> PromptCount:
    """Count the prompt; the first `cached_messages` messages come from the cache."""
    cached = context[:cached_messages]
    return PromptCount(
        text=sum(m.text_tokens for m in context),
        image=sum(m.image_tokens for m in context),
        cached_text=sum(m.text_tokens for m in cached),
        cached_image=sum(m.image_tokens for m in cached),
    )


def cost_ticks(model: ModelInfo, prompt: PromptCount, completion: int, reasoning: int) -> int:
    cached_price = model.prompt_price if model.cached_price is None else model.cached_price
    return (
        (prompt.text - prompt.cached_text) * model.prompt_price
        + (prompt.image - prompt.cached_image) * model.image_price
        + prompt.cached * cached_price
        + (completion + reasoning) * model.completion_price
    )


def chat_usage(model: ModelInfo, prompt: PromptCount, completion: int, reasoning: int) -> dict:
    return {
        "prompt_tokens": prompt.total,
        "completion_tokens": completion,
        "total_tokens": prompt.total + completion + reasoning,
        "prompt_tokens_details": {
            "text_tokens": prompt.text,
            "audio_tokens": 0,
            "image_tokens": prompt.image,
            "cached_tokens": prompt.cached,
        },
        "completion_tokens_details": {
            "reasoning_tokens": reasoning,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
        "num_sources_used": 0,
        "cost_in_usd_ticks": cost_ticks(model, prompt, completion, reasoning),
    }


def responses_usage(model: ModelInfo, prompt: PromptCount, completion: int, reasoning: int) -> dict:
    return {
        "input_tokens": prompt.total,
        "input_tokens_details": {
            "cached_tokens": prompt.cached,
            "text_tokens": prompt.text,
            "image_tokens": prompt.image,
        },
        "output_tokens": completion + reasoning,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": prompt.total + completion + reasoning,
        "num_sources_used": 0,
        "num_server_side_tools_used": 0,
        "cost_in_usd_ticks": cost_ticks(model, prompt, completion, reasoning),
    }
