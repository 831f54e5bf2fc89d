"""Emulator internals that decide what to answer: tokenizer, templates, directives, cost."""

from __future__ import annotations

import pytest

from grokterm.emulator.accounting import PromptCount, chat_usage, responses_usage
from grokterm.emulator.catalogue import find_language_model
from grokterm.emulator.context import ContextMessage
from grokterm.emulator.directives import parse_directives
from grokterm.emulator.errors import ApiError
from grokterm.emulator.faults import Fault
from grokterm.emulator.replies import choose_template, compose_reply
from grokterm.emulator.tokenizer import count_tokens, tokenize


@pytest.mark.parametrize("text", ["", "Hello world!", "a_b\t\tc\r\n\n## x", "naïve 漢字 \u2028 emoji 🎉",
                                  "internationalization 1234567 don't"])
def test_tokenizer_round_trips(text):
    tokens = tokenize(text)
    assert "".join(tokens) == text
    assert count_tokens(text) == len(tokens)
    assert all(tokens)


@pytest.mark.parametrize(("prompt", "template"), [
    ("Write a python function to sort", "code"),
    ("Compare cats vs dogs", "compare"),
    ("How do I install it", "steps"),
])
def test_templates_by_keyword(prompt, template):
    assert choose_template(prompt) == template


@pytest.mark.parametrize("prompt", ["Write a python function to sort", "Compare cats vs dogs",
                                    "How do I install it", "Tell me a story", "zebra", "quantum gravity"])
def test_every_template_has_all_markdown_elements_and_quotes_the_prompt(prompt):
    model = find_language_model("grok-3")
    context = [ContextMessage("user", prompt)]
    reply = compose_reply(context, context[0], parse_directives(prompt), model, None)
    text = reply.text
    assert f"“{prompt}" in text
    assert "\n\n" in text and "\n- " in text
    assert text.count("```") == 2 and "|---|" in text
    assert reply.reasoning == ""  # grok-3 does not reason
    again = compose_reply(context, context[0], parse_directives(prompt), model, None)
    assert again == reply


def test_quote_is_cut_after_eight_words():
    model = find_language_model("grok-3")
    prompt = "one two three four five six seven eight nine ten"
    context = [ContextMessage("user", prompt)]
    text = compose_reply(context, context[0], parse_directives(prompt), model, None).text
    assert "“one two three four five six seven eight…”" in text


def test_directives_parse():
    parsed = parse_directives("!fault cut:3 !long 40 tell me !echo  keep !recall verbatim ")
    assert parsed.fault == Fault("cut", after=3)
    assert parsed.long == 40
    assert parsed.recall is False  # after !echo nothing is a directive
    assert parsed.echo == " keep !recall verbatim "
    assert parsed.prompt == "tell me"
    assert parse_directives("please !recall").recall is True
    assert parse_directives("no directives here").echo is None
    with pytest.raises(ApiError):
        parse_directives("!fault nonsense")


def test_effort_changes_reasoning_length():
    model = find_language_model("grok-3-mini")
    context = [ContextMessage("user", "hi")]
    lengths = [len(compose_reply(context, context[0], parse_directives("hi"), model, effort).reasoning)
               for effort in ("low", None, "high")]
    assert lengths == sorted(lengths) and len(set(lengths)) == 3


def test_cost_formula_matches_a_recorded_bill():
    # grok-3-mini recording: prompt 288 (cached 287), completion 27, reasoning 313 -> 1 918 250 ticks
    model = find_language_model("grok-3-mini")
    prompt = PromptCount(text=288, image=0, cached_text=287, cached_image=0)
    usage = chat_usage(model, prompt, 27, 313)
    assert usage["cost_in_usd_ticks"] == 1_918_250
    assert usage["total_tokens"] == 628
    wire = responses_usage(model, prompt, 27, 313)
    assert wire["output_tokens"] == 340 and wire["cost_in_usd_ticks"] == 1_918_250


def test_model_without_cached_price_charges_cached_tokens_at_prompt_price():
    model = find_language_model("grok-2-vision-1212")
    prompt = PromptCount(text=100, image=256, cached_text=50, cached_image=256)
    usage = chat_usage(model, prompt, 10, 0)
    assert usage["cost_in_usd_ticks"] == 50 * 20000 + 306 * 20000 + 10 * 100000
