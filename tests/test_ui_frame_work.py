"""Work per frame while a reply streams, counted (never timed): layouts, and what a step repaints.

Each change of the live reply's height is a layout of the whole screen plus a scroll that repaints all of
it; at 150 tok/s that was 25 layouts a second, most of the CPU the app used. These tests fail if the
height goes back to changing at every line, or if a step that adds a line repaints more than that line.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.worker import WorkerCancelled

from grokterm.ui.widgets.finished_message import FinishedMessage
from grokterm.ui.widgets.line_view import LineView
from grokterm.ui.widgets.streaming_message import StreamingMessage
from tests.ui_helpers import make_app, send, wait_started, wait_until


class CountingLineView(LineView):
    """Records the layouts `show` asks for and the regions it repaints."""

    def __init__(self) -> None:
        super().__init__()
        self.layouts = 0
        self.repainted: list[Region] = []
        self._showing = False

    def show(self, *parts: list[Strip]) -> None:
        self._showing = True
        try:
            super().show(*parts)
        finally:
            self._showing = False

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False):
        if self._showing:
            self.layouts += layout
            self.repainted.extend(regions)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)


class Host(App):
    def compose(self) -> ComposeResult:
        yield CountingLineView()


def live_lines(pane) -> int:
    """Lines the live reply shows (0 until it is mounted and composed: `body` would raise before)."""
    live = pane.streaming
    bodies = live.query(LineView) if live is not None and live.is_mounted else []
    return bodies[0].line_count if bodies else 0


async def test_a_growing_text_changes_height_once_every_grow_by_lines():
    app = Host()
    async with app.run_test(size=(40, 60)) as pilot:
        view = app.query_one(CountingLineView)
        await pilot.pause()
        view.layouts = 0
        view.grow_by = 8
        shown = [Strip.blank(10, None) for _ in range(48)]
        for count in range(1, 49):  # one new line per step, as a fast reply grows
            view.repainted.clear()
            view.show(shown[:count])
            if count % 8 != 1:  # no new height: only the new line is repainted, not the view
                assert [r.y for r in view.repainted] == [count - 1], count
            await pilot.pause()
            assert view.size.height == -(-count // 8) * 8  # room for the line, and up to 7 more
        assert view.layouts == 48 // 8

        view.grow_by = 1  # the reply is complete: exactly its lines
        view.show(shown)
        await pilot.pause()
        assert view.size.height == 48


async def test_line_by_line_when_grow_by_is_one():
    app = Host()
    async with app.run_test(size=(40, 30)) as pilot:
        view = app.query_one(CountingLineView)
        await pilot.pause()
        view.layouts = 0
        for count in range(1, 11):
            view.show([Strip.blank(10, None)] * count)
            await pilot.pause()
            assert view.size.height == count
        assert view.layouts == 10


async def test_a_reply_streaming_at_a_steady_pace_lays_out_the_screen_a_few_times_only(emulator_factory, tmp_path):
    """The whole app, a real stream at 200 tok/s: full-screen layouts while the reply streams stay a small
    fraction of its lines (it was more than one per line: one for each new height, and one more each time
    as Textual re-checks the sizes it has just set)."""
    paced = emulator_factory(speed=200.0)
    app = make_app(paced, tmp_path)
    layouts = [0]
    streaming = [False]
    original = Screen._refresh_layout

    def counting(screen, *args, **kwargs):
        if streaming[0]:
            layouts[0] += 1
        return original(screen, *args, **kwargs)

    Screen._refresh_layout = counting  # type: ignore[method-assign]
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            pane = await wait_started(app, pilot)
            pane.composer.focus()
            pane.composer.load_text("!long 400")
            app.post_message(events.Key("enter", None))  # (pilot.press would wait for the whole reply)
            await wait_until(pilot, lambda: live_lines(pane) > 0, what="the reply's first line")
            streaming[0] = True  # (mounting the reply and its first line are a few layouts per turn, not per line)
            live = pane.streaming
            assert isinstance(live, StreamingMessage) and pane.turn_worker is not None
            await pane.turn_worker.wait()
            streaming[0] = False
            await pilot.pause()
            finished = pane.query(FinishedMessage).last()
            reply_lines = len(finished.lines_for(finished.content_region.width, app.console))
    finally:
        Screen._refresh_layout = original  # type: ignore[method-assign]
    assert reply_lines > 40, reply_lines  # a reply long enough to scroll many times
    assert layouts[0] <= reply_lines // 3, (layouts[0], reply_lines)


def test_a_fast_reply_is_redrawn_a_few_times_a_second():
    message = StreamingMessage("grok-4-0709", interval=0.05)
    assert message._least_gap() == 0.05  # nothing yet
    message._count_token(1)
    message._first_token -= 1.0  # one second of stream
    message._count_token(19)
    assert message._least_gap() == 0.05  # 20 tok/s: a token or two per step
    message._count_token(130)
    assert message._least_gap() == pytest.approx(0.125, abs=0.005)  # 150 tok/s: 8 steps a second are plenty to read
    message._count_token(850)
    assert message._least_gap() == pytest.approx(0.2, abs=0.005)  # 1,000 tok/s: 5 a second


async def test_the_status_line_under_the_composer_changes_without_a_layout(emulator, tmp_path):
    """The one-line status (model, prompt, token estimate) is rewritten as the user types: a repaint of
    that line, not a layout of the whole screen each time."""
    app = make_app(emulator, tmp_path)
    layouts = [0]
    original = Screen._refresh_layout

    def counting(screen, *args, **kwargs):
        layouts[0] += 1
        return original(screen, *args, **kwargs)

    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        await pilot.pause()
        Screen._refresh_layout = counting  # type: ignore[method-assign]
        try:
            pane.conversation = replace(pane.conversation, system_prompt="Be brief.")  # now "prompt: custom"
            pane.refresh_status()
            await pilot.pause()
            await pilot.pause()
        finally:
            Screen._refresh_layout = original  # type: ignore[method-assign]
        assert "custom" in str(pane.query_one(".composer-status").render())
    assert layouts[0] == 0


async def test_while_a_reply_grows_the_list_follows_it_unless_the_user_scrolled_up(emulator_factory, tmp_path):
    """The live reply grows by reserved lines and the list lays out once per growth while streaming: the
    bottom anchor must still follow the reply, and a user who scrolled up must stay where they are.
    (Two replies at a real pace, about 3 s: the behaviour only exists while a paced reply grows.)"""
    paced = emulator_factory(speed=400.0)
    app = make_app(paced, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await wait_started(app, pilot)
        listing = pane.message_list

        async def start(prompt: str) -> None:
            previous = pane.turn_worker
            pane.composer.focus()
            pane.composer.load_text(prompt)
            app.post_message(events.Key("enter", None))

            def tall_or_over() -> bool:
                worker = pane.turn_worker
                return live_lines(pane) > 30 or (worker is not previous and worker is not None and worker.is_finished)

            await wait_until(pilot, tall_or_over, what="a reply taller than the view")

        await start("!long 600")
        await wait_until(pilot, lambda: listing.max_scroll_y > 0 and listing.scroll_y == listing.max_scroll_y,
                         what="the list at the bottom of the growing reply")
        assert pane.turn_worker is not None
        await pane.turn_worker.wait()
        await pilot.pause()
        assert listing.scroll_y == listing.max_scroll_y  # the end of the finished reply is in view

        await start("!long 4000")  # (stopped below: long only so that it is still streaming under load)
        listing.scroll_home(animate=False, immediate=True)  # the user goes back up to read
        lines = live_lines(pane)
        assert lines > 30
        await wait_until(pilot, lambda: live_lines(pane) > lines + 10, what="the reply to grow")
        assert listing.scroll_y == 0
        worker = pane.turn_worker
        assert worker is not None and pane.stop_streaming()
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()
        await pilot.pause()
        assert listing.scroll_y == 0


async def test_a_conversation_that_starts_to_scroll_keeps_its_width(emulator, tmp_path):
    """The list keeps its scrollbar's column from the start: when a first long reply overflows the view,
    the text is not re-wrapped one scrollbar narrower (that re-rendered every line on screen at the end of
    the reply, the last ~25 ms of a fast 20k-token reply)."""
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        listing = pane.message_list
        empty_width = listing.scrollable_content_region.width
        assert listing.max_scroll_y == 0  # nothing to scroll yet
        await send(pane, pilot, "!long 600")
        await pilot.pause()
        assert listing.max_scroll_y > 0, "the reply should overflow the view"
        assert listing.scrollable_content_region.width == empty_width
        finished = pane.query(FinishedMessage).last()
        assert finished.content_region.width < empty_width  # (the message sits inside the list's width)
        assert pane.message_width() == pane.message_width(scrollbar=False) == finished.content_region.width
