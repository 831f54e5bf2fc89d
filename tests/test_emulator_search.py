"""Emulator: server-side web_search / x_search on /v1/responses — shapes, stream events, citations,
usage and the search faults (docs/api/tools-search.md)."""

from __future__ import annotations

import pytest
from fixtures_emulator import sse_json_events

WEB = {"type": "web_search"}
X = {"type": "x_search"}


def create(client, **body):
    return client.post("/responses", json={"model": "grok-4-fast-reasoning", "input": "What is xAI?", **body})


def stream_events(client, **body) -> list[dict]:
    with client.stream("POST", "/responses", json={"model": "grok-4-fast-reasoning", "input": "What is xAI?",
                                                   "stream": True, **body}) as reply:
        assert reply.status_code == 200
        return sse_json_events(reply.read())


def test_web_search_reply_has_call_item_citations_and_billed_usage(emulator_http):
    reply = create(emulator_http, tools=[{**WEB, "allowed_domains": ["arxiv.org"]}])
    assert reply.status_code == 200, reply.text
    body = reply.json()
    kinds = [item["type"] for item in body["output"]]
    assert kinds == ["reasoning", "web_search_call", "message"]  # reasoning first, as recorded
    call = body["output"][1]
    assert call["status"] == "completed" and call["action"]["query"] == "What is xAI"
    assert call["id"] == f"ws_{body['id']}_call_0"
    urls = [source["url"] for source in call["action"]["sources"]]
    assert urls and all(url.startswith("https://arxiv.org/") for url in urls)
    part = body["output"][2]["content"][0]
    assert [a["url"] for a in part["annotations"]] == urls
    for number, annotation in enumerate(part["annotations"], 1):  # indices span the inline [[n]](url) link
        assert part["text"][annotation["start_index"]:annotation["end_index"]] == f"[[{number}]]({annotation['url']})"
    usage = body["usage"]
    assert usage["num_server_side_tools_used"] == 1
    assert usage["server_side_tool_usage_details"]["web_search_calls"] == 1
    assert usage["server_side_tool_usage_details"]["x_search_calls"] == 0
    assert body["tools"] == [{**WEB, "allowed_domains": ["arxiv.org"]}]


def test_tool_fee_is_in_the_cost(emulator_http):
    plain = create(emulator_http, input="!echo same").json()["usage"]["cost_in_usd_ticks"]
    searched = create(emulator_http, input="!search-fail !echo same", tools=[WEB]).json()["usage"]
    assert searched["num_server_side_tools_used"] == 0  # a failed call is not billed
    assert searched["cost_in_usd_ticks"] > plain  # ... but the answer text is longer
    ok = create(emulator_http, input="!search-empty !echo same", tools=[WEB]).json()["usage"]
    assert ok["num_server_side_tools_used"] == 1
    assert ok["cost_in_usd_ticks"] >= 50_000_000  # $5 per 1,000 calls


def test_stream_shows_tool_calls_before_the_text_and_annotations_after(emulator_http):
    events = stream_events(emulator_http, tools=[WEB, {**X, "allowed_x_handles": ["xai"]}])
    types = [event["type"] for event in events]
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    first_text = types.index("response.output_text.delta")
    for kind in ("response.web_search_call.in_progress", "response.web_search_call.searching",
                 "response.web_search_call.completed", "response.custom_tool_call_input.done"):
        assert types.index(kind) < first_text
    added = [e["item"] for e in events if e["type"] == "response.output_item.added"]
    assert [item["type"] for item in added] == ["reasoning", "web_search_call", "custom_tool_call", "message"]
    assert added[1]["action"] == {"type": "search", "query": "", "sources": []}
    x_input = next(e for e in events if e["type"] == "response.custom_tool_call_input.done")["input"]
    assert '"query":"What is xAI"' in x_input
    notes = [e for e in events if e["type"] == "response.output_text.annotation.added"]
    assert notes and types.index("response.output_text.annotation.added") > first_text
    assert types.index("response.output_text.done") > types.index("response.output_text.annotation.added")
    x_urls = [n["annotation"]["url"] for n in notes if "x.com" in n["annotation"]["url"]]
    assert x_urls and all(url.startswith("https://x.com/xai/status/") for url in x_urls)
    final = events[-1]["response"]
    assert final["usage"]["server_side_tool_usage_details"]["x_search_calls"] == 1


def test_search_empty_and_fail_faults(emulator_http):
    empty = create(emulator_http, input="!search-empty latest grokterm release", tools=[WEB]).json()
    assert empty["output"][1]["action"]["sources"] == []
    assert empty["output"][-1]["content"][0]["annotations"] == []
    assert "found no results" in empty["output"][-1]["content"][0]["text"]
    assert "!search-empty" not in empty["output"][-1]["content"][0]["text"]
    failed = stream_events(emulator_http, input="!search-fail what happened today", tools=[X])
    done = [e["item"] for e in failed if e["type"] == "response.output_item.done"]
    assert done[1]["status"] == "failed" and done[1]["type"] == "custom_tool_call"
    assert failed[-1]["type"] == "response.completed"


@pytest.mark.parametrize("tools, message", [
    ([{**WEB, "allowed_domains": ["a.com"], "excluded_domains": ["b.com"]}], "cannot be used together"),
    ([{**WEB, "allowed_domains": [f"d{i}.com" for i in range(6)]}], "at most 5"),
    ([{**WEB, "allowed_domains": ["https://a.com/x"]}], "not a domain name"),
    ([{**WEB, "search_context_size": "high"}], "search_context_size"),  # undocumented: the allowlist says no
    ([{**WEB, "allowed_x_handles": ["xai"]}], "unknown field `allowed_x_handles` in a `web_search` tool"),
    ([{**X, "from_date": "31/01/2026"}], "YYYY-MM-DD"),
    ([{**X, "from_date": "2026-02-01", "to_date": "2026-01-01"}], "after"),
    ([{**X, "allowed_x_handles": ["@xai"]}], "not an X handle"),
    ([{**X, "allowed_x_handles": ["a"], "excluded_x_handles": ["b"]}], "cannot be used together"),
    ([{"type": "live_search"}], "unsupported tool type"),
    ([WEB, WEB], "given twice"),
    ({"type": "web_search"}, "tools.type"),  # an object, not an array: refused by path
])
def test_bad_tool_shapes_are_refused(emulator_http, tools, message):
    reply = create(emulator_http, tools=tools)
    assert reply.status_code == 400
    assert message in reply.json()["error"]


def test_model_without_server_side_tools_is_refused(emulator_http):
    reply = emulator_http.post("/responses", json={"model": "grok-3", "input": "hi", "tools": [WEB]})
    assert reply.status_code == 400
    assert "does not support server-side tools" in reply.json()["error"]


def test_same_prompt_same_sources(emulator_http):
    first = create(emulator_http, tools=[WEB]).json()["output"][1]["action"]["sources"]
    second = create(emulator_http, tools=[WEB]).json()["output"][1]["action"]["sources"]
    assert first == second and len(first) == 3
