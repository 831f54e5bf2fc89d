"""Work per frame while a reply streams, counted (never timed): layouts, and what a step repaints.

Each change of the live reply's height is a layout of the whole screen plus a scroll that repaints all of
it; at 150 tok/s that was 25 layouts a second, most of the CPU the app used. These tests fail if the
height goes back to changing at every line, or if a step that adds a line repaints more than that line.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip

from grokterm.ui.widgets.finished_message import FinishedMessage
from grokterm.ui.widgets.line_view import LineView
from grokterm.ui.widgets.streaming_message import StreamingMessage
from tests.ui_helpers import make_app, wait_started, wait_until


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


def lines(count: int) -> list[Strip]:
    return [Strip.blank(10) if i % 2 else Strip([]) for i in range(count)]


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
            await wait_until(pilot, lambda: pane.streaming is not None and pane.streaming.body.line_count > 0,
                             what="the reply's first line")
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
