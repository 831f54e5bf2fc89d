"""Base-URL normalisation, so "https://api.x.ai", "api.x.ai" and ".../v1/" all work.

Every route is under `/v1`; users paste the host without it as often as with it.
Import-light on purpose (used by config resolution and `--help` paths).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from grokterm import defaults

_LOCAL_HOSTS = ("localhost", "127.", "[::1]", "0.0.0.0")


def normalize_base_url(url: str | None) -> str:
    """`https://api.x.ai` → `https://api.x.ai/v1`; a path already ending in `/v1` is kept.

    A URL without a scheme gets `http://` for loopback hosts and `https://` otherwise.
    """
    url = (url or "").strip()
    if not url:
        return defaults.BASE_URL
    if "://" not in url:
        url = ("http://" if url.startswith(_LOCAL_HOSTS) else "https://") + url
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if not path.endswith("/v1"):
        path += "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
