"""The live reply: Markdown rendered block by block in a thread; the finished message reuses its lines."""

from __future__ import annotations

from ui_helpers import wait_until

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
        assert body is message.doc  # the finished message reuses the streamed blocks
        assert "next" in body.rendered[message._width][-1][-1].text


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
    return "\n".join((line if isinstance(line, str) else line.text).rstrip() for line in lines)


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


# rendered, a table is taller than its draft (its source lines): drafts' heights are only estimates
LONG_REPLY = "\n\n".join(f"## Part {i}\n\n| part | value |\n|---|---|\n| {i} | {i * 7} |\n\nPart {i} says "
                         + "something rather long " * 6 for i in range(40))


async def test_the_end_of_a_long_reply_renders_only_the_blocks_on_screen():
    """At unlimited speed most of a long reply scrolls past between two steps: those blocks are never
    rendered (drafts), the last step renders the bottom screenful only, and the finished message gets
    the very same blocks. Fails if the final frame waits for the blocks off screen."""
    from textual.app import App
    from textual.containers import VerticalScroll

    from grokterm.ui import markdown_lines
    from grokterm.ui.widgets.streaming_message import StreamingMessage

    class Host(App):
        CSS = "StreamingMessage { height: auto; }"  # as .message in app.tcss

        def compose(self):
            with VerticalScroll():
                yield StreamingMessage("grok-4-0709", interval=60)

    app = Host()
    async with app.run_test(size=(80, 30)) as pilot:
        app.query_one(VerticalScroll).anchor()
        await pilot.pause()
        message = app.query_one(StreamingMessage)
        cut = LONG_REPLY.rindex("## Part")
        message.add_text(LONG_REPLY[:cut])  # a burst: thirty-nine parts at once
        await message.flush()
        message.add_text(LONG_REPLY[cut:])
        await message.finish()
        body = await message.final_body(LONG_REPLY)
        assert body is message.doc  # handed over, nothing rendered again
        width = message._width
        count = len(body.block_texts())
        rendered = [i for i, lines in enumerate(body.rendered[width]) if lines is not None]
        assert count - 1 in rendered and 0 not in rendered
        assert message.renders == len(rendered) < count // 4, "blocks off screen were rendered"
        whole = markdown_lines.markdown_strips(LONG_REPLY, app.console, width, "monokai")
        shown = body.view(width).lines
        assert _text(shown[-30:]) == _text(whole[-30:])  # the bottom screenful is the real rendering
        assert len(shown) < len(whole)  # above it: drafts, shorter than the tables they stand for


async def test_a_streamed_reply_scrolled_up_to_renders_its_drafts():
    """While a reply streams the user scrolls up: the drafts drawn are rendered at the next step."""
    from textual.app import App
    from textual.containers import VerticalScroll

    from grokterm.ui.widgets.streaming_message import StreamingMessage

    class Host(App):
        CSS = "StreamingMessage { height: auto; }"  # as .message in app.tcss

        def compose(self):
            with VerticalScroll():
                yield StreamingMessage("grok-4-0709", interval=60)

    app = Host()
    async with app.run_test(size=(80, 30)) as pilot:
        scroller = app.query_one(VerticalScroll)
        scroller.anchor()
        await pilot.pause()
        message = app.query_one(StreamingMessage)
        message.add_text(LONG_REPLY)
        await message.flush()
        await pilot.pause()
        assert message.doc.rendered[message._width][0] is None  # the top scrolled past: a draft
        scroller.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        await wait_until(pilot, lambda: message._wanted, what="the drawn draft to ask for its block")
        await message.flush()
        await pilot.pause()
        assert message.doc.rendered[message._width][0] is not None
        assert "Part 0" in _text(message.body._parts[0][:4])
