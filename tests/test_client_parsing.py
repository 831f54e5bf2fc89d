"""Pure parts of the client: stream translation, request bodies, error classification, retry delays, URLs."""

from __future__ import annotations

import json

import pytest

from grokterm.xai.chat_stream import ChatStreamState
from grokterm.xai.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    CreditsExhaustedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    StreamInterruptedError,
    XAIError,
    error_from_status,
    redact,
)
from grokterm.xai.events import (
    Completed,
    Failed,
    ImagePart,
    Message,
    ReasoningDelta,
    TextDelta,
    TurnRequest,
    TurnStarted,
    UsageUpdate,
)
from grokterm.xai.payloads import chat_headers, chat_payload, responses_payload
from grokterm.xai.responses_stream import ResponsesStreamState
from grokterm.xai.retry import RetryPolicy, retry_after_seconds
from grokterm.xai.urls import normalize_base_url

KEY = "xai-SECRETsecretSECRETsecret0123456789"


def feed_all(state, payloads):
    events = []
    for payload in payloads:
        events += state.feed(payload)
    return events


# ------------------------------------------------------------------ chat stream


def chunk(delta=None, finish=None, usage=None, choices=True):
    data = {"id": "db92f377", "object": "chat.completion.chunk", "created": 1, "model": "grok-3-mini-high",
            "system_fingerprint": "fp_25ea88a038"}
    data["choices"] = [] if not choices else [{"index": 0, "delta": delta or {}}]
    if finish:
        data["choices"][0]["finish_reason"] = finish
    if usage:
        data["usage"] = usage
    return data


def test_chat_stream_reasoning_keepalives_text_finish_usage_done() -> None:
    state = ChatStreamState()
    usage = {"prompt_tokens": 288, "completion_tokens": 27, "total_tokens": 628,
             "prompt_tokens_details": {"cached_tokens": 287},
             "completion_tokens_details": {"reasoning_tokens": 313}, "cost_in_usd_ticks": 1918250}
    events = feed_all(state, [
        chunk({"reasoning_content": "First", "role": "assistant"}),
        chunk({}), chunk({}),  # keep-alive empty deltas
        chunk({"reasoning_content": ","}),
        chunk({"content": "Olá"}), chunk({"content": "!"}),
        chunk({}, finish="stop"),
        chunk(usage=usage, choices=False),
    ])
    events += state.done()
    assert events[0] == TurnStarted("db92f377", "grok-3-mini-high")
    assert [e.text for e in events if isinstance(e, ReasoningDelta)] == ["First", ","]
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Olá", "!"]
    usage_events = [e for e in events if isinstance(e, UsageUpdate)]
    assert len(usage_events) == 1 and usage_events[0].usage.cost_ticks == 1918250
    done = events[-1]
    assert isinstance(done, Completed)
    assert (done.text, done.reasoning, done.finish_reason, done.stored) == ("Olá!", "First,", "stop", False)
    assert done.usage.reasoning_tokens == 313


def test_chat_stream_cumulative_usage_last_wins() -> None:
    state = ChatStreamState()
    for n in (1, 2, 3):
        state.feed(chunk({"content": "x"}, usage={"prompt_tokens": 41, "completion_tokens": n,
                                                   "total_tokens": 41 + n}))
    (done,) = state.done()
    assert done.usage.output_tokens == 3 and done.text == "xxx"


def test_chat_stream_top_level_error_fails_with_partial_text() -> None:
    state = ChatStreamState()
    state.feed(chunk({"content": "partial"}))
    (failed,) = state.feed({"code": "Internal error encountered", "error": "model crashed"})
    assert isinstance(failed, Failed) and state.finished
    assert failed.partial_text == "partial"
    assert isinstance(failed.error, StreamInterruptedError) and "model crashed" in str(failed.error)


def test_chat_stream_interrupted_keeps_partial() -> None:
    state = ChatStreamState()
    state.feed(chunk({"content": "half"}))
    failed = state.interrupted()
    assert failed.partial_text == "half" and isinstance(failed.error, StreamInterruptedError)


# ------------------------------------------------------------------ responses stream

RID = "bf3b2b34-79d4-a45c-7be8-d1e5f96386c2"


