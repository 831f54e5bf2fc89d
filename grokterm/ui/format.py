"""Small display formatters shared by widgets (numbers, money, dates)."""

from __future__ import annotations

import datetime as dt
import math

from grokterm.xai.usage import TICKS_PER_USD

RESPONSE_TTL_DAYS = 30


def dollars(ticks: int | None) -> str:
    """Cost in ticks (1e-10 USD) as dollars with enough digits to be useful."""
    if ticks is None:
        return "—"
    usd = ticks / TICKS_PER_USD
    if usd == 0:
        return "$0"
    if usd < 0.01:
        return f"${usd:.5f}"
    return f"${usd:.4f}"


def per_million(price_ticks_per_token: int | None) -> str:
    """A /v1/language-models price (ticks per token) as dollars per million tokens."""
    if price_ticks_per_token is None:
        return "—"
    return f"${price_ticks_per_token * 1_000_000 / TICKS_PER_USD:.2f}"


def tokens(n: int | None) -> str:
    return "—" if n is None else f"{n:,}"


def timestamp(epoch: float | None) -> str:
    if not epoch:
        return "—"
    return dt.datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M")


def expiry(created_epoch: float | None, now: float | None = None) -> str:
    """'expires 2026-12-25 (in 30 days)' or 'expired 2 days ago'."""
    if not created_epoch:
        return "—"
    now = now if now is not None else dt.datetime.now().timestamp()
    expires = created_epoch + RESPONSE_TTL_DAYS * 86400
    days = (expires - now) / 86400
    date = dt.datetime.fromtimestamp(expires).strftime("%Y-%m-%d")
    if days < 0:
        return f"expired {date}"
    return f"expires {date} (in {math.ceil(days)} days)"


def model_prices(model) -> str:
    """'in $2.00 · cached $0.50 · out $10.00 /M' from a LanguageModel's per-token prices."""
    return (
        f"in {per_million(getattr(model, 'prompt_text_token_price', None))}"
        f" · cached {per_million(getattr(model, 'cached_prompt_text_token_price', None))}"
        f" · out {per_million(getattr(model, 'completion_text_token_price', None))} /M"
    )
