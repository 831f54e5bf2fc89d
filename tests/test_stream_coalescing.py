"""Issue 11: a fast stream's deltas are merged per network read (`grokterm.xai.events.coalesce`), so the
layers above the client work per batch, not per token. Merging must change nothing a user can see or
keep: text, reasoning, key redaction, limits, the partial reply of a stopped turn, the live delta count.
All against the real loopback emulator (unlimited speed) unless the rule is pure.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import aclosing

import httpx
import pytest

from grokterm.chat.runner import TurnRunner
from grokterm.store import Store
from grokterm.xai import limits
from grokterm.xai.client import XAIClient, _SecretScrubber
from grokterm.xai.errors import StreamInterruptedError
from grokterm.xai.events import (
    Completed,
    Failed,
    Message,
    ReasoningDelta,
    TextDelta,
    ToolCallUpdate,
    TurnRequest,
    TurnStarted,
    UsageUpdate,
    coalesce,
)
from grokterm.xai.tools import ToolCall

MODEL = "grok-4-0709"


def wire_deltas(emulator, prompt: str, model: str = MODEL) -> tuple[list[str], list[str]]:
    """The text and reasoning deltas of the emulator's stream for `prompt`, read raw (no grokterm code)."""
    body = {"model": model, "input": [{"role": "user", "content": prompt}], "stream": True}
    reply = httpx.post(f"{emulator.base_url}/responses", json=body, timeout=30,
                       headers={"Authorization": f"Bearer {emulator.api_key}"})
    text, reasoning = [], []
    for line in reply.text.split("\n"):
        if line.startswith("data: {"):
            event = json.loads(line[len("data: "):])
            if event["type"] == "response.output_text.delta":
                text.append(event["delta"])
            elif event["type"] == "response.reasoning_summary_text.delta":
                reasoning.append(event["delta"])
    return text, reasoning


async def client_events(emulator, prompt: str) -> list:
    async with XAIClient(emulator.api_key, emulator.base_url, max_retries=0) as client:
        return [event async for event in client.stream_turn(TurnRequest(MODEL, (Message("user", prompt),)))]


# ------------------------------------------------------------------------------------------- pure rules

def test_coalesce_merges_runs_of_one_kind_and_keeps_everything_else_in_place() -> None:
    call = ToolCall("c1", "web_search", "web_search", "completed", "q", ())
    events = [TurnStarted("r", "m"), ReasoningDelta("a"), ReasoningDelta("b", 2), TextDelta("c"), TextDelta("d"),
              ToolCallUpdate(call), TextDelta("e"), ReasoningDelta("f"), TextDelta("g"), UsageUpdate(None)]  # type: ignore[arg-type]
    assert coalesce(events) == [
        TurnStarted("r", "m"), ReasoningDelta("ab", 3), TextDelta("cd", 2), ToolCallUpdate(call), TextDelta("e"),
        ReasoningDelta("f"), TextDelta("g"), UsageUpdate(None)]  # type: ignore[arg-type]
    assert coalesce([TextDelta("x")]) == [TextDelta("x")] and coalesce([]) == []


def test_the_secret_scrubber_keeps_the_delta_count_of_text_it_holds_back() -> None:
    key = "xai-scrubber-test-key-0123"
    XAIClient(key, "http://127.0.0.1:9/v1")  # registers the key, as the app's client does
    scrubber = _SecretScrubber()
    out = scrubber.scrub(TextDelta("your key is " + key[:5], 4))  # the key's start is held back
    out += scrubber.scrub(TextDelta(key[5:12], 2))  # still a possible key: all held, count carried
    out += scrubber.scrub(TextDelta(key[12:] + " ok", 3))
    out += scrubber.scrub(Completed("r", "m", "your key is " + key + " ok", "", None, False))
    texts = "".join(e.text for e in out if isinstance(e, TextDelta))
    assert key not in texts and texts.startswith("your key is ") and texts.endswith(" ok")
    assert sum(e.count for e in out if isinstance(e, TextDelta)) == 9
    assert key not in out[-1].text  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------- the client

async def test_coalescing_keeps_the_text_reasoning_and_number_of_deltas(emulator) -> None:
    text, reasoning = wire_deltas(emulator, "!long 3000")
    events = await client_events(emulator, "!long 3000")
    done = events[-1]
    assert isinstance(done, Completed) and sum(isinstance(e, (Completed, Failed)) for e in events) == 1
    streamed = [e for e in events if isinstance(e, TextDelta)]
    thought = [e for e in events if isinstance(e, ReasoningDelta)]
    assert "".join(e.text for e in streamed) == "".join(text) == done.text
    assert "".join(e.text for e in thought) == "".join(reasoning) == done.reasoning
    assert sum(e.count for e in streamed) == len(text) == 3000
    assert sum(e.count for e in thought) == len(reasoning)
    # reasoning comes before the text, as on the wire: merging never reorders kinds
    assert max(i for i, e in enumerate(events) if isinstance(e, ReasoningDelta)) < min(
        i for i, e in enumerate(events) if isinstance(e, TextDelta))


