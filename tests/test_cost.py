"""Usage normalisation (both naming styles) and integer cost maths (xai-api.md §1.4, §2.2, §3.2)."""

from __future__ import annotations

import pytest

from grokterm.xai.usage import Usage, cost_ticks, format_usage, format_usd, usage_from_wire
from grokterm.xai.wire import LanguageModel

GROK_3_MINI = LanguageModel(
    id="grok-3-mini", prompt_text_token_price=3000, cached_prompt_text_token_price=750,
    completion_text_token_price=5000,
)

# The recorded grok-3-mini chat usage whose real bill was 1 918 250 ticks (xai-api.md §1.6 / §3.2).
RECORDED_CHAT_USAGE = {
    "prompt_tokens": 288, "completion_tokens": 27, "total_tokens": 628,
    "prompt_tokens_details": {"text_tokens": 288, "audio_tokens": 0, "image_tokens": 0, "cached_tokens": 287},
    "completion_tokens_details": {"reasoning_tokens": 313, "audio_tokens": 0,
                                  "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
    "num_sources_used": 0, "cost_in_usd_ticks": 1918250,
}


def test_recorded_bill_is_reproduced_from_prices() -> None:
    wire = dict(RECORDED_CHAT_USAGE)
    del wire["cost_in_usd_ticks"]
    usage = usage_from_wire(wire)
    assert usage == Usage(input_tokens=288, cached_tokens=287, output_tokens=27, reasoning_tokens=313)
    assert usage.total_tokens == 628
    assert cost_ticks(usage, GROK_3_MINI) == 1_918_250
    assert cost_ticks(usage, GROK_3_MINI.model_dump()) == 1_918_250  # a plain dict works too


def test_server_cost_wins_over_prices() -> None:
    usage = usage_from_wire({**RECORDED_CHAT_USAGE, "cost_in_usd_ticks": 42})
    assert usage.cost_ticks == 42
    assert cost_ticks(usage, GROK_3_MINI) == 42
    assert cost_ticks(usage, None) == 42


def test_responses_naming_output_includes_reasoning() -> None:
    # Recorded grok-code-fast-1 reply: 923 output = 600 visible + 323 reasoning.
    usage = usage_from_wire({
        "input_tokens": 216, "input_tokens_details": {"cached_tokens": 192},
        "output_tokens": 923, "output_tokens_details": {"reasoning_tokens": 323},
        "total_tokens": 1139, "num_sources_used": 0,
    })
    counts = (usage.input_tokens, usage.cached_tokens, usage.output_tokens, usage.reasoning_tokens)
    assert counts == (216, 192, 600, 323)
    assert usage.total_tokens == 1139
    code_fast = {"prompt_text_token_price": 2000, "cached_prompt_text_token_price": 200,
                 "completion_text_token_price": 15000}
    assert cost_ticks(usage, code_fast) == 24 * 2000 + 192 * 200 + 923 * 15000


def test_chat_naming_from_an_openai_style_server_that_includes_reasoning() -> None:
    usage = usage_from_wire({"prompt_tokens": 10, "completion_tokens": 50, "total_tokens": 60,
                             "completion_tokens_details": {"reasoning_tokens": 30}})
    assert (usage.output_tokens, usage.reasoning_tokens) == (20, 30)


def test_cached_greater_than_prompt_means_prompt_excludes_cached() -> None:
    usage = usage_from_wire({"prompt_tokens": 4142, "completion_tokens": 10, "total_tokens": 4152,
                             "prompt_tokens_details": {"cached_tokens": 4328}})
    assert usage.input_tokens == 4142 + 4328
    assert usage.cached_tokens == 4328
    prices = {"prompt_text_token_price": 2000, "cached_prompt_text_token_price": 500,
              "completion_text_token_price": 5000}
    assert cost_ticks(usage, prices) == 4142 * 2000 + 4328 * 500 + 10 * 5000


def test_missing_cached_price_falls_back_to_prompt_price_and_images_are_billed() -> None:
    vision = LanguageModel(id="grok-2-vision-1212", input_modalities=["text", "image"],
                           prompt_text_token_price=20000, prompt_image_token_price=20000,
                           completion_text_token_price=100000)
    usage = usage_from_wire({"prompt_tokens": 1100, "completion_tokens": 5, "total_tokens": 1105,
                             "prompt_tokens_details": {"text_tokens": 100, "image_tokens": 1000,
                                                       "cached_tokens": 50}})
    assert usage.image_tokens == 1000
    assert cost_ticks(usage, vision) == 50 * 20000 + 1000 * 20000 + 50 * 20000 + 5 * 100000


def test_unknown_prices_give_no_cost() -> None:
    usage = Usage(input_tokens=5, output_tokens=5)
    assert cost_ticks(usage, LanguageModel(id="x")) is None
    assert cost_ticks(usage, None) is None
    assert cost_ticks(None, GROK_3_MINI) is None
    assert usage_from_wire(None) is None


@pytest.mark.parametrize("ticks, text", [
    (None, "n/a"), (0, "$0.00"), (1_918_250, "$0.000192"), (421_000_000, "$0.0421"),
    (12_345_000_000, "$1.23"), (1, "<$0.000001"),
])
def test_format_usd(ticks: int | None, text: str) -> None:
    assert format_usd(ticks) == text


def test_format_usage_line() -> None:
    usage = usage_from_wire(RECORDED_CHAT_USAGE)
    assert format_usage(usage) == "in 288 (cached 287) · out 27 · reasoning 313 · $0.000192"
