"""Planning one emulated turn: reply text, reasoning, token split, usage inputs.

Both generation endpoints (chat completions and responses) call plan_turn and
only differ in how they serialise the result.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from grokterm.emulator.accounting import PromptCount, count_prompt
from grokterm.emulator.catalogue import ModelInfo
from grokterm.emulator.context import ContextMessage, last_user_message
from grokterm.emulator.directives import Directives, parse_directives
from grokterm.emulator.errors import ApiError
from grokterm.emulator.replies import compose_reply
from grokterm.emulator.state import EmulatorState
from grokterm.emulator.tokenizer import tokenize


@dataclass(frozen=True)
class Turn:
    id: str
    model: ModelInfo
    model_name: str  # as reported on the wire (e.g. grok-3-mini-high)
    created: int
    context: list[ContextMessage]
    text: str
    reasoning: str
    text_tokens: list[str]
    reasoning_tokens: list[str]
    prompt: PromptCount
    truncated: bool  # stopped by max tokens
    report_cost: bool = True  # usage carries cost_in_usd_ticks (2025 recordings had none)


def turn_directives(context: list[ContextMessage]) -> Directives:
    last = last_user_message(context)
    return parse_directives(last.text if last else "")


def plan_turn(
    state: EmulatorState,
    model: ModelInfo,
    context: list[ContextMessage],
    directives: Directives,
    effort: str | None,
    *,
    model_name: str | None = None,
    max_text_tokens: int | None = None,
    max_output_tokens: int | None = None,
) -> Turn:
    """max_text_tokens limits visible text (chat); max_output_tokens limits reasoning + text (responses)."""
    if not model.accepts_images and any(m.images for m in context):
        raise ApiError(
            400,
            f"Model {model.id} does not support image input. Use a model with image understanding, "
            "such as grok-4-fast-reasoning or grok-2-vision-1212.",
        )
    prompt = count_prompt(context, state.cached_prefix(model.id, context))
    if prompt.total > model.max_prompt_length:
        raise ApiError(
            400,
            f"This model's maximum prompt length is {model.max_prompt_length} but the request contains "
            f"{prompt.total} tokens.",
        )
    last = last_user_message(context)
    reply = compose_reply(context, last, directives, model, effort)
    text_tokens, reasoning_tokens = tokenize(reply.text), tokenize(reply.reasoning)
    truncated = False
    if max_output_tokens is not None and len(reasoning_tokens) + len(text_tokens) > max_output_tokens:
        truncated = True
        reasoning_tokens = reasoning_tokens[:max_output_tokens]
        text_tokens = text_tokens[: max_output_tokens - len(reasoning_tokens)]
    if max_text_tokens is not None and len(text_tokens) > max_text_tokens:
        truncated = True
        text_tokens = text_tokens[:max_text_tokens]
    text = "".join(text_tokens) if truncated else reply.text
    reasoning = "".join(reasoning_tokens) if truncated else reply.reasoning
    state.remember_prefixes(model.id, [*context, ContextMessage("assistant", text)])
    return Turn(
        report_cost=state.report_cost,
        id=str(uuid.uuid4()),
        model=model,
        model_name=model_name or model.id,
        created=int(state.clock_now()),
        context=context,
        text=text,
        reasoning=reasoning,
        text_tokens=text_tokens,
        reasoning_tokens=reasoning_tokens,
        prompt=prompt,
        truncated=truncated,
    )


def positive_int(value: object, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ApiError(400, f"`{name}` must be a positive integer.")
    return value
