"""The live reply widget: finished blocks are frozen so long replies don't slow down."""

from __future__ import annotations

from grokterm.ui.widgets.streaming_message import safe_split_point


def test_split_point_is_after_the_last_blank_line_outside_code():
    text = "para one\n\npara two\n\n```python\nx = 1\n\ny = 2\n```\n\ntail"
    split = safe_split_point(text)
    assert text[:split].endswith("```\n\n")
    assert text[split:] == "tail"


def test_no_split_inside_an_open_fence():
    text = "intro\n\n```\ncode\n\nmore code\n\nstill code"
    split = safe_split_point(text)
    assert text[:split] == "intro\n\n"


def test_no_split_without_a_blank_line():
    assert safe_split_point("just one long paragraph that keeps going") == 0
    assert safe_split_point("") == 0


async def test_a_flush_in_flight_when_the_reply_ends_touches_nothing():
    """Regression: a timer flush racing finish()+remove() raised NoMatches and crashed the app."""
    import asyncio

    from textual.app import App

    from grokterm.ui.widgets.streaming_message import StreamingMessage

    class Host(App):
        def compose(self):
            yield StreamingMessage("grok-4-0709", interval=60)

    app = Host()
    async with app.run_test() as pilot:
        message = app.query_one(StreamingMessage)
        message.add_text("para one\n\n" + "x" * 3000 + "\n\nnext")  # long enough to freeze blocks
        in_flight = asyncio.create_task(message.flush())
        await asyncio.sleep(0)  # let the flush start and reach its first await
        await message.finish()
        await message.remove()
        await in_flight  # must not raise
        await pilot.pause()
        assert not app.query(StreamingMessage)
    assert app.return_code in (None, 0)


async def test_the_reply_ending_right_after_a_freeze_does_not_cancel_the_turn():
    """Regression (bench_ui crashed 1 run in 2 with WorkerCancelled): a flush that froze blocks starts a
    fresh Markdown stream; when the reply ended in the same loop iteration, finish() stopped that stream
    before its task had run, its CancelledError escaped into the turn worker, and the turn was recorded
    as stopped by the user while the reply stayed half-drawn."""
    from textual.app import App

    from grokterm.ui.widgets.streaming_message import StreamingMessage

    class Host(App):
        def compose(self):
            yield StreamingMessage("grok-4-0709", interval=60)

    app = Host()
    async with app.run_test() as pilot:
        message = app.query_one(StreamingMessage)
        message.add_text("para one\n\n" + "x" * 3000 + "\n\nnext")  # long enough to freeze blocks
        await message.flush()  # freezes: a new stream exists whose task has not run yet
        await message.finish()  # same iteration: must not raise CancelledError
        await pilot.pause()
        assert message.body_parts(message.text) is not None