async def test_a_key_split_across_deltas_is_redacted_from_a_merged_stream(emulator) -> None:
    key = emulator.api_key  # the client registers it as a secret
    prompt = f"!echo before {key} middle {key}{key} after"
    text, _ = wire_deltas(emulator, prompt)
    assert key not in text and key in "".join(text)  # the wire splits the key across deltas
    events = await client_events(emulator, prompt)
    streamed = "".join(e.text for e in events if isinstance(e, TextDelta))
    done = events[-1]
    assert isinstance(done, Completed)
    assert key not in streamed and key not in done.text and "xai-" not in streamed.replace("xai-…", "")
    assert streamed.startswith("before ") and streamed.endswith(" after") and streamed == done.text
    assert sum(e.count for e in events if isinstance(e, TextDelta)) == len(text)


async def test_the_reply_limit_still_stops_a_merged_stream_at_the_delta_that_passed_it(emulator, monkeypatch) -> None:
    monkeypatch.setattr(limits, "MAX_REPLY_CHARS", 5000)
    events = await client_events(emulator, "!long 20000")
    failed = events[-1]
    assert isinstance(failed, Failed) and isinstance(failed.error, StreamInterruptedError)
    assert "reply longer than" in str(failed.error) and sum(isinstance(e, (Completed, Failed)) for e in events) == 1
    streamed = "".join(e.text for e in events if isinstance(e, (TextDelta, ReasoningDelta)))
    kept = failed.partial_reasoning + failed.partial_text
    assert len(streamed) <= 5000 < len(kept) <= 5000 + 40  # cut at the one delta past the limit, not a batch later
    assert failed.partial_text.startswith("".join(e.text for e in events if isinstance(e, TextDelta)))


# ------------------------------------------------------------------------------------------- the runner

