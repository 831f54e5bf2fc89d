"""Finished messages draw ready lines: rendered ahead in a thread, and again in a thread after a resize."""

from __future__ import annotations

import threading

from textual.app import App
from textual.containers import VerticalScroll

from grokterm.ui.message_data import MessageData
from grokterm.ui.widgets.finished_message import RENDER_IN_THREAD_FROM, FinishedMessage

LONG = "\n\n".join(f"Paragraph {i}: " + "words that wrap " * 12 for i in range(30))


class Host(App):
    def compose(self):
        with VerticalScroll():
            yield FinishedMessage(MessageData(1, "assistant", LONG))
            yield FinishedMessage(MessageData(2, "user", "a short question"))


async def test_a_resize_renders_long_messages_in_a_thread_and_short_ones_at_once(monkeypatch):
    assert len(LONG) > RENDER_IN_THREAD_FROM
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        long_one, short_one = app.query(FinishedMessage)
        width_before, lines_before = long_one._rendered
        assert width_before == long_one.content_region.width and lines_before

        on_loop: list[bool] = []
        original = FinishedMessage._render_lines

        def spy(self, width, console):
            if self is long_one:
                on_loop.append(threading.current_thread() is threading.main_thread())
            return original(self, width, console)

        monkeypatch.setattr(FinishedMessage, "_render_lines", spy)
        await pilot.resize_terminal(60, 40)
        await pilot.pause()
        assert short_one._rendered[0] == short_one.content_region.width  # cheap: rendered on the spot
        await app.workers.wait_for_complete()
        await pilot.pause()
        width_after, lines_after = long_one._rendered
        assert width_after == long_one.content_region.width < width_before
        assert len(lines_after) > len(lines_before)  # narrower, so more lines
        assert on_loop and not any(on_loop), "a long message was re-rendered on the event loop"
        assert long_one.size.height == len(lines_after)