def responses_events(final_status="completed", store=True):
    snapshot = {"id": RID, "object": "response", "model": "grok-code-fast-1", "status": "in_progress",
                "output": [], "store": store}
    final = dict(snapshot, status=final_status, output=[
        {"id": f"rs_{RID}", "type": "reasoning", "status": "completed",
         "summary": [{"type": "summary_text", "text": "Think one"}, {"type": "summary_text", "text": "Two"}]},
        {"id": f"msg_{RID}", "type": "message", "role": "assistant", "status": "completed",
         "content": [{"type": "output_text", "text": "### Hi there", "annotations": []}]},
    ], usage={"input_tokens": 216, "input_tokens_details": {"cached_tokens": 192}, "output_tokens": 923,
              "output_tokens_details": {"reasoning_tokens": 323}, "total_tokens": 1139})
    if final_status == "incomplete":
        final["incomplete_details"] = {"reason": "max_output_tokens"}
    seq = [
        {"type": "response.created", "response": snapshot},
        {"type": "response.in_progress", "response": snapshot},
        {"type": "response.output_item.added", "output_index": 0,
         "item": {"id": f"rs_{RID}", "summary": [], "type": "reasoning", "status": "in_progress"}},
        {"type": "response.reasoning_summary_text.delta", "delta": "Think", "output_index": 0, "summary_index": 0},
        {"type": "response.reasoning_summary_text.delta", "delta": " one", "output_index": 0, "summary_index": 0},
        {"type": "response.reasoning_summary_text.delta", "delta": "Two", "output_index": 0, "summary_index": 1},
        {"type": "response.output_item.added", "output_index": 1,
         "item": {"content": [], "id": f"msg_{RID}", "role": "assistant", "type": "message"}},
        {"type": "response.output_text.delta", "delta": "###", "output_index": 1, "content_index": 0},
        {"type": "response.output_text.delta", "delta": " Hi", "output_index": 1, "content_index": 0},
        {"type": "response.output_text.annotation.added", "output_index": 1, "annotation": {"type": "url_citation"}},
        {"type": "response.output_text.done", "text": "### Hi there", "output_index": 1, "content_index": 0},
        {"type": f"response.{final_status}", "response": final},
    ]
    return [dict(e, sequence_number=i) for i, e in enumerate(seq)]


def test_responses_stream_full_sequence() -> None:
    state = ResponsesStreamState(requested_store=True)
    events = feed_all(state, responses_events())
    assert state.finished
    assert events[0] == TurnStarted(RID, "grok-code-fast-1")
    assert [e.text for e in events if isinstance(e, ReasoningDelta)] == ["Think", " one", "\n\nTwo"]
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["###", " Hi"]
    assert isinstance(events[-2], UsageUpdate) and events[-2].usage.output_tokens == 600
    done = events[-1]
    assert isinstance(done, Completed)
    assert done.text == "### Hi there"  # the final snapshot wins over the deltas
    assert done.reasoning == "Think one\n\nTwo"
    assert (done.response_id, done.stored, done.finish_reason) == (RID, True, "stop")


def test_responses_stream_incomplete_is_completed_with_reason() -> None:
    state = ResponsesStreamState(requested_store=True)
    done = feed_all(state, responses_events("incomplete"))[-1]
    assert isinstance(done, Completed) and done.finish_reason == "incomplete:max_output_tokens"


def test_responses_stream_store_flag_comes_from_the_server() -> None:
    done = feed_all(ResponsesStreamState(requested_store=True), responses_events(store=False))[-1]
    assert done.stored is False


def test_responses_error_event_and_failed_response() -> None:
    state = ResponsesStreamState(requested_store=True)
    events = state.feed({"sequence_number": 0, "type": "error", "code": None,
                         "message": "Invalid arguments passed to the model.", "param": None})
    assert isinstance(events[-1], Failed) and "Invalid arguments" in str(events[-1].error)

    state = ResponsesStreamState(requested_store=True)
    events = feed_all(state, [
        *responses_events()[:8],
        {"type": "response.failed", "response": {"id": RID, "status": "failed", "output": [],
                                                 "error": {"code": "server_error", "message": "boom"}}}])
    failed = events[-1]
    assert isinstance(failed, Failed) and "boom" in str(failed.error)
    assert failed.partial_text == "###" and failed.partial_reasoning == "Think one\n\nTwo"
    assert failed.response_id == RID


