"""A reply's sources travel with it: Markdown and JSON export, JSON import, and the responses browser."""

from __future__ import annotations

import json

import pytest
from test_responses_screen import open_browser, wait_screen_workers
from test_ui_search import widget_text
from ui_helpers import make_app, send, wait_started

from grokterm.store import Store
from grokterm.store.errors import ImportFormatError
from grokterm.ui.screens.response_detail import ResponseDetailScreen

SOURCES = {
    "citations": [
        {"url": "https://en.wikipedia.org/wiki/Grok_(chatbot)", "title": "Grok [chatbot]", "start_index": 10,
         "end_index": 60},
        {"url": "javascript:alert(1)", "title": None},
    ],
    "tool_calls": [{"id": "ws_1", "tool": "web_search", "status": "completed", "query": "grok",
                    "sources": ["https://en.wikipedia.org/wiki/Grok_(chatbot)"]},
                   {"id": "ctc_1", "tool": "x_search", "status": "failed", "query": "from:xai", "sources": []}],
    "tool_usage": {"calls": {"web_search": 1}, "total": 1},
}


def seeded(tmp_path) -> tuple[Store, int]:
    store = Store(tmp_path / "g.db")
    conv = store.create_conversation(title="search", model="grok-4-0709")
    store.add_message(conv.id, "user", "what is grok?")
    reply = store.add_message(conv.id, "assistant", "", model="grok-4-0709")
    store.finish_message(reply.id, "complete", text="Grok is a chatbot [[1]](https://en.wikipedia.org/wiki/Grok_(chatbot)).",
                         sources=SOURCES)
    return store, conv.id


def test_markdown_export_lists_sources_and_searches(tmp_path) -> None:
    store, conversation_id = seeded(tmp_path)
    text = store.export_markdown(conversation_id)
    assert "**Sources**" in text
    assert "1. [Grok \\[chatbot\\]](https://en.wikipedia.org/wiki/Grok_%28chatbot%29) — en.wikipedia.org" in text
    assert "2. source `javascript:alert(1)`" in text  # never a link
    assert "](javascript:" not in text
    assert "*Searches: web search “grok” (1 results); X search “from:xai” (failed)*" in text
    store.close()


def test_json_export_carries_sources_and_import_restores_them(tmp_path) -> None:
    store, conversation_id = seeded(tmp_path)
    document = json.loads(store.export_json(conversation_id))
    reply = document["messages"][1]
    assert reply["sources"]["citations"][0]["url"].startswith("https://en.wikipedia.org/")
    assert reply["sources"]["tool_usage"] == {"calls": {"web_search": 1}, "total": 1}
    assert "sources" not in document["messages"][0]
    copy = store.import_json(document)
    replies = [m for m in store.list_messages(copy.id) if m.role == "assistant"]
    restored = store.sources_of([replies[0].id])[replies[0].id]
    assert list(restored.citations) == SOURCES["citations"] and list(restored.tool_calls) == SOURCES["tool_calls"]
    reply["sources"] = {"citations": [{"title": "no url"}]}
    with pytest.raises(ImportFormatError, match="url"):
        store.import_json(document)
    store.close()


async def test_responses_browser_shows_a_stored_responses_citations(emulator, tmp_path) -> None:
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(150, 50)) as pilot:
        pane = await wait_started(app, pilot)
        await pilot.press("f3")
        await send(pane, pilot, "grok search tools !echo See the docs.")
        await open_browser(app, pilot)
        await pilot.press("enter")
        detail = app.screen
        assert isinstance(detail, ResponseDetailScreen)
        await wait_screen_workers(detail, pilot)
        assert detail.query_one("#detail-sources").display
        assert "Sources (web and X search)" in widget_text(detail.query_one("#detail-sources-title"))
        sources = widget_text(detail.query_one("#detail-sources"))
        assert "[1] Grok Search Tools - Wikipedia · en.wikipedia.org" in sources
        assert "web search ×1 · est. $0.0050" in sources
        text = widget_text(detail.query_one("#detail-text"))
        assert "See the docs." in text and "[[1]](" not in text and "[1]" in text  # markers, not raw links
