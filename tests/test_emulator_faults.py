"""Emulator: fault injection (queued, admin HTTP, `!fault` directives) and the request log."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from fixtures_emulator import http_client, sse_data_lines, sse_json_events

from grokterm.emulator.faults import Fault, parse_fault_spec

CHAT = "/chat/completions"


def chat_body(text: str = "hello", stream: bool = False, **extra) -> dict:
    return {"model": "grok-3", "messages": [{"role": "user", "content": text}], "stream": stream, **extra}


def responses_body(text: str = "hello", stream: bool = False, **extra) -> dict:
    return {"model": "grok-3-mini", "input": text, "stream": stream, **extra}


def read_stream(client: httpx.Client, path: str, body: dict) -> tuple[bytes, Exception | None]:
    """The raw bytes of a streamed reply and the transport error that ended it, if any."""
    chunks: list[bytes] = []
    try:
        with client.stream("POST", path, json=body) as reply:
            assert reply.status_code == 200, reply.read()
            for chunk in reply.iter_raw():
                chunks.append(chunk)
    except httpx.TransportError as exc:
        return b"".join(chunks), exc
    return b"".join(chunks), None


# ---------------------------------------------------------------- status faults


def test_status_fault_with_retry_after_hits_once(emulator, emulator_http):
    emulator.state.push_fault(Fault("status", status=429, retry_after=2))
    first = emulator_http.post(CHAT, json=chat_body())
    assert first.status_code == 429
    assert first.headers["retry-after"] == "2" and "retry-after-ms" not in first.headers
    assert first.json()["code"] == "Some resource has been exhausted"
    assert "credits" not in first.json()["error"]
    assert emulator_http.post(CHAT, json=chat_body()).status_code == 200
    assert len(emulator.state.requests) == 2


def test_retry_after_ms_and_times(emulator, emulator_http):
    emulator.state.push_fault(Fault("status", status=503, retry_after_ms=1500, times=2))
    replies = [emulator_http.post(CHAT, json=chat_body()) for _ in range(3)]
    assert [r.status_code for r in replies] == [503, 503, 200]
    assert replies[0].headers["retry-after-ms"] == "1500" and "retry-after" not in replies[0].headers
    assert emulator.state.faults == []


def test_credits_exhausted_is_429_without_retry_after(emulator, emulator_http):
    emulator.state.push_fault(Fault("credits"))
    reply = emulator_http.post("/responses", json=responses_body())
    assert reply.status_code == 429 and "retry-after" not in reply.headers
    assert "used all available credits or reached its monthly spending limit" in reply.json()["error"]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 500, 503])
def test_each_status_fault_returns_an_xai_error_body(emulator, emulator_http, status):
    emulator.state.push_fault(Fault("status", status=status))
    reply = emulator_http.post(CHAT, json=chat_body())
    assert reply.status_code == status
    assert set(reply.json()) == {"code", "error"}
    if status == 404:  # a server without this route (lets clients test their responses -> chat fallback)
        assert reply.json()["error"].startswith("No handler found on route")


def test_path_filter(emulator, emulator_http):
    emulator.state.push_fault(Fault("status", status=500, path="/v1/responses"))
    assert emulator_http.get("/models").status_code == 200
    assert emulator_http.post(CHAT, json=chat_body()).status_code == 200
    assert emulator_http.post("/responses", json=responses_body()).status_code == 500


def test_failed_auth_does_not_consume_a_fault(emulator, emulator_http):
    emulator.state.push_fault(Fault("status", status=500))
    with http_client() as anonymous:
        assert anonymous.get(f"{emulator.base_url}/models").status_code == 401
    assert emulator_http.get("/models").status_code == 500


# ---------------------------------------------------------------- stream faults


def test_stream_faults_wait_for_a_streaming_request(emulator, emulator_http):
    emulator.state.push_fault(Fault("cut", after=2))
    assert emulator_http.post(CHAT, json=chat_body()).status_code == 200  # not streaming: untouched
    assert emulator_http.get("/models").status_code == 200
    raw, error = read_stream(emulator_http, CHAT, chat_body(stream=True))
    assert isinstance(error, httpx.RemoteProtocolError)
    assert len(sse_data_lines(raw)) == 2


@pytest.mark.parametrize(("path", "body"), [(CHAT, chat_body("!long 50", stream=True)),
                                            ("/responses", responses_body("!long 50", stream=True))])
def test_cut_closes_the_connection_after_n_events(emulator, emulator_http, path, body):
    emulator.state.push_fault(Fault("cut", after=7))
    raw, error = read_stream(emulator_http, path, body)
    assert isinstance(error, httpx.RemoteProtocolError)  # dropped connection, not a clean end
    values = sse_data_lines(raw)
    assert len(values) == 7
    assert b"[DONE]" not in raw and b"response.completed" not in raw


def test_cut_beyond_the_end_still_drops_the_terminator(emulator, emulator_http):
    emulator.state.push_fault(Fault("cut", after=10_000))
    raw, error = read_stream(emulator_http, CHAT, chat_body("!echo short", stream=True))
    assert error is not None
    chunks = sse_json_events(raw)
    assert chunks[-1]["choices"] == [] or chunks[-1]["choices"][0].get("finish_reason") == "stop"
    assert b"[DONE]" not in raw


def test_malformed_data_line_after_n_events(emulator, emulator_http):
    emulator.state.push_fault(Fault("malformed", after=3))
    raw, error = read_stream(emulator_http, CHAT, chat_body("!echo a b c d", stream=True))
    assert error is None
    values = sse_data_lines(raw)
    assert values[-1] == b"[DONE]"
    for value in values[:3]:
        json.loads(value)
    with pytest.raises(ValueError):
        json.loads(values[3])
    for value in values[4:-1]:
        json.loads(value)


def test_chat_error_event_mid_stream(emulator, emulator_http):
    emulator.state.push_fault(Fault("error_event", after=2, message="boom"))
    raw, error = read_stream(emulator_http, CHAT, chat_body("!echo a b c d", stream=True))
    assert error is None  # a clean end of stream, but no [DONE]
    values = sse_data_lines(raw)
    assert len(values) == 3 and b"[DONE]" not in raw
    assert json.loads(values[2]) == {"code": "Internal error encountered", "error": "boom"}


@pytest.mark.parametrize("after", [0, 5])
def test_responses_error_event_mid_stream(emulator, emulator_http, after):
    emulator.state.push_fault(Fault("error_event", after=after))
    raw, error = read_stream(emulator_http, "/responses", responses_body("!echo a b c d", stream=True))
    assert error is None
    events = sse_json_events(raw)
    assert [e["sequence_number"] for e in events] == list(range(after + 1))
    last = events[-1]
    assert last == {"sequence_number": after, "type": "error", "code": None, "message": last["message"],
                    "param": None}
    assert isinstance(last["message"], str) and last["message"]
    assert not any(e["type"] == "response.completed" for e in events)
    assert emulator.state.responses == {}  # a failed response is not stored


def test_stall_pauses_one_stream_without_blocking_others(emulator, emulator_http):
    emulator.state.push_fault(Fault("stall", after=2, seconds=30))
    timeout = httpx.Timeout(10, read=0.5)
    chunks: list[bytes] = []
    with http_client(headers={"Authorization": f"Bearer {emulator.api_key}"}) as client:
        with pytest.raises(httpx.ReadTimeout):  # noqa: PT012 - reading the stream is what times out
            with client.stream("POST", f"{emulator.base_url}{CHAT}", json=chat_body(stream=True),
                               timeout=timeout) as reply:
                for chunk in reply.iter_raw():
                    chunks.append(chunk)
                    # while this stream is stalled, the server keeps answering other requests
                    if len(sse_data_lines(b"".join(chunks))) == 2:
                        assert emulator_http.get("/models").status_code == 200
                        assert emulator_http.post(CHAT, json=chat_body()).status_code == 200
    assert len(sse_data_lines(b"".join(chunks))) == 2


def test_short_stall_then_the_stream_completes(emulator, emulator_http):
    emulator.state.push_fault(Fault("stall", after=1, seconds=0.3))
    started = time.monotonic()
    raw, error = read_stream(emulator_http, CHAT, chat_body("!echo x y", stream=True))
    assert error is None and raw.endswith(b"data: [DONE]\n\n")
    assert time.monotonic() - started >= 0.3


def test_stop_ends_a_stalled_stream_promptly(emulator_factory):
    emu = emulator_factory()
    emu.state.push_fault(Fault("stall", after=1, seconds=120))
    first_event = threading.Event()
    outcome: list[object] = []

    def reader() -> None:
        headers = {"Authorization": f"Bearer {emu.api_key}"}
        try:
            with http_client(headers=headers, timeout=60) as client:
                with client.stream("POST", f"{emu.base_url}{CHAT}", json=chat_body(stream=True)) as reply:
                    for _ in reply.iter_raw():
                        first_event.set()
            outcome.append("eof")
        except httpx.TransportError as exc:
            outcome.append(exc)
        finally:
            first_event.set()

    thread = threading.Thread(target=reader)
    thread.start()
    assert first_event.wait(10)
    started = time.monotonic()
    emu.stop()
    thread.join(10)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.TransportError)  # dropped, not finished
    assert time.monotonic() - started < 3
    assert not emu.running


# ---------------------------------------------------------------- directives


def test_fault_directive_hits_the_first_identical_request_only(emulator, emulator_http):
    body = chat_body("!fault 429:retry=1 hello")
    first = emulator_http.post(CHAT, json=body)
    assert first.status_code == 429 and first.headers["retry-after"] == "1"
    assert emulator_http.post(CHAT, json=body).status_code == 200  # the client's retry succeeds


def test_fault_directive_times(emulator, emulator_http):
    body = responses_body("!fault 503:times=2 hi")
    assert [emulator_http.post("/responses", json=body).status_code for _ in range(3)] == [503, 503, 200]


def test_stream_fault_directive_and_ignored_when_not_streaming(emulator, emulator_http):
    reply = emulator_http.post(CHAT, json=chat_body("!fault cut:3 !long 40"))
    assert reply.status_code == 200 and reply.json()["usage"]["completion_tokens"] == 40
    raw, error = read_stream(emulator_http, CHAT, chat_body("!fault cut:3 !long 40", stream=True))
    assert error is not None and len(sse_data_lines(raw)) == 3


@pytest.mark.parametrize(("spec", "status"), [("credits", 429), ("401", 401), ("500", 500)])
def test_status_directives_on_responses(emulator_http, spec, status):
    reply = emulator_http.post("/responses", json=responses_body(f"!fault {spec} hi", stream=True))
    assert reply.status_code == status
    assert set(reply.json()) == {"code", "error"}


def test_stream_directives_on_responses(emulator, emulator_http):
    raw, error = read_stream(emulator_http, "/responses", responses_body("!fault error-event:2 hi", stream=True))
    events = sse_json_events(raw)
    assert error is None and [e["type"] for e in events][-1] == "error" and events[-1]["sequence_number"] == 2
    raw, error = read_stream(emulator_http, "/responses", responses_body("!fault malformed:1 hi", stream=True))
    values = sse_data_lines(raw)
    with pytest.raises(ValueError):
        json.loads(values[1])
    assert json.loads(values[-1])["type"] == "response.completed"
    raw, error = read_stream(emulator_http, "/responses", responses_body("!fault stall:0.01 hi", stream=True))
    assert error is None and sse_json_events(raw)[-1]["type"] == "response.completed"


def test_bad_fault_directive_is_a_400(emulator_http):
    reply = emulator_http.post(CHAT, json=chat_body("!fault explode"))
    assert reply.status_code == 400 and "Invalid !fault directive" in reply.json()["error"]


@pytest.mark.parametrize(("spec", "expected"), [
    ("401", Fault("status", status=401)),
    ("404", Fault("status", status=404)),
    ("429", Fault("status", status=429)),
    ("429:retry=2", Fault("status", status=429, retry_after=2)),
    ("429:retry-ms=250", Fault("status", status=429, retry_after_ms=250)),
    ("500", Fault("status", status=500)),
    ("503:times=3", Fault("status", status=503, times=3)),
    ("credits", Fault("credits")),
    ("cut:5", Fault("cut", after=5)),
    ("stall:2.5", Fault("stall", seconds=2.5)),
    ("stall:3:after=4", Fault("stall", seconds=3, after=4)),
    ("malformed:2", Fault("malformed", after=2)),
    ("error-event:0", Fault("error_event", after=0)),
])
def test_parse_fault_spec(spec, expected):
    assert parse_fault_spec(spec) == expected


@pytest.mark.parametrize("spec", ["", "boom", "cut:x", "429:wait=3", "600", "cut:1:2", "stall:-1"])
def test_parse_fault_spec_rejects_nonsense(spec):
    with pytest.raises(ValueError):
        parse_fault_spec(spec)


# ---------------------------------------------------------------- admin HTTP


def test_admin_endpoints(emulator, emulator_http):
    root = emulator.root_url
    with http_client() as admin:
        queued = admin.post(f"{root}/_emulator/faults", json=[{"kind": "status", "status": 500},
                                                              {"spec": "429:retry=3", "path": "/v1/responses"}])
        assert queued.status_code == 200 and len(queued.json()["faults"]) == 2
        assert admin.post(f"{root}/_emulator/faults", json={"kind": "explode"}).status_code == 400
        assert emulator_http.post(CHAT, json=chat_body()).status_code == 500
        limited = emulator_http.post("/responses", json=responses_body())
        assert limited.status_code == 429 and limited.headers["retry-after"] == "3"
        log = admin.get(f"{root}/_emulator/requests").json()["requests"]
        assert [r["path"] for r in log] == ["/v1/chat/completions", "/v1/responses"]
        assert log[0]["json"]["messages"][0]["content"] == "hello"
        assert all("authorization" not in r["headers"] for r in log)
        created = emulator_http.post("/responses", json=responses_body()).json()
        assert admin.post(f"{root}/_emulator/clock", json={"advance_seconds": 31 * 86400}).status_code == 200
        assert emulator_http.get(f"/responses/{created['id']}").status_code == 404
        assert admin.post(f"{root}/_emulator/clock", json={"advance": 1}).status_code == 400
        speed = admin.post(f"{root}/_emulator/speed", json={"speed": 50, "first_token_delay": 0.1}).json()
        assert speed == {"speed": 50.0, "first_token_delay": 0.1} and emulator.state.speed == 50.0
        admin.post(f"{root}/_emulator/faults", json={"spec": "cut:1"})
        assert admin.post(f"{root}/_emulator/reset").json() == {"reset": True}
        assert admin.get(f"{root}/_emulator/faults").json() == {"faults": []}
        assert admin.get(f"{root}/_emulator/requests").json() == {"requests": []}
        assert emulator.state.speed == 0.0  # reset restores the start-up speed


def test_wait_for_requests(emulator, emulator_http):
    assert not emulator.state.wait_for_requests(1, timeout=0.01)
    emulator_http.get("/models")
    assert emulator.state.wait_for_requests(1, timeout=1)


def test_push_fault_does_not_change_the_callers_object(emulator, emulator_http):
    fault = Fault("status", status=500, times=1)
    emulator.state.push_fault(fault)
    emulator.state.push_fault(fault)
    assert [emulator_http.get("/models").status_code for _ in range(3)] == [500, 500, 200]
    assert fault.times == 1
