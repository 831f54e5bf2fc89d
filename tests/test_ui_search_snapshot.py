"""SVG snapshot: a reply that used web and X search, with inline markers, numbered sources and the
sidebar's sources and search cost. Seeded in the store with a fixed clock, so it is deterministic.
Update after an intended change with `pytest tests/test_ui_search_snapshot.py --snapshot-update`."""

from __future__ import annotations

from ui_helpers import make_app, ready_with_last_reply_focused

from grokterm.chat.sources import save_search_settings
from grokterm.store import Store
from grokterm.xai.tools import SearchSettings

FIXED_NOW = 1_795_000_000.0  # 2026-11-18

CITATIONS = [
    {"url": "https://en.wikipedia.org/wiki/Grok_(chatbot)", "title": "Grok (chatbot) - Wikipedia"},
    {"url": "https://docs.x.ai/developers/tools/web-search", "title": "Web Search | xAI Docs"},
    {"url": "https://x.com/xai/status/1990530499752980638", "title": None},
]
REPLY = (
    "Grok is xAI's assistant; its API can search the web and X while it answers "
    f"[[1]]({CITATIONS[0]['url']}). Search runs on xAI's servers as **tools** of the Responses API "
    f"[[2]]({CITATIONS[1]['url']}), and the latest release was announced on X [[3]]({CITATIONS[2]['url']}).\n\n"
    "- `web_search` takes allowed or excluded domains\n"
    "- `x_search` takes handles and a date range\n"
)


def seed(db_path) -> None:
    store = Store(db_path, clock=lambda: FIXED_NOW)
    conv = store.create_conversation(title="What can Grok search?", model="grok-4-0709")
    store.add_message(conv.id, "user", "What can Grok search, and how?")
    reply = store.add_message(conv.id, "assistant", "", model="grok-4-0709")
    store.finish_message(
        reply.id, "complete", text=REPLY,
        usage={"input_tokens": 912, "cached_tokens": 0, "output_tokens": 88, "reasoning_tokens": 0,
               "image_tokens": 0, "cost_ticks": 127_040_000},
        response_id="5c1d9a7e-2b44-4f0e-8d13-9e6a0c2f7b55", ttft_ms=1850, tokens_per_s=61.0,
        sources={"citations": CITATIONS,
                 "tool_calls": [{"id": "ws_1", "tool": "web_search", "status": "completed",
                                 "query": "Grok search tools", "sources": [c["url"] for c in CITATIONS[:2]]},
                                {"id": "ctc_1", "tool": "x_search", "name": "x_keyword_search",
                                 "status": "completed", "query": "from:xai", "sources": []}],
                 "tool_usage": {"calls": {"web_search": 1, "x_search": 1}, "total": 2}},
    )
    save_search_settings(store, conv.id, SearchSettings(web=True, x=True, allowed_x_handles=("xai",)))
    store.ui_set("open_tabs", [conv.id])
    store.close()


def test_reply_with_sources_snapshot(snap_compare, emulator, tmp_path):
    seed(tmp_path / "grokterm.db")
    app = make_app(emulator, tmp_path, clock=lambda: FIXED_NOW + 3600)

    assert snap_compare(app, terminal_size=(130, 42),
                        run_before=lambda pilot: ready_with_last_reply_focused(app, pilot))
