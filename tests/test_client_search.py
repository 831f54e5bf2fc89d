"""Search tools in the client: payload, live tool-call events, citations and tool usage — from the
emulator over loopback and from recorded real stream shapes (copied in docs/api/tools-search.md)."""

from __future__ import annotations

import pytest

from grokterm.xai.client import XAIClient
from grokterm.xai.events import Completed, Message, TextDelta, ToolCallUpdate, TurnRequest
from grokterm.xai.payloads import responses_payload
from grokterm.xai.responses_stream import ResponsesStreamState
from grokterm.xai.tools import (
    SearchSettings,
    SearchSettingsError,
    citations_from_output,
    is_web_url,
    status_text,
    tool_usage_from_wire,
)

QUESTION = (Message("user", "What is xAI?"),)


def test_payload_carries_documented_tool_shapes() -> None:
    search = SearchSettings(web=True, x=True, excluded_domains=("pinterest.com",), allowed_x_handles=("xai",),
                            from_date="2026-01-01", to_date="2026-02-01")
    payload = responses_payload(TurnRequest("grok-4", QUESTION, search=search), stream=True)
    assert payload["tools"] == [
        {"type": "web_search", "excluded_domains": ["pinterest.com"]},
        {"type": "x_search", "allowed_x_handles": ["xai"], "from_date": "2026-01-01", "to_date": "2026-02-01"},
    ]
    assert "tools" not in responses_payload(TurnRequest("grok-4", QUESTION, search=SearchSettings()), stream=True)


@pytest.mark.parametrize("settings, message", [
    (SearchSettings(web=True, allowed_domains=("a.com",), excluded_domains=("b.com",)), "not both"),
    (SearchSettings(web=True, allowed_domains=tuple(f"d{i}.org" for i in range(6))), "at most 5"),
    (SearchSettings(x=True, allowed_x_handles=("no spaces",)), "not an X handle"),
    (SearchSettings(x=True, from_date="2026-03-01", to_date="2026-01-01"), "after"),
    (SearchSettings(x=True, to_date="soon"), "date like"),
])
def test_settings_refuse_what_the_api_refuses(settings, message) -> None:
    with pytest.raises(SearchSettingsError, match=message):
        settings.normalised()


def test_settings_normalise_and_round_trip() -> None:
    settings = SearchSettings(web=True, x=True, allowed_domains=("https://ArXiv.org/abs", "arxiv.org"),
                              allowed_x_handles=("@xai",)).normalised()
    assert settings.allowed_domains == ("arxiv.org",) and settings.allowed_x_handles == ("xai",)
    assert SearchSettings.from_json(settings.to_json()) == settings
    assert SearchSettings.from_json("not json") == SearchSettings()
    assert settings.summary() == "web (arxiv.org) + X (@xai)"


async def test_stream_reports_tool_calls_live_then_citations(emulator) -> None:
    search = SearchSettings(web=True, x=True)
    events = []
    async with XAIClient(emulator.api_key, emulator.base_url) as client:
        async for event in client.stream_turn(TurnRequest("grok-4-fast-reasoning", QUESTION, search=search)):
            events.append(event)
    updates = [event.call for event in events if isinstance(event, ToolCallUpdate)]
    first_text = next(i for i, e in enumerate(events) if isinstance(e, TextDelta))
    assert all(events.index(ToolCallUpdate(call)) < first_text for call in updates)
    web = [call for call in updates if call.tool == "web_search"]
    assert list(dict.fromkeys(call.status for call in web)) == ["in_progress", "searching", "completed"]
    assert web[-1].query == "What is xAI" and len(web[-1].sources) == 3
    assert status_text(web[0]) == "searching the web\u2026"
    assert status_text(web[-1]) == "reading 3 results"
    x_calls = [call for call in updates if call.tool == "x_search"]
    assert x_calls[0].name == "x_keyword_search"
    assert any(call.query == "What is xAI" for call in x_calls)  # the input arrives before the results
    completed = events[-1]
    assert isinstance(completed, Completed)
    assert len(completed.citations) == 5 and completed.citations[0].title
    assert completed.citations[0].start_index is not None
    assert "[[1]](" in completed.text
    assert completed.tool_usage is not None and dict(completed.tool_usage.calls) == {"web_search": 1,
                                                                                      "x_search": 1}
    assert [call.status for call in completed.tool_calls] == ["completed", "completed"]


# ---- recorded real shapes (vercel/ai fixtures of api.x.ai replies; see docs/api/tools-search.md)

