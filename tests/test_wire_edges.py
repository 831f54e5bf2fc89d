"""Wire edges, each against a server that produces it (emulator faults imitating real servers and proxies)."""

from __future__ import annotations

import pytest
from test_cli_ask import run_cli
from test_client_emulator import SleepRecorder, client_for, collect, turn, turn_requests

from grokterm.emulator.faults import Fault
from grokterm.xai.errors import RateLimitError, StreamInterruptedError, StreamStalledError
from grokterm.xai.events import Completed, Failed, Notice, Retrying, TextDelta

# ------------------------------------------------ chat stream without `data: [DONE]`


@pytest.mark.parametrize("kind", ["end", "cut"])  # the body ends cleanly / the connection just closes
async def test_chat_stream_with_finish_and_usage_but_no_done_is_complete(emulator, kind) -> None:
    emulator.state.push_fault(Fault(kind=kind, after=10_000, path="/chat/completions"))  # drop only [DONE]
    async with client_for(emulator, api_style="chat") as client:
        events = await collect(client, turn("!echo all of it"))
    done = events[-1]
    assert isinstance(done, Completed), done
    assert done.text == "all of it" and done.finish_reason == "stop"
    assert done.usage is not None and done.usage.output_tokens == 3


async def test_chat_stream_ending_before_its_finish_chunk_is_still_interrupted(emulator) -> None:
    emulator.state.push_fault(Fault(kind="end", after=2, path="/chat/completions"))
    async with client_for(emulator, api_style="chat") as client:
        events = await collect(client, turn("!echo one two three four"))
    assert isinstance(events[-1], Failed) and isinstance(events[-1].error, StreamInterruptedError)
    assert events[-1].partial_text == "one two"


def test_ask_exits_0_and_keeps_usage_when_done_is_missing(emulator) -> None:
    emulator.state.push_fault(Fault(kind="end", after=10_000, path="/chat/completions"))
    result = run_cli("ask", "-u", "--api-style", "chat", "!echo fine", "--base-url", emulator.base_url,
                     "--api-key", emulator.api_key)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"fine\n" and b"usage:" in result.stderr


# ------------------------------------------------ auto against a /v1/responses that answers 500

LITELLM_500 = ('data: {"error": {"message": "litellm.InternalServerError: responses is not supported for this '
               'model", "type": "internal_server_error", "code": "500"}}\n\n')


async def test_auto_uses_chat_at_once_when_responses_answers_500_with_an_event_stream(emulator) -> None:
    emulator.state.push_fault(Fault(kind="status", status=500, path="/responses", body=LITELLM_500, times=10))
    sleep = SleepRecorder()
    async with client_for(emulator, sleep=sleep) as client:
        events = await collect(client, turn("!echo via chat"))
    assert isinstance(events[-1], Completed) and events[-1].text == "via chat"
    assert sleep.delays == [] and not any(isinstance(e, Retrying) for e in events)  # no retries of a 500
    (notice,) = [e for e in events if isinstance(e, Notice)]
    assert "chat completions" in notice.text
    assert [r.path for r in turn_requests(emulator)] == ["/v1/responses", "/v1/chat/completions"]


async def test_an_event_stream_error_body_is_never_shown_raw(emulator) -> None:
    emulator.state.push_fault(Fault(kind="status", status=500, path="/responses", body=LITELLM_500))
    async with client_for(emulator, api_style="responses", max_retries=0) as client:
        events = await collect(client, turn("hi"))
    message = str(events[-1].error)
    assert "responses is not supported for this model" in message
    assert "data:" not in message and "{" not in message
    emulator.state.push_fault(Fault(kind="status", status=502, path="/responses", body="data: [DONE]\n\n"))
    async with client_for(emulator, api_style="responses", max_retries=0) as client:
        events = await collect(client, turn("hi"))
    assert "event stream instead of an error" in str(events[-1].error) and "[DONE]" not in str(events[-1].error)


# ------------------------------------------------ Retry-After beyond what grokterm waits


async def test_a_retry_after_over_120_s_says_how_long_to_wait(emulator) -> None:
    emulator.state.push_fault(Fault(kind="status", status=429, retry_after=600))
    sleep = SleepRecorder()
    async with client_for(emulator, sleep=sleep) as client:
        events = await collect(client, turn("hi"))
    error = events[-1].error
    assert isinstance(error, RateLimitError) and sleep.delays == []
    assert "asks to wait 10 min" in str(error) and "until" in str(error)


# ------------------------------------------------ a first event that never comes


async def test_a_reply_silent_after_its_headers_is_retried(emulator) -> None:
    emulator.state.push_fault(Fault(kind="stall", after=0, seconds=30))  # headers, then nothing
    sleep = SleepRecorder()
    async with client_for(emulator, sleep=sleep, read_timeout=0.3, api_style="responses") as client:
        events = await collect(client, turn("!echo second time lucky"))
    assert isinstance(events[-1], Completed) and events[-1].text == "second time lucky"
    (retry,) = [e for e in events if isinstance(e, Retrying)]
    assert "sent no reply" in retry.reason and len(sleep.delays) == 1
    assert len(turn_requests(emulator)) == 2


async def test_a_stall_after_the_first_token_is_not_retried(emulator) -> None:
    emulator.state.push_fault(Fault(kind="stall", after=4, seconds=30))
    async with client_for(emulator, read_timeout=0.3, api_style="chat") as client:
        events = await collect(client, turn("!echo one two three four five six"))
    assert isinstance(events[-1], Failed) and isinstance(events[-1].error, StreamStalledError)
    assert any(isinstance(e, TextDelta) for e in events) and len(turn_requests(emulator)) == 1


# ------------------------------------------------ `grokterm models` retries visibly


def test_models_says_when_it_retries(emulator) -> None:
    emulator.state.push_fault(Fault(kind="status", status=503, retry_after=0.01, path="/language-models"))
    result = run_cli("models", "--base-url", emulator.base_url, "--api-key", emulator.api_key)
    assert result.returncode == 0, result.stderr
    assert b"retry 1" in result.stderr and b"HTTP 503" in result.stderr
    assert b"grok-3-mini" in result.stdout