async def test_a_turn_stopped_mid_stream_keeps_every_merged_delta_it_showed(emulator, tmp_path) -> None:
    store = Store(tmp_path / "g.db")
    conversation = store.create_conversation(title="t", model=MODEL)
    shown: list[str] = []
    enough = asyncio.Event()
    async with XAIClient(emulator.api_key, emulator.base_url, max_retries=0) as client:
        runner = TurnRunner(store, client)

        async def consume() -> None:
            """The pane's loop: it hands the event loop back now and then, and closes the stream when stopped."""
            async with aclosing(runner.send(conversation.id, "!long 200000", model=MODEL)) as events:
                async for event in events:
                    if isinstance(event, TextDelta):
                        shown.append(event.text)
                        if len(shown) >= 3:
                            enough.set()
                    await asyncio.sleep(0)

        task = asyncio.create_task(consume())
        await asyncio.wait_for(enough.wait(), 30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        runner.close()
    reply = store.list_messages(conversation.id)[-1]
    store.close()
    assert reply.role == "assistant" and reply.status == "stopped"
    assert reply.text == "".join(shown) and len(reply.text) > 0


async def test_a_fast_reply_queues_one_checkpoint_at_a_time_and_the_final_row_has_it_all(emulator, tmp_path) -> None:
    """Checkpoints rewrite the whole text: queued faster than written, a long fast reply piled them up
    (and the final row waited for all of them). While one is being written no other is started."""
    import threading

    release, submitted = threading.Event(), []

    class SlowStore(Store):
        def checkpoint(self, message_id: int, text: str, reasoning: str | None = None) -> bool:
            submitted.append(len(text))
            release.wait(30)  # the first checkpoint blocks the writer until the reply is well under way
            return super().checkpoint(message_id, text, reasoning)

    store = SlowStore(tmp_path / "g.db")
    conversation = store.create_conversation(title="t", model=MODEL)
    shown = 0
    async with XAIClient(emulator.api_key, emulator.base_url, max_retries=0) as client:
        runner = TurnRunner(store, client)
        async with aclosing(runner.send(conversation.id, "!long 20000", model=MODEL)) as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    shown += len(event.text)
                    if shown >= 10_000 and not release.is_set():
                        release.set()
                last = event
        runner.close()
    reply = store.list_messages(conversation.id)[-1]
    store.close()
    assert isinstance(last, Completed) and reply.status == "complete" and reply.text == last.text
    # the second checkpoint started only once the first was written, so it holds all that had come by then
    # (queued behind the first instead, it would hold ~2,000 characters more than the first)
    assert len(submitted) >= 2 and submitted[1] >= 10_000, submitted[:3]


# ------------------------------------------------------------------------------------------- the UI

async def test_the_live_reply_counts_every_wire_delta_of_a_merged_stream(emulator, tmp_path, monkeypatch) -> None:
    from ui_helpers import make_app, send, wait_started

    from grokterm.ui.widgets.streaming_message import StreamingMessage

    counted: list[int] = []
    finish = StreamingMessage.finish

    async def counting_finish(self: StreamingMessage) -> None:
        counted.append(self._tokens)  # what the live tok/s figure divides by
        await finish(self)

    monkeypatch.setattr(StreamingMessage, "finish", counting_finish)
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await wait_started(app, pilot)
        await send(pane, pilot, "!long 2000")
        assert pane.messages[-1].status == "complete"
        shown, model = pane.messages[-1].text, pane.model
    text, reasoning = wire_deltas(emulator, "!long 2000", model)
    assert counted == [len(text) + len(reasoning)] and shown == "".join(text)


# ------------------------------------------------------------------------------------------- SSE decoding

def test_the_sse_data_decoder_dispatches_what_httpx_sse_dispatches() -> None:
    """grokterm.xai.limits.SSEDataDecoder against httpx-sse's own decoder on random streams cut at random places."""
    import random

    from httpx_sse._decoders import SSEDecoder, SSELineDecoder

    from grokterm.xai.limits import SSEDataDecoder

    fields = ["data: x", "data:y", "data", "data:  two", "data: {\"a\": 1}", "event: e", "event:", "id: 1", "id:",
              "id: a\0b", "retry: 10", "retry: x", "retry:", ": keep-alive", ":", "foo: bar", "nocolon", "", "", ""]
    rng = random.Random(11)
    for _ in range(300):
        text = "".join(rng.choice(fields) + rng.choice(["\n", "\r\n", "\r"]) for _ in range(rng.randint(0, 40)))
        reference_lines, reference = SSELineDecoder(), SSEDecoder()
        expected = [sse.data for line in reference_lines.decode(text) + reference_lines.flush()
                    if (sse := reference.decode(line)) is not None]
        lines, ours, got = SSELineDecoder(), SSEDataDecoder(1 << 20, 1 << 20), []
        cuts = sorted(rng.sample(range(len(text) + 1), min(len(text) + 1, rng.randint(0, 6))))
        for start, end in zip([0, *cuts], [*cuts, len(text)], strict=True):
            if text[start:end]:
                batch, error = ours.decode(lines.decode(text[start:end]))
                assert error is None
                got += batch
        batch, error = ours.decode(lines.flush())
        assert got + batch == expected, repr(text)


@pytest.mark.parametrize("style", ["responses", "chat"])
def test_the_delta_fast_path_records_and_returns_what_feed_would(style: str) -> None:
    from grokterm.xai.chat_stream import ChatStreamState
    from grokterm.xai.responses_stream import ResponsesStreamState

    if style == "responses":
        def delta(kind: str, text, index: int = 0, **extra) -> dict:
            name = "output_text" if kind == "text" else "reasoning_summary_text"
            where = "content_index" if kind == "text" else "summary_index"
            return {"type": f"response.{name}.delta", "delta": text, "output_index": 0, where: index, **extra}

        payloads = [delta("text", "early"),  # before response.created: feed starts the turn
                    {"type": "response.created", "response": {"id": "r", "model": "m", "output": []}},
                    delta("reasoning", "Think"), delta("reasoning", " more"), delta("reasoning", "Two", 1),
                    delta("text", ""), delta("text", "Hel"), delta("text", "lo"),
                    delta("text", "!", output_index=None)]

        def new_state():
            return ResponsesStreamState(True)
    else:
        def chunk(**delta) -> dict:
            return {"id": "c", "model": "m", "choices": [{"index": 0, "delta": delta}]}

        payloads = [chunk(role="assistant", reasoning_content="Think"), chunk(reasoning_content=" more"), chunk(),
                    chunk(content="a", reasoning_content="b"), chunk(content="Hel"), chunk(content=""),
                    chunk(content="lo")]

        def new_state():
            return ChatStreamState()

    slow, fast = new_state(), new_state()
    slow_events = [event for payload in payloads for event in slow.feed(payload)]
    fast_out: list = []
    for payload in payloads:
        plain = fast.feed_delta(payload)
        fast_out += [(plain[0], plain[1])] if plain is not None else [
            (type(e) is ReasoningDelta, e.text) if isinstance(e, (TextDelta, ReasoningDelta)) else e
            for e in fast.feed(payload)]
    assert fast_out == [(type(e) is ReasoningDelta, e.text) if isinstance(e, (TextDelta, ReasoningDelta)) else e
                        for e in slow_events]
    assert (fast.text, fast.reasoning) == (slow.text, slow.reasoning) and slow.text.startswith(
        "early" if style == "responses" else "a")
