"""The emulator's model catalogue: ids, aliases, modalities, reasoning style, prices.

Prices are in the units of /v1/language-models (USD cents per 100 million
tokens = ticks per token), copied from the xAI REST reference's /v1/language-models
examples where it has one (grok-3, grok-3-mini, grok-2-vision-1212, grok-4-0709) and
from recorded real bills otherwise, so that cost arithmetic in the client can be
checked against real bills (docs/api/README.md). Image-capable
models whose documented example lists an image price of 0 charge image tokens
at the prompt price (xAI: "image tokens — charged at prompt token price").
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Literal

Reasoning = Literal["none", "hidden", "visible"]
OWNER = "xai"
TEAM_ID = "5f3c1d9e-0b7a-4c2e-9a61-3e8d2b7f4a10"  # the emulator's pretend team


@dataclass(frozen=True)
class ModelInfo:
    id: str
    fingerprint: str
    created: int
    version: str
    input_modalities: tuple[str, ...]
    prompt_price: int
    cached_price: int | None  # None: the key is absent from the wire record
    image_price: int
    completion_price: int
    search_price: int | None
    aliases: tuple[str, ...]
    reasoning: Reasoning  # none; hidden (only reasoning_tokens); visible (reasoning_content on chat)
    takes_reasoning_effort: bool  # chat `reasoning_effort` accepted (docs: grok-3-mini only)
    max_prompt_length: int

    @property
    def accepts_images(self) -> bool:
        return "image" in self.input_modalities

    @property
    def is_reasoning(self) -> bool:
        return self.reasoning != "none"

    def language_model_record(self) -> dict:
        """The object served by GET /v1/language-models[/{id}] (absent prices are left out)."""
        record: dict = {
            "id": self.id,
            "fingerprint": self.fingerprint,
            "created": self.created,
            "object": "model",
            "owned_by": OWNER,
            "version": self.version,
            "input_modalities": list(self.input_modalities),
            "output_modalities": ["text"],
            "prompt_text_token_price": self.prompt_price,
        }
        if self.cached_price is not None:
            record["cached_prompt_text_token_price"] = self.cached_price
        record["prompt_image_token_price"] = self.image_price
        record["completion_text_token_price"] = self.completion_price
        if self.search_price is not None:
            record["search_price"] = self.search_price
        record["aliases"] = list(self.aliases)
        return record

    def model_record(self) -> dict:
        """The short object served by GET /v1/models[/{id}]."""
        return {"id": self.id, "created": self.created, "object": "model", "owned_by": OWNER}


SEARCH_PRICE = 250_000_000

LANGUAGE_MODELS: tuple[ModelInfo, ...] = (
    # As the xAI REST reference's "Get language model" example shows it: text only, no image price.
    ModelInfo("grok-4-0709", "fp_156d35dcaa", 1752019200, "1.0.0", ("text",),
              20000, 0, 0, 100000, None, ("grok-4", "grok-4-latest"), "hidden", False, 256_000),
    ModelInfo("grok-4-fast-reasoning", "fp_3d7ed3b779", 1758240000, "1.0.0", ("text", "image"),
              2000, 500, 2000, 5000, SEARCH_PRICE, ("grok-4-fast", "grok-4-fast-reasoning-latest"),
              "hidden", False, 2_000_000),
    ModelInfo("grok-3-mini", "fp_6a09108ff5", 1743724800, "1.0", ("text",),
              3000, 750, 0, 5000, SEARCH_PRICE, ("grok-3-mini-latest", "grok-3-mini-beta"),
              "visible", True, 131_072),
    ModelInfo("grok-code-fast-1", "fp_25ea88a038", 1755993600, "1.0", ("text",),
              2000, 200, 0, 15000, None, ("grok-code-fast", "grok-code-fast-1-0825"),
              "visible", False, 256_000),
    ModelInfo("grok-3", "fp_898ae9f31c", 1743724800, "1.0", ("text",),
              30000, 7500, 0, 150000, SEARCH_PRICE, ("grok-3-latest", "grok-3-beta"), "none", False, 131_072),
    ModelInfo("grok-2-vision-1212", "fp_daba7546e5", 1733961600, "0.1.0", ("text", "image"),
              20000, None, 20000, 100000, None, (), "none", False, 32_768),
)

IMAGE_MODEL_ID = "grok-2-image-1212"
IMAGE_MODEL_ALIASES = ("grok-2-image", "grok-2-image-latest")
IMAGE_MODEL_CREATED = 1736726400
IMAGE_PRICE_TICKS = 200_000_000  # per generated image ($0.02)


# The Grok Imagine models of docs.x.ai's image generation page (2026), with their price per
# image in ticks ($0.02 and $0.05 as third-party copies of xAI's price list give them).
IMAGINE_MODELS: dict[str, int] = {"grok-imagine-image": 200_000_000, "grok-imagine-image-quality": 500_000_000}


def image_price_ticks(name: object) -> int | None:
    """Price of one generated image for an image model id or alias, None for anything else."""
    if name == IMAGE_MODEL_ID or name in IMAGE_MODEL_ALIASES:
        return IMAGE_PRICE_TICKS
    return IMAGINE_MODELS.get(name) if isinstance(name, str) else None


def imagine_model_record(name: str) -> dict:
    return {
        "id": name, "fingerprint": "fp_" + format(zlib.crc32(name.encode()), "08x") + "00",
        "created": 1767225600, "object": "model", "owned_by": OWNER, "version": "1.0.0",
        "image_price": IMAGINE_MODELS[name] // 10**8, "aliases": [],
    }


def image_generation_model_record() -> dict:
    return {
        "id": IMAGE_MODEL_ID, "fingerprint": "fp_ca78641a52", "max_prompt_length": 1024,
        "created": IMAGE_MODEL_CREATED, "object": "model", "owned_by": OWNER, "version": "1.0.0",
        "prompt_text_token_price": 100000, "prompt_image_token_price": 100000,
        "generated_image_token_price": 100000, "image_price": IMAGE_PRICE_TICKS // 10**8,
        "aliases": list(IMAGE_MODEL_ALIASES),
    }


_BY_NAME: dict[str, ModelInfo] = {}
for _model in LANGUAGE_MODELS:
    _BY_NAME[_model.id] = _model
    for _alias in _model.aliases:
        _BY_NAME[_alias] = _model


def find_language_model(name: str) -> ModelInfo | None:
    """The model for an id or alias, or None."""
    return _BY_NAME.get(name) if isinstance(name, str) else None


def all_model_records() -> list[dict]:
    """GET /v1/models: language models plus the image model."""
    records = [m.model_record() for m in LANGUAGE_MODELS]
    records.append({"id": IMAGE_MODEL_ID, "created": IMAGE_MODEL_CREATED, "object": "model", "owned_by": OWNER})
    records += [{"id": name, "created": 1767225600, "object": "model", "owned_by": OWNER} for name in IMAGINE_MODELS]
    return records