def test_responses_done_marker_before_terminal_is_a_cut() -> None:
    state = ResponsesStreamState(requested_store=True)
    feed_all(state, responses_events()[:9])
    (failed,) = state.done()
    assert isinstance(failed.error, StreamInterruptedError) and failed.partial_text == "### Hi"


# ------------------------------------------------------------------ request bodies

SYSTEM = Message("system", "be brief")
IMAGE = ImagePart("data:image/png;base64,iVBORw0KGgo=", "high")


def test_responses_payload_chains_only_new_messages() -> None:
    history = (SYSTEM, Message("user", "one"), Message("assistant", "reply"), Message("user", "two"))
    body = responses_payload(TurnRequest("grok-4-0709", history, previous_response_id="r1",
                                         conversation_id="conv-9"), stream=True)
    assert body["input"] == [{"role": "user", "content": "two"}]
    assert body["previous_response_id"] == "r1" and body["store"] is True
    assert body["prompt_cache_key"] == "conv-9" and "instructions" not in body


def test_responses_payload_first_turn_puts_system_prompt_first() -> None:
    body = responses_payload(TurnRequest("m", (SYSTEM, Message("user", "hi"))), stream=False)
    assert body["input"][0] == {"role": "system", "content": "be brief"}
    assert "previous_response_id" not in body and body["stream"] is False


def test_image_rule_sends_stateless_full_history() -> None:
    history = (SYSTEM, Message("user", "look", (IMAGE,)), Message("assistant", "a cat"), Message("user", "more?"))
    body = responses_payload(TurnRequest("m", history, previous_response_id="r1"), stream=True)
    assert body["store"] is False and "previous_response_id" not in body
    assert len(body["input"]) == 4
    assert body["input"][1]["content"] == [
        {"type": "input_text", "text": "look"},
        {"type": "input_image", "image_url": IMAGE.data_url, "detail": "high"},
    ]


def test_chat_payload_full_history_images_usage_and_header() -> None:
    history = (SYSTEM, Message("user", "look", (IMAGE,)))
    request = TurnRequest("m", history, previous_response_id="ignored", conversation_id="c1",
                          reasoning_effort="high", max_output_tokens=10, temperature=0.5)
    body = chat_payload(request, stream=True)
    assert body["stream_options"] == {"include_usage": True}
    assert body["messages"][1]["content"][1] == {
        "type": "image_url", "image_url": {"url": IMAGE.data_url, "detail": "high"}}
    assert (body["reasoning_effort"], body["max_tokens"], body["temperature"]) == ("high", 10, 0.5)
    assert "previous_response_id" not in body
    assert chat_headers(request) == {"x-grok-conv-id": "c1"}


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("status, body, cls", [
    (400, {"code": "Client specified an invalid argument",
           "error": "Incorrect API key provided: xa***b2. You can obtain an API key from https://console.x.ai."},
     AuthenticationError),
    (400, {"code": "Client specified an invalid argument", "error": "maximum prompt length is 131072"},
     BadRequestError),
    (401, b"", AuthenticationError),
    (403, {"code": "The caller does not have permission", "error": "Your team has either used all "
           "available credits or reached its monthly spending limit."}, CreditsExhaustedError),
    (403, {"code": "x", "error": "key blocked"}, PermissionDeniedError),
    (404, {"code": "Some requested entity was not found", "error": "The model grok-beta does not exist"},
     NotFoundError),
    (409, {}, ConflictError),
    (422, {"error": {"message": "bad field", "type": "invalid_request_error"}}, BadRequestError),
    (429, {"code": "Some resource has been exhausted", "error": "Rate limit exceeded"}, RateLimitError),
    (429, {"code": "Some resource has been exhausted", "error": "Your team abc has either used all "
           "available credits or reached its monthly spending limit."}, CreditsExhaustedError),
    (500, b"<html>oops</html>", ServerError),
    (503, {"error": {"message": "at capacity"}}, ServerError),
])
def test_error_classification(status, body, cls) -> None:
    raw = json.dumps(body).encode() if isinstance(body, dict) else body
    error = error_from_status(status, raw, request_id="req-1")
    assert type(error) is cls
    assert error.status == status and error.request_id == "req-1"
    assert "\n" not in str(error) and str(error).startswith(cls.summary)


def test_error_message_shows_server_text_and_code() -> None:
    error = error_from_status(404, {"code": "Some requested entity was not found", "error": "No handler found"})
    assert str(error) == "not found (HTTP 404): No handler found"
    assert error.code == "Some requested entity was not found"


