"""Finished messages are virtualised: only the blocks drawn on screen are rendered (in a thread); the
others are cheap drafts until scrolled to, or rendered when the app is idle without moving the view."""

from __future__ import annotations

import threading

from textual.app import App
from textual.containers import VerticalScroll

from grokterm.ui.markdown_lines import MarkdownLines
from grokterm.ui.message_data import MessageData
from grokterm.ui.widgets.finished_message import RENDER_IN_THREAD_FROM, FinishedMessage

LONG = "\n\n".join(f"Paragraph {i}: " + "words that wrap " * 12 for i in range(30))
# rendered, each table is taller than its draft (the source lines): the drafts' heights are estimates
TALL = "\n\n".join(f"## Part {i}\n\n| part | value |\n|---|---|\n| {i} | {i * 7} |\n\nPart {i} says "
                   + "something rather long " * 10 for i in range(60))


class Host(App):
    def __init__(self, *messages: FinishedMessage) -> None:
        super().__init__()
        self.messages = messages

    def compose(self):
        with VerticalScroll():
            yield from self.messages


def spy_on_block_renders(monkeypatch, body: MarkdownLines) -> list[tuple[bool, list[int]]]:
    """(on the event loop?, block indices) of every Markdown render of `body`'s blocks."""
    calls: list[tuple[bool, list[int]]] = []
    original = MarkdownLines.render_blocks

    def spy(self, width, console, indices):
        if self is body:
            calls.append((threading.current_thread() is threading.main_thread(), list(indices)))
        return original(self, width, console, indices)

    monkeypatch.setattr(MarkdownLines, "render_blocks", spy)
    return calls


def rendered_blocks(widget: FinishedMessage) -> list[int]:
    return [i for i, lines in enumerate(widget.body.rendered.get(widget.size.width, [])) if lines is not None]


async def test_a_resize_renders_the_blocks_on_screen_in_a_thread_and_short_messages_at_once(monkeypatch):
    monkeypatch.setattr(FinishedMessage, "IDLE_AFTER", None)
    assert len(LONG) > RENDER_IN_THREAD_FROM
    long_one = FinishedMessage(MessageData(1, "assistant", LONG))
    short_one = FinishedMessage(MessageData(2, "user", "a short question"))
    app = Host(long_one, short_one)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        calls = spy_on_block_renders(monkeypatch, long_one.body)
        lines_before = len(long_one._lines_at(long_one.size.width))
        await pilot.resize_terminal(60, 40)
        await pilot.pause()
        assert short_one.body.has(short_one.size.width)  # cheap: rendered on the spot
        await app.workers.wait_for_complete()
        await pilot.pause()
        width = long_one.size.width
        on_screen = rendered_blocks(long_one)
        assert calls and not any(on_loop for on_loop, _ in calls), "a long message was rendered on the event loop"
        assert 0 in on_screen  # the top of the list is on screen
        assert len(on_screen) < len(long_one.body.block_texts()), "blocks far off screen were rendered"
        lines = long_one._lines_at(width)
        assert len(lines) > lines_before  # narrower, so more lines
        assert long_one.size.height == len(lines)
        assert "Paragraph 0:" in long_one.render_line(0).text + long_one.render_line(1).text


async def test_scrolling_up_to_a_draft_renders_it_in_a_thread(monkeypatch):
    """A reply whose top was never on screen keeps drafts there; scrolling up renders what is shown."""
    monkeypatch.setattr(FinishedMessage, "IDLE_AFTER", None)
    body = MarkdownLines.of(TALL)
    message = FinishedMessage(MessageData(1, "assistant", TALL), body=body)
    app = Host()
    async with app.run_test(size=(80, 30)) as pilot:
        scroller = app.query_one(VerticalScroll)
        scroller.anchor()  # as the message list follows a reply
        await scroller.mount(message)
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        count = len(body.block_texts())
        at_bottom = rendered_blocks(message)
        assert at_bottom and count - 1 in at_bottom and 0 not in at_bottom  # only the bottom is rendered
        calls = spy_on_block_renders(monkeypatch, body)
        scroller.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = rendered_blocks(message)
        assert 0 in shown, "scrolling up left the top block a draft"
        assert calls and not any(on_loop for on_loop, _ in calls)
        assert len(shown) < count, "blocks never shown were rendered (idle rendering is off)"
        assert "Part 0" in "".join(message.render_line(y).text for y in range(4))


async def test_idle_rendering_fills_the_drafts_without_moving_the_view(monkeypatch):
    monkeypatch.setattr(FinishedMessage, "IDLE_AFTER", None)
    monkeypatch.setattr(FinishedMessage, "IDLE_GAP", 0)
    body = MarkdownLines.of(TALL)
    message = FinishedMessage(MessageData(1, "assistant", TALL), body=body)
    app = Host(message)
    async with app.run_test(size=(80, 30)) as pilot:
        scroller = app.query_one(VerticalScroll)
        await pilot.pause()
        scroller.scroll_to(y=scroller.max_scroll_y // 2, animate=False, immediate=True)  # the user's place
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not body.has(message.size.width)  # drafts above and below the window

        def top_lines() -> list[str]:
            top = round(scroller.scroll_y) - message.virtual_region.y
            return [line.text if not isinstance(line, str) else line
                    for line in message._lines_at(message.size.width)[top:top + 5]]

        before = top_lines()
        height_before = message.size.height
        monkeypatch.setattr(FinishedMessage, "IDLE_AFTER", 0)
        message._start_idle_rendering()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert body.has(message.size.width)  # every block rendered now
        assert message.size.height > height_before  # the tables above the window grew
        assert top_lines() == before, "the view moved when the blocks above it were rendered"


async def test_messages_render_their_drafts_when_idle_one_at_a_time(monkeypatch):
    """After a resize many long messages hold drafts: the idle renderer fills them in turn (never two
    threads of Markdown at once, which would stall the event loop), until all are rendered."""
    monkeypatch.setattr(FinishedMessage, "IDLE_AFTER", None)
    messages = [FinishedMessage(MessageData(i, "assistant", TALL), body=MarkdownLines.of(TALL)) for i in range(3)]
    app = Host(*messages)
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert not any(m.body.has(m.size.width) for m in messages)
        busy, most = [0], [0]
        lock = threading.Lock()
        original = MarkdownLines.render_blocks

        def counting(self, width, console, indices):
            with lock:
                busy[0] += 1
                most[0] = max(most[0], busy[0])
            try:
                return original(self, width, console, indices)
            finally:
                with lock:
                    busy[0] -= 1

        monkeypatch.setattr(MarkdownLines, "render_blocks", counting)
        monkeypatch.setattr(FinishedMessage, "IDLE_AFTER", 0)
        monkeypatch.setattr(FinishedMessage, "IDLE_GAP", 0)
        for message in messages:
            message._start_idle_rendering()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert all(m.body.has(m.size.width) for m in messages)
        assert most[0] == 1
