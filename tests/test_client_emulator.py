"""XAIClient against the real emulator over loopback: every endpoint, both stream paths, faults, retries."""

from __future__ import annotations

import asyncio
import base64
import io
import socket
import time

import pytest

from grokterm.emulator.faults import Fault
from grokterm.xai.client import XAIClient
from grokterm.xai.errors import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    CreditsExhaustedError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    StreamInterruptedError,
    StreamStalledError,
)
from grokterm.xai.events import (
    Completed,
    Failed,
    ImagePart,
    Message,
    ReasoningDelta,
    Retrying,
    TextDelta,
    TurnRequest,
    TurnStarted,
    UsageUpdate,
)

STYLES = ("responses", "chat")


class SleepRecorder:
    """Injected instead of asyncio.sleep: records the delays, does not wait."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)


def client_for(emulator, **kwargs) -> XAIClient:
    return XAIClient(emulator.api_key, emulator.base_url, **kwargs)


def turn(text: str, model: str = "grok-3", **kwargs) -> TurnRequest:
    return TurnRequest(model, (Message("system", "be brief"), Message("user", text)), **kwargs)


async def collect(client: XAIClient, request: TurnRequest) -> list:
    return [event async for event in client.stream_turn(request)]


def turn_requests(emulator) -> list:
    return [r for r in emulator.state.requests if r.path.endswith(("/responses", "/chat/completions"))]


def assert_well_formed(events: list) -> None:
    """Exactly one final Completed/Failed, last; nothing after it."""
    finals = [e for e in events if isinstance(e, (Completed, Failed))]
    assert len(finals) == 1 and events[-1] is finals[0], events


def png_data_url(size: int = 64) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (200, 30, 30)).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


# ------------------------------------------------------------------ endpoints


async def test_models_key_and_tokenizer_endpoints(emulator) -> None:
    async with client_for(emulator) as client:
        models = {m.id: m for m in await client.list_language_models()}
        assert {"grok-4-0709", "grok-3-mini", "grok-2-vision-1212", "grok-3"} <= set(models)
        assert models["grok-3-mini"].prompt_text_token_price == 3000
        assert models["grok-2-vision-1212"].supports_images and not models["grok-3"].supports_images
        one = await client.get_language_model("grok-3-mini")
        assert one.id == "grok-3-mini" and one.completion_text_token_price == 5000
        with pytest.raises(NotFoundError, match="not found"):
            await client.get_language_model("grok-nope")
        info = await client.api_key_info()
        assert info.usable and info.redacted_api_key and emulator.api_key not in info.redacted_api_key
        assert await client.tokenize("Hello world!", "grok-4-0709") == 3
    paths = [r.path for r in emulator.state.requests]
    assert paths[:2] == ["/v1/language-models", "/v1/language-models/grok-3-mini"]


async def test_stored_response_get_and_delete(emulator) -> None:
    async with client_for(emulator) as client:
        done = (await collect(client, turn("!echo keep me")))[-1]
        assert isinstance(done, Completed) and done.stored
        fetched = await client.get_response(done.response_id)
        assert fetched.id == done.response_id and fetched.output_text == "keep me"
        deleted = await client.delete_response(done.response_id)
        assert deleted.deleted and deleted.id == done.response_id
        with pytest.raises(NotFoundError, match=done.response_id):
            await client.get_response(done.response_id)


# ------------------------------------------------------------------ streaming, both wire APIs


@pytest.mark.parametrize("style", STYLES)
async def test_stream_turn_text_reasoning_usage(emulator, style: str) -> None:
    async with client_for(emulator, api_style=style) as client:
        events = await collect(client, turn("!echo Hello, wörld 👋", model="grok-3-mini", conversation_id="c-1"))
    assert_well_formed(events)
    assert isinstance(events[0], TurnStarted) and events[0].model == "grok-3-mini"
    done = events[-1]
    assert isinstance(done, Completed)
    assert done.text == "Hello, wörld 👋" == "".join(e.text for e in events if isinstance(e, TextDelta))
    assert done.reasoning and done.reasoning == "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    assert done.usage and done.usage.output_tokens > 0 and done.usage.reasoning_tokens > 0
    assert done.usage.cost_ticks and done.usage.cost_ticks > 0
    assert any(isinstance(e, UsageUpdate) for e in events)
    assert done.stored is (style == "responses")
    (sent,) = turn_requests(emulator)
    if style == "chat":
        assert sent.path == "/v1/chat/completions"
        assert sent.json["stream_options"] == {"include_usage": True}
        assert sent.headers["x-grok-conv-id"] == "c-1"
        assert [m["role"] for m in sent.json["messages"]] == ["system", "user"]
    else:
        assert sent.path == "/v1/responses" and sent.json["store"] is True
        assert sent.json["prompt_cache_key"] == "c-1" and "instructions" not in sent.json
        assert sent.json["input"][0] == {"role": "system", "content": "be brief"}


@pytest.mark.parametrize("style", STYLES)
async def test_complete_turn_without_streaming(emulator, style: str) -> None:
    async with client_for(emulator, api_style=style) as client:
        done = await client.complete_turn(turn("!echo all at once"))
    assert done.text == "all at once" and done.usage and done.finish_reason == "stop"
    assert turn_requests(emulator)[0].json["stream"] is False


async def test_auto_falls_back_to_chat_when_responses_is_missing_and_remembers(emulator) -> None:
    emulator.state.push_fault(Fault(kind="status", status=404, path="/responses"))
    async with client_for(emulator) as client:
        first = await collect(client, turn("!echo via chat"))
        assert client.style_in_use == "chat"
        second = await collect(client, turn("!echo again"))
    assert first[-1].text == "via chat" and second[-1].text == "again"
    assert [r.path for r in turn_requests(emulator)] == [
        "/v1/responses", "/v1/chat/completions", "/v1/chat/completions"]


async def test_unknown_model_is_not_mistaken_for_a_missing_route(emulator) -> None:
    async with client_for(emulator) as client:
        events = await collect(client, turn("hi", model="grok-nope"))
    assert isinstance(events[-1], Failed) and isinstance(events[-1].error, NotFoundError)
    assert [r.path for r in turn_requests(emulator)] == ["/v1/responses"]


async def test_previous_response_id_chaining_carries_context(emulator) -> None:
    async with client_for(emulator, api_style="responses") as client:
        history = (Message("system", "be brief"), Message("user", "my name is Ada"))
        first = (await collect(client, TurnRequest("grok-3", history)))[-1]
        history += (Message("assistant", first.text), Message("user", "!recall"))
        second = (await collect(client, TurnRequest("grok-3", history, previous_response_id=first.response_id)))[-1]
    assert isinstance(second, Completed) and "my name is Ada" in second.text
    sent = turn_requests(emulator)[1].json
    assert sent["previous_response_id"] == first.response_id
    assert sent["input"] == [{"role": "user", "content": "!recall"}]


async def test_expired_previous_response_is_resent_with_full_history(emulator) -> None:
    async with client_for(emulator, api_style="responses") as client:
        history = (Message("user", "remember the word teapot"),)
        first = (await collect(client, TurnRequest("grok-3", history)))[-1]
        emulator.state.clock_advance(31 * 24 * 3600)
        history += (Message("assistant", first.text), Message("user", "!recall"))
        events = await collect(client, TurnRequest("grok-3", history, previous_response_id=first.response_id))
    assert isinstance(events[-1], Completed) and "teapot" in events[-1].text
    retry = turn_requests(emulator)[2].json
    assert "previous_response_id" not in retry and len(retry["input"]) == 3


@pytest.mark.parametrize("style", STYLES)
async def test_image_turns_are_sent_stateless(emulator, style: str) -> None:
    image = ImagePart(png_data_url(), "high")
    history = (Message("user", "what colour is this?", (image,)),)
    async with client_for(emulator, api_style=style) as client:
        events = await collect(client, TurnRequest("grok-2-vision-1212", history, previous_response_id="r-old"))
    done = events[-1]
    assert isinstance(done, Completed) and done.stored is False
    assert done.usage.image_tokens > 0
    sent = turn_requests(emulator)[0].json
    if style == "responses":
        assert sent["store"] is False and "previous_response_id" not in sent
        assert sent["input"][0]["content"][1] == {"type": "input_image", "image_url": image.data_url,
                                                  "detail": "high"}
    else:
        assert sent["messages"][0]["content"][1]["image_url"] == {"url": image.data_url, "detail": "high"}


# ------------------------------------------------------------------ errors and retries


@pytest.mark.parametrize("status, error_class", [
    (400, BadRequestError), (401, AuthenticationError), (403, PermissionDeniedError), (404, NotFoundError),
])
async def test_client_errors_fail_at_once_without_retry(emulator, status: int, error_class) -> None:
    emulator.state.push_fault(Fault(kind="status", status=status, times=5))
    sleep = SleepRecorder()
    async with client_for(emulator, api_style="responses", sleep=sleep) as client:
        events = await collect(client, turn("hi"))
    assert events == [events[-1]] and isinstance(events[-1], Failed)
    assert type(events[-1].error) is error_class and events[-1].error.status == status
    assert len(turn_requests(emulator)) == 1 and sleep.delays == []


async def test_wrong_key_is_an_authentication_error_and_never_echoed(emulator) -> None:
    wrong = "xai-WRONGwrongWRONGwrong0123456789"
    async with XAIClient(wrong, emulator.base_url) as client:
        events = await collect(client, turn("hi"))
        with pytest.raises(AuthenticationError) as raised:
            await client.list_language_models()
    error = events[-1].error
    assert isinstance(error, AuthenticationError)
    for text in (str(error), repr(error), str(raised.value), repr(client)):
        assert wrong not in text


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_transient_errors_are_retried_with_server_delay(emulator, status: int) -> None:
    emulator.state.push_fault(Fault(kind="status", status=status, retry_after=0.05, times=2))
    async with client_for(emulator, api_style="responses") as client:  # (auto tries chat on a first 5xx)
        started = time.monotonic()
        events = await collect(client, turn("!echo finally"))
    retries = [e for e in events if isinstance(e, Retrying)]
    assert [(r.attempt, r.delay) for r in retries] == [(1, 0.05), (2, 0.05)]
    assert events[-1].text == "finally" and len(turn_requests(emulator)) == 3
    assert time.monotonic() - started >= 0.1  # really waited the server's delay
    assert events.index(retries[-1]) < events.index(next(e for e in events if isinstance(e, TurnStarted)))


async def test_retry_after_ms_is_preferred(emulator) -> None:
    emulator.state.push_fault(Fault(kind="status", status=429, retry_after_ms=20, retry_after=9))
    sleep = SleepRecorder()
    async with client_for(emulator, sleep=sleep) as client:
        events = await collect(client, turn("!echo ok"))
    assert sleep.delays == [0.02] and events[-1].text == "ok"


async def test_backoff_without_server_delay_then_give_up(emulator) -> None:
    emulator.state.push_fault(Fault(kind="status", status=500, times=3))
    sleep = SleepRecorder()
    async with client_for(emulator, sleep=sleep, api_style="responses") as client:
        events = await collect(client, turn("hi"))
    assert isinstance(events[-1], Failed) and isinstance(events[-1].error, ServerError)
    assert len(turn_requests(emulator)) == 3  # 1 + max_retries
    assert 0.375 <= sleep.delays[0] <= 0.5 and 0.75 <= sleep.delays[1] <= 1.0 and len(sleep.delays) == 2
    assert [e.attempt for e in events if isinstance(e, Retrying)] == [1, 2]


async def test_retry_after_beyond_the_cap_is_not_waited_for(emulator) -> None:
    emulator.state.push_fault(Fault(kind="status", status=429, retry_after=600))
    sleep = SleepRecorder()
    async with client_for(emulator, sleep=sleep) as client:
        events = await collect(client, turn("hi"))
    assert isinstance(events[-1].error, RateLimitError) and events[-1].error.retry_after == 600
    assert sleep.delays == [] and len(turn_requests(emulator)) == 1


async def test_credits_exhausted_is_not_retried(emulator) -> None:
    emulator.state.push_fault(Fault(kind="credits", times=3))
    sleep = SleepRecorder()
    async with client_for(emulator, sleep=sleep) as client:
        events = await collect(client, turn("hi"))
        with pytest.raises(CreditsExhaustedError):
            await client.complete_turn(turn("hi"))
    assert isinstance(events[-1].error, CreditsExhaustedError) and "credits" in str(events[-1].error)
    assert sleep.delays == [] and len(turn_requests(emulator)) == 2


async def test_non_stream_calls_retry_too(emulator) -> None:
    emulator.state.push_fault(Fault(kind="status", status=503, retry_after=0.01, path="/language-models"))
    async with client_for(emulator) as client:
        models = await client.list_language_models()
    assert models and [r.path for r in emulator.state.requests] == ["/v1/language-models"] * 2


async def test_connection_refused_is_retried_then_reported() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleep = SleepRecorder()
    async with XAIClient("xai-test-key", f"http://127.0.0.1:{port}", sleep=sleep) as client:
        events = await collect(client, turn("hi"))
    assert isinstance(events[-1].error, APIConnectionError)
    assert "connection refused" in str(events[-1].error) and len(sleep.delays) == 2


# ------------------------------------------------------------------ broken streams


@pytest.mark.parametrize("style", STYLES)
async def test_cut_stream_keeps_partial_text_and_is_not_retried(emulator, style: str) -> None:
    emulator.state.push_fault(Fault(kind="cut", after=12))
    async with client_for(emulator, api_style=style) as client:
        events = await collect(client, turn("!long 200"))
    assert_well_formed(events)
    failed = events[-1]
    assert isinstance(failed, Failed) and type(failed.error) is StreamInterruptedError
    streamed = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert streamed and failed.partial_text == streamed
    assert len(turn_requests(emulator)) == 1


@pytest.mark.parametrize("style", STYLES)
async def test_stalled_stream_ends_within_the_read_timeout(emulator, style: str) -> None:
    emulator.state.push_fault(Fault(kind="stall", after=8, seconds=30))
    async with client_for(emulator, api_style=style, read_timeout=0.5) as client:
        started = time.monotonic()
        events = await asyncio.wait_for(collect(client, turn("!long 100")), timeout=10)
        elapsed = time.monotonic() - started
    failed = events[-1]
    assert isinstance(failed, Failed) and isinstance(failed.error, StreamStalledError)
    assert isinstance(failed.error, StreamInterruptedError) and "0.5 s" in str(failed.error)
    assert 0.5 <= elapsed < 5
    assert failed.partial_text or failed.partial_reasoning


@pytest.mark.parametrize("style", STYLES)
async def test_malformed_event_fails_with_partial(emulator, style: str) -> None:
    emulator.state.push_fault(Fault(kind="malformed", after=10))
    async with client_for(emulator, api_style=style) as client:
        events = await collect(client, turn("!long 100"))
    assert_well_formed(events)
    assert isinstance(events[-1].error, MalformedResponseError)


@pytest.mark.parametrize("style", STYLES)
async def test_error_event_mid_stream(emulator, style: str) -> None:
    emulator.state.push_fault(Fault(kind="error_event", after=10))
    async with client_for(emulator, api_style=style) as client:
        events = await collect(client, turn("!long 100"))
    assert_well_formed(events)
    failed = events[-1]
    assert isinstance(failed, Failed) and isinstance(failed.error, StreamInterruptedError)
    assert "mid-reply" in str(failed.error)


async def test_cancelling_the_consumer_closes_the_stream(emulator) -> None:
    emulator.state.speed = 40.0  # slow enough that the reply is far from done when we cancel
    got_text = asyncio.Event()

    async with client_for(emulator) as client:
        async def consume() -> None:
            async for event in client.stream_turn(turn("!long 2000")):
                if isinstance(event, TextDelta):
                    got_text.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(got_text.wait(), timeout=10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=5)
        pool = client._http._transport._pool  # httpcore pool: no connection may still be busy
        assert all(conn.is_idle() or conn.is_closed() for conn in pool.connections)
        emulator.state.speed = 0.0
        assert (await collect(client, turn("!echo still usable")))[-1].text == "still usable"


async def test_leaving_the_stream_early_closes_it(emulator) -> None:
    emulator.state.speed = 40.0
    async with client_for(emulator) as client:
        stream = client.stream_turn(turn("!long 2000"))
        async for event in stream:
            if isinstance(event, TextDelta):
                break  # e.g. the user pressed stop
        await stream.aclose()
        pool = client._http._transport._pool
        assert all(conn.is_idle() or conn.is_closed() for conn in pool.connections)


async def test_model_list_falls_back_to_v1_models(emulator) -> None:
    emulator.state.push_fault(Fault(kind="status", status=404, path="/language-models"))
    async with client_for(emulator) as client:
        models = {m.id: m for m in await client.list_language_models()}
    assert "grok-4-0709" in models and models["grok-4-0709"].prompt_text_token_price is None
    assert models["grok-4-0709"].input_modalities == []  # unknown, not "text only"
    assert [r.path for r in emulator.state.requests] == ["/v1/language-models", "/v1/models"]