def test_keys_are_redacted_from_messages_and_reprs() -> None:
    error = error_from_status(400, json.dumps({"error": f"Incorrect API key provided: {KEY}"}))
    assert KEY not in str(error) and KEY not in repr(error)
    assert "xai-…6789" in str(error)
    assert KEY not in redact(f"Authorization: Bearer {KEY}")
    assert "sk-other" not in redact("Bearer sk-other-token")
    assert XAIError(f"x {KEY}").args == (XAIError(f"x {KEY}").message,)


# ------------------------------------------------------------------ retries


def test_retry_policy_backoff_and_limits() -> None:
    policy = RetryPolicy(max_retries=2, random=lambda: 0.0)
    server = ServerError("server error (HTTP 500)", status=500)
    assert policy.next_delay(server, 0) == 0.5
    assert policy.next_delay(server, 1) == 1.0
    assert policy.next_delay(server, 2) is None  # max_retries reached
    assert RetryPolicy(10, random=lambda: 1.0).backoff(9) == 8.0 * 0.75  # capped, jitter only shortens
    assert policy.next_delay(BadRequestError("x", status=400), 0) is None
    assert policy.next_delay(CreditsExhaustedError("x", status=429), 0) is None
    assert policy.next_delay(NotFoundError("x", status=404), 0) is None
    assert policy.next_delay(AuthenticationError("x", status=401), 0) is None


def test_retry_policy_honours_server_delays() -> None:
    policy = RetryPolicy(max_retries=2, random=lambda: 0.0)
    limited = RateLimitError("rate limited", status=429)
    assert policy.next_delay(limited, 0, {"retry-after": "0.05"}) == 0.05
    assert policy.next_delay(limited, 0, {"retry-after-ms": "20", "retry-after": "9"}) == 0.02
    assert policy.next_delay(limited, 0, {"retry-after": "121"}) is None  # beyond the cap: give up
    assert policy.next_delay(limited, 0, {"retry-after": "0"}) == 0.5  # not positive: backoff
    assert policy.next_delay(limited, 0, {"retry-after": "soon"}) == 0.5
    assert policy.next_delay(limited, 0, {"x-should-retry": "false"}) is None
    assert policy.next_delay(BadRequestError("x", status=400), 0, {"x-should-retry": "true"}) == 0.5
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) < 0


# ------------------------------------------------------------------ URLs


@pytest.mark.parametrize("given, expected", [
    (None, "https://api.x.ai/v1"),
    ("https://api.x.ai", "https://api.x.ai/v1"),
    ("https://api.x.ai/", "https://api.x.ai/v1"),
    ("https://api.x.ai/v1/", "https://api.x.ai/v1"),
    ("http://host:8080/v1", "http://host:8080/v1"),
    ("http://host/openai", "http://host/openai/v1"),
    ("localhost:8000", "http://localhost:8000/v1"),
    ("api.x.ai", "https://api.x.ai/v1"),
])
def test_normalize_base_url(given, expected) -> None:
    assert normalize_base_url(given) == expected


def test_chat_fast_path_defers_unusual_chunks_to_validation() -> None:
    from pydantic import ValidationError

    state = ChatStreamState()
    state.feed(chunk({"role": "assistant"}))
    tool_call = {"tool_calls": [{"id": "call_1", "function": {"name": "f", "arguments": "{}"}, "index": 0,
                                 "type": "function"}]}
    assert state.feed(chunk(tool_call)) == []  # accepted, nothing to show
    assert state.feed(chunk({"content": "a"}, finish="length")) == [TextDelta("a")]
    assert state.finish_reason == "length"
    second_choice = chunk({"content": "ignored"})
    second_choice["choices"][0]["index"] = 1
    assert state.feed(second_choice) == []
    with pytest.raises(ValidationError):
        state.feed(chunk({"content": 5}))


def test_responses_delta_with_odd_types_is_validated() -> None:
    from pydantic import ValidationError

    state = ResponsesStreamState(requested_store=True)
    events = state.feed({"type": "response.output_text.delta", "delta": "a", "output_index": None,
                         "content_index": None})
    assert events == [TurnStarted(None, None), TextDelta("a")] and state.text == "a"
    with pytest.raises(ValidationError):
        state.feed({"type": "response.output_text.delta", "delta": 7, "output_index": 0, "content_index": 0})
