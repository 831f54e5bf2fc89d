"""The model list: cached in the store, refreshed from /v1/language-models when stale."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from grokterm.store import Store
from grokterm.xai.client import XAIClient
from grokterm.xai.wire import LanguageModel

log = logging.getLogger(__name__)

CACHE_KEY = "language_models"
MAX_AGE_SECONDS = 24 * 3600


async def load_models(store: Store, client: XAIClient, *, force: bool = False) -> list[LanguageModel]:
    """Cached list when fresh (and not forced); otherwise fetch, cache and return it.

    A failed fetch falls back to a stale cached copy before giving up.
    """
    cache_key = f"{CACHE_KEY}:{client.base_url}"
    if not force:
        cached = await asyncio.to_thread(store.cache_get, cache_key, MAX_AGE_SECONDS)
        if cached is not None:
            return [LanguageModel.model_validate(m) for m in cached.value]
    try:
        models = await client.list_language_models()
    except Exception:
        log.warning("could not fetch the model list; using the cached one if any", exc_info=True)
        stale = await asyncio.to_thread(store.cache_get, cache_key, None)
        if stale is None:
            raise
        return [LanguageModel.model_validate(m) for m in stale.value]
    await asyncio.to_thread(store.cache_set, cache_key, [m.model_dump(mode="json") for m in models])
    return models


def find_model(models: Iterable[LanguageModel], model_id: str) -> LanguageModel | None:
    """The model whose id or one of its aliases is `model_id` (None when unknown)."""
    for model in models:
        if model.id == model_id or model_id in (getattr(model, "aliases", None) or []):
            return model
    return None


def model_for_cost(
    models: Iterable[LanguageModel], reply_model: str | None, requested_model: str | None = None,
) -> LanguageModel | None:
    """The catalogue entry whose prices apply to a reply.

    The reply names the model it resolved to, which need not be in the catalogue: grok-3-mini
    with reasoning_effort "high" answers as `grok-3-mini-high` (recorded real traffic). So: the
    reply's model, else the model asked for, else the longest id or alias the reply's name
    starts with (`grok-3-mini-high` -> grok-3-mini).
    """
    models = list(models)
    for name in (reply_model, requested_model):
        if name:
            found = find_model(models, name)
            if found is not None:
                return found
    if not reply_model:
        return None
    best: tuple[int, LanguageModel] | None = None
    for model in models:
        for name in (model.id, *(getattr(model, "aliases", None) or [])):
            if reply_model.startswith(name + "-") and (best is None or len(name) > best[0]):
                best = (len(name), model)
    return best[1] if best else None
