"""Per-conversation turn options: reasoning effort, temperature, max output tokens.

Kept in the store's key/value table under `conversation_options:<id>` (no schema
change: the options are a small JSON object next to the open-tabs state), read
by the TurnRunner on every turn; JSON export/import carries them (the
conversation's `options`) and deleting the conversation removes them. The model
rules (grokterm.xai.capabilities) decide what is actually sent: an effort the model does not take is dropped with
a notice, so changing model never makes a saved option break a turn.

Limits: temperature 0–2 (xAI's Responses API reference as transcribed in
langchain-xai: "Sampling temperature used (between 0 and 2)"); max output
tokens a positive integer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from grokterm.store import Store
from grokterm.store.keyvalue import CONVERSATION_OPTIONS, TEMPERATURE_RANGE, conversation_options_key

KEY_PREFIX = CONVERSATION_OPTIONS


@dataclass(frozen=True)
class TurnOptions:
    """None means "the model's default" (the field is not sent)."""

    reasoning_effort: str | None = None
    temperature: float | None = None
    max_output_tokens: int | None = None

    @property
    def is_default(self) -> bool:
        return self == TurnOptions()

    def summary(self) -> str:
        """'effort high · temperature 0.7 · max 500 tokens', or '' when all are defaults."""
        parts = []
        if self.reasoning_effort:
            parts.append(f"effort {self.reasoning_effort}")
        if self.temperature is not None:
            parts.append(f"temperature {self.temperature:g}")
        if self.max_output_tokens is not None:
            parts.append(f"max {self.max_output_tokens} tokens")
        return " · ".join(parts)


def parse_temperature(text: str) -> float | None:
    """'' -> None (default); raises ValueError with a message for people."""
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"temperature must be a number from 0 to 2, not {text!r}") from None
    low, high = TEMPERATURE_RANGE
    if not low <= value <= high:
        raise ValueError(f"temperature must be from {low:g} to {high:g}")
    return value


def parse_max_tokens(text: str) -> int | None:
    text = text.strip().replace("_", "").replace(",", "")
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"max output tokens must be a whole number, not {text!r}") from None
    if value < 1:
        raise ValueError("max output tokens must be at least 1")
    return value


def _from_json(value: Any) -> TurnOptions:
    if not isinstance(value, dict):
        return TurnOptions()
    effort = value.get("reasoning_effort")
    temperature = value.get("temperature")
    max_tokens = value.get("max_output_tokens")
    return TurnOptions(
        reasoning_effort=effort if isinstance(effort, str) and effort else None,
        temperature=float(temperature) if isinstance(temperature, (int, float)) and not isinstance(
            temperature, bool) and TEMPERATURE_RANGE[0] <= temperature <= TEMPERATURE_RANGE[1] else None,
        max_output_tokens=max_tokens if isinstance(max_tokens, int) and not isinstance(
            max_tokens, bool) and max_tokens > 0 else None,
    )


def load_options(store: Store, conversation_id: int) -> TurnOptions:
    """The conversation's saved options (defaults when none or unreadable)."""
    return _from_json(store.ui_get(conversation_options_key(conversation_id)))


def save_options(store: Store, conversation_id: int, options: TurnOptions) -> None:
    """Persist the options; all-default options remove the entry."""
    store.ui_set(conversation_options_key(conversation_id), None if options.is_default else asdict(options))


__all__ = ["TurnOptions", "load_options", "parse_max_tokens", "parse_temperature", "save_options"]
