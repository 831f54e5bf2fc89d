"""The live reply: Markdown rendered block by block in a thread; the finished message reuses its lines."""

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
        body = await message.final_body(message.text)
        assert body.has(message._width)  # the finished message reuses the streamed lines
        assert "next" in body.by_width[message._width][-1].text


def test_lists_quotes_and_continuations_are_not_cut():
    from grokterm.ui.markdown_lines import split_blocks

    text = "- a\n\n- b\n\n  more of b\n\n> q\n\n> q2\n\n1. one\n\n2. two\n\npara"
    assert split_blocks(text) == ["- a\n\n- b\n\n  more of b\n\n> q\n\n> q2\n\n1. one\n\n2. two\n\n", "para"]


RICH_REPLY = """# Title

Some **bold** text and `code`.

- first point
- second point

```python
def f(x):

    return x * 2
```

| planet | moons |
|---|---|
| Earth | 1 |
| Mars | 2 |

> a quote

---

The end.
"""


def test_block_by_block_rendering_equals_rendering_the_whole_text():
    from rich.console import Console
    from rich.markdown import Markdown as RichMarkdown

    from grokterm.ui.markdown_lines import markdown_strips, render_strips

    console = Console(width=60, color_system="truecolor")
    whole = render_strips(RichMarkdown(RICH_REPLY, code_theme="monokai", hyperlinks=False), console, 60)
    blocks = markdown_strips(RICH_REPLY, console, 60, "monokai")
    assert [line.text for line in blocks] == [line.text for line in whole]


def _text(lines) -> str:
    return "\n".join(line.text.rstrip() for line in lines)


async def test_a_streamed_reply_renders_fully_and_looks_the_same_finished(monkeypatch):
    """Code, lists and tables render while streaming (off the event loop) and the finished message shows
    the very same lines: a table no longer switches style when the reply ends."""
    import threading

    from textual.app import App

    from grokterm.ui import markdown_lines
    from grokterm.ui.message_data import MessageData
    from grokterm.ui.widgets.finished_message import FinishedMessage
    from grokterm.ui.widgets.streaming_message import StreamingMessage

    on_loop: list[bool] = []
    original = markdown_lines.render_strips

    def spy(renderable, console, width):
        on_loop.append(threading.current_thread() is threading.main_thread())
        return original(renderable, console, width)

    monkeypatch.setattr(markdown_lines, "render_strips", spy)

    class Host(App):
        def compose(self):
            yield StreamingMessage("grok-4-0709", interval=60)

    app = Host()
    async with app.run_test(size=(80, 60)) as pilot:
        await pilot.pause()
        message = app.query_one(StreamingMessage)
        for start in range(0, len(RICH_REPLY), 37):  # arrives in chunks; render after each
            message.add_text(RICH_REPLY[start:start + 37])
            await message.flush()
            await pilot.pause()
        streamed = _text(message.body._parts[0] + message.body._parts[1])
        for expected in ("Title", "first point", "def f(x):", "return x * 2", "Earth", "Mars", "a quote", "The end."):
            assert expected in streamed
        assert on_loop and not any(on_loop), "Markdown was rendered on the event loop while streaming"
        await message.finish()
        body = await message.final_body(RICH_REPLY)
        width = message.body.content_region.width
        assert body.has(width)  # handed over: the finished message renders nothing itself
        finished = FinishedMessage(MessageData(1, "assistant", RICH_REPLY), body=body)
        whole = _text(markdown_lines.markdown_strips(RICH_REPLY, app.console, width, "monokai"))
        assert _text(finished.body.lines(width, app.console)) == streamed == whole