RECORDED_2026_STREAM = [  # xai-13218-web-search-provider-tool-result.1.chunks.txt (trimmed ids)
    {"type": "response.output_item.added", "output_index": 0, "item": {
        "id": "ws_1", "type": "web_search_call", "status": "in_progress",
        "action": {"type": "search", "query": "", "sources": []}}},
    {"type": "response.web_search_call.in_progress", "item_id": "ws_1", "output_index": 0},
    {"type": "response.web_search_call.searching", "item_id": "ws_1", "output_index": 0},
    {"type": "response.web_search_call.completed", "item_id": "ws_1", "output_index": 0},
    {"type": "response.output_item.done", "output_index": 0, "item": {
        "id": "ws_1", "type": "web_search_call", "status": "completed", "action": {
            "type": "search", "query": "current title of https://x.ai site:x.ai",
            "sources": [{"type": "url", "url": "https://x.ai/"}, {"type": "url", "url": "https://x.ai/grok"}]}}},
    {"type": "response.output_text.delta", "output_index": 1, "content_index": 0, "delta": "**xAI**"},
    {"type": "response.output_text.annotation.added", "annotation": {
        "type": "url_citation", "url": "https://x.ai/", "start_index": 0, "end_index": 0, "title": "https://x.ai/"},
     "annotation_index": 0, "content_index": 0, "item_id": "msg_1", "output_index": 1},
    {"type": "response.completed", "response": {"id": "r1", "status": "completed", "output": [], "usage": {
        "input_tokens": 4144, "input_tokens_details": {"cached_tokens": 1920}, "output_tokens": 49,
        "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 4193, "num_sources_used": 0,
        "num_server_side_tools_used": 2, "cost_in_usd_ticks": 132865000,
        "server_side_tool_usage_details": {"web_search_calls": 2, "x_search_calls": 0,
                                           "code_interpreter_calls": 0, "file_search_calls": 0,
                                           "mcp_calls": 0, "document_search_calls": 0}}}},
]


def test_recorded_2026_web_search_stream() -> None:
    state = ResponsesStreamState(requested_store=True)
    events = [event for data in RECORDED_2026_STREAM for event in state.feed(data)]
    calls = [event.call for event in events if isinstance(event, ToolCallUpdate)]
    assert list(dict.fromkeys(call.status for call in calls)) == ["in_progress", "searching", "completed"]
    assert calls[-1].query.startswith("current title") and calls[-1].sources == ("https://x.ai/", "https://x.ai/grok")
    completed = events[-1]
    assert isinstance(completed, Completed)
    assert [c.url for c in completed.citations] == ["https://x.ai/"]
    assert completed.citations[0].title is None  # the URL repeated as title is no title
    assert completed.tool_usage is not None and completed.tool_usage.calls == {"web_search": 2}
    assert completed.usage is not None and completed.usage.cost_ticks == 132865000


def test_recorded_2025_items_and_x_custom_tool_calls() -> None:
    output = [  # xai-web-search-tool.1.json (2025-11) and xai-x-search-tool.chunks.txt (2025-12)
        {"arguments": '{"query":"what is xAI","num_results":5}', "call_id": "", "name": "web_search",
         "type": "web_search_call", "id": "fc_1_0", "status": "completed"},
        {"call_id": "xs_call_24148162", "input": '{"query":"from:xai filter:media","limit":20,"mode":"Latest"}',
         "name": "x_keyword_search", "type": "custom_tool_call", "id": "ctc_1", "status": "completed"},
        {"content": [{"type": "output_text", "text": "xAI is ...", "annotations": [
            {"type": "url_citation", "url": "https://x.ai/company"},
            {"type": "url_citation", "url": "https://x.ai/company"},
            {"type": "url_citation", "url": "javascript:alert(1)"}]}], "type": "message"},
    ]
    from grokterm.xai.tools import tool_calls_from_output

    calls = tool_calls_from_output(output)
    assert [(c.tool, c.name, c.query) for c in calls] == [
        ("web_search", "web_search", "what is xAI"), ("x_search", "x_keyword_search", "from:xai filter:media")]
    citations = citations_from_output(output)
    assert [c.url for c in citations] == ["https://x.ai/company", "javascript:alert(1)"]
    assert [is_web_url(c.url) for c in citations] == [True, False]  # never a hyperlink


def test_tool_usage_absent_when_no_tool_ran() -> None:
    assert tool_usage_from_wire({"input_tokens": 3, "num_server_side_tools_used": 0}) is None
