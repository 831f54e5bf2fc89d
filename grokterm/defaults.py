"""Facts with one home: the defaults every layer shares (model, base URL, timeouts, lifetimes).

A leaf module (imports nothing), so the HTTP client, the store, config.toml's model,
the CLI help and the UI can all read the same value instead of repeating it.
"""

from __future__ import annotations

from typing import Literal

#: Which wire API a client speaks: the Responses API, chat completions, or auto (responses,
#: switching to chat when the server has no /v1/responses route).
ApiStyle = Literal["auto", "responses", "chat"]
API_STYLE: ApiStyle = "auto"

#: Where the API lives; every route is under /v1 (xAI REST API reference, "Base URL").
BASE_URL = "https://api.x.ai/v1"
#: The model a new conversation or `grokterm ask` uses unless config.toml or -m says otherwise.
MODEL = "grok-4-0709"
#: The image model of `/image` and `grokterm image` unless config.toml or -m says otherwise
#: (docs.x.ai "Image Generation", 2026: grok-imagine-image; see docs/api/images.md).
IMAGE_MODEL = "grok-imagine-image"
#: The theme a fresh install starts with (themes/ holds the built-in ones).
THEME = "grok-dark"
#: Give up on a reply when the server sends nothing for this long (seconds).
READ_TIMEOUT_S = 300.0
#: Retries of a request that failed before any reply arrived.
MAX_RETRIES = 2
#: xAI keeps a response stored with `store: true` for 30 days, then deletes it
#: (docs.x.ai, Responses API: the `store` field).
RESPONSE_LIFETIME_DAYS = 30
RESPONSE_LIFETIME_SECONDS = RESPONSE_LIFETIME_DAYS * 24 * 3600
