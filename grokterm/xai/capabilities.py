"""What each model accepts, in one place, so the client never sends a parameter a model rejects.

Fed by `/v1/language-models` where it says something (ids, aliases, input
modalities, `max_prompt_length` when a server sends it) and by xAI's documents
otherwise (docs/api/README.md, "Model rules"):

* reasoning effort: "reasoning_effort is not supported by grok-3, grok-4 and
  grok-4-fast-reasoning. Specifying reasoning_effort parameter will get an error
  response. Only grok-3-mini supports reasoning_effort" (xAI Reasoning guide,
  docs.x.ai/docs/guides/reasoning, "Control how hard the model thinks"); its values
  are `low` and `high`. Every other model is sent no effort at all.
* context windows: xAI's "Models and Pricing" table where it lists the model.

Callers ask `effort_to_send()` and show its notice to the user when the effort
they asked for is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from grokterm.xai.wire import LanguageModel

REASONING_GUIDE = "xAI Reasoning guide (docs.x.ai/docs/guides/reasoning)"

# Model id -> reasoning efforts it accepts (xAI Reasoning guide: only grok-3-mini, "low" or "high").
REASONING_EFFORTS: dict[str, tuple[str, ...]] = {
    "grok-3-mini": ("low", "high"),
}

# Aliases shown in the xAI REST reference's language-model examples, for when no model list is at hand.
DOCUMENTED_ALIASES: dict[str, str] = {
    "grok-3-mini-latest": "grok-3-mini", "grok-3-mini-beta": "grok-3-mini",
    "grok-3-latest": "grok-3", "grok-3-beta": "grok-3",
    "grok-4": "grok-4-0709", "grok-4-latest": "grok-4-0709",
}

# Model id -> context window in tokens, only where an xAI document gives one: the "Models and Pricing"
# table (docs.x.ai/docs/models, crawl of 2024-12-25). For other models a server-sent `max_prompt_length`
# is used when there is one; otherwise the window is unknown and no warning is shown.
CONTEXT_WINDOWS: dict[str, int] = {
    "grok-2-vision-1212": 8_192,
    "grok-2-1212": 131_072,
    "grok-vision-beta": 8_192,
    "grok-beta": 131_072,
}


@dataclass(frozen=True)
class ModelRules:
    """What one model accepts (None: unknown)."""

    model_id: str
    reasoning_efforts: tuple[str, ...] = ()
    accepts_images: bool | None = None
    context_window: int | None = None

    @property
    def takes_reasoning_effort(self) -> bool:
        return bool(self.reasoning_efforts)


def canonical_id(model: str, models: Iterable[LanguageModel] = ()) -> str:
    """The model id behind an id or alias: the server's list first, the documented aliases next."""
    for info in models:
        if info.matches(model):
            return info.id
    return DOCUMENTED_ALIASES.get(model, model)


def rules_for(model: str, models: Iterable[LanguageModel] = ()) -> ModelRules:
    models = list(models)
    model_id = canonical_id(model, models)
    info = next((m for m in models if m.id == model_id), None)
    accepts_images = None
    if info is not None and info.input_modalities:  # an empty list (the /v1/models fallback) says nothing
        accepts_images = info.supports_images
    window = (info.max_prompt_length if info is not None else None) or CONTEXT_WINDOWS.get(model_id)
    return ModelRules(model_id, REASONING_EFFORTS.get(model_id, ()), accepts_images, window)


def effort_to_send(model: str, effort: str | None, models: Iterable[LanguageModel] = ()) -> tuple[str | None, str]:
    """(the reasoning effort to send, a notice for the user when the one asked for is dropped; "" if none)."""
    if not effort:
        return None, ""
    rules = rules_for(model, models)
    if effort in rules.reasoning_efforts:
        return effort, ""
    if not rules.reasoning_efforts:
        return None, (f"{model} does not take a reasoning effort ({REASONING_GUIDE}): "
                      f"sending without reasoning effort {effort}")
    accepted = " or ".join(rules.reasoning_efforts)
    return None, f"{model} takes reasoning effort {accepted}, not {effort}: sending without one"


__all__ = [
    "CONTEXT_WINDOWS", "DOCUMENTED_ALIASES", "REASONING_EFFORTS", "ModelRules", "canonical_id",
    "effort_to_send", "rules_for",
]
