"""`grokterm models`: the models the key can use, with modalities and prices per million tokens.

Reads `/v1/language-models` (falls back to `/v1/models`, which has no prices or
modalities: shown as "?"). Prices on the wire are ticks per token (USD cents per
100 M tokens), so dollars per million tokens = price / 10 000. Exit codes as
in commands.common.
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal
from typing import TYPE_CHECKING

from grokterm.commands.common import (
    add_connection_options,
    client_from_args,
    eprint,
    json_dumps_safe,
    load_settings,
    run_api_command,
)

if TYPE_CHECKING:
    from grokterm.xai.wire import LanguageModel

HEADERS = ("MODEL", "ALIASES", "INPUT", "OUTPUT", "$/M IN", "$/M CACHED", "$/M OUT")


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = "List the available models with modalities and prices per million tokens."
    parser.add_argument("--json", action="store_true", help="print the models as a JSON array")
    add_connection_options(parser)


def per_million(price: int | None) -> str:
    """Ticks per token → dollars per million tokens: 3000 → "0.30", 750 → "0.075"."""
    if price is None:
        return "?"
    text = f"{Decimal(price) / 10_000:.4f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def model_row(model: LanguageModel) -> tuple[str, ...]:
    from grokterm.sanitize import sanitize_terminal as clean

    name = clean(model.id) + (" [vision]" if model.supports_images else "")
    return (
        name,
        clean(", ".join(model.aliases)) or "-",
        clean(",".join(model.input_modalities)) or "?",
        clean(",".join(model.output_modalities)) or "?",
        per_million(model.prompt_text_token_price),
        per_million(
            model.cached_prompt_text_token_price
            if model.cached_prompt_text_token_price is not None
            else model.prompt_text_token_price
        ),
        per_million(model.completion_text_token_price),
    )


def format_table(models: list[LanguageModel]) -> str:
    rows = [HEADERS] + [model_row(m) for m in sorted(models, key=lambda m: m.id)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    numeric = {4, 5, 6}
    lines = [
        "  ".join(cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i]) for i, cell in enumerate(row))
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


async def _models(args: argparse.Namespace) -> int:
    from grokterm.sanitize import sanitize_terminal

    async with client_from_args(args, load_settings()) as client:
        client.on_retry = lambda retry: eprint(
            f"grokterm: {sanitize_terminal(retry.reason)} (retry {retry.attempt} in {retry.delay:.2g} s)")
        models = await client.list_language_models()
    if args.json:
        sys.stdout.write(json_dumps_safe([m.model_dump(exclude_none=True) for m in models]) + "\n")
    else:
        sys.stdout.write(format_table(models) + "\n")
    return 0


def run(args: argparse.Namespace) -> int:
    return run_api_command(lambda: _models(args))
