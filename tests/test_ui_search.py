"""Search in the TUI: the per-conversation toggle and dialog, the live tool status while streaming,
the numbered sources under the reply (with safe hyperlinks), the sidebar, and refusals."""

from __future__ import annotations

import httpx
from ui_helpers import make_app, notifications, send, wait_started, wait_until, wait_workers

from grokterm.chat.sources import load_search_settings
from grokterm.emulator.faults import Fault
from grokterm.store import Store
from grokterm.ui.screens.search_settings import SearchSettingsScreen
from grokterm.ui.widgets.finished_message import FinishedMessage
from grokterm.ui.widgets.streaming_message import StreamingMessage
from grokterm.xai.tools import SearchSettings


def widget_lines(widget) -> list:
    return list(widget.render_lines(widget.region.reset_offset))


def widget_text(widget) -> str:
    return "\n".join(strip.text for strip in widget_lines(widget))


def links_of(widget) -> dict[str, str]:
    """text → link target of every hyperlinked piece the widget draws."""
    found = {}
    for strip in widget_lines(widget):
        for segment in strip:
            if segment.style is not None and segment.style.link:
                found[segment.text] = segment.style.link
    return found


async def test_toggles_and_palette_dialog_set_the_conversation_search(emulator, tmp_path) -> None:
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        await pilot.press("f3")
        assert pane.search == SearchSettings(web=True)
        assert "Search: web" in notifications(app)
        assert "search: web" in str(pane.query_one(".composer-status").render())
        await pilot.press("f5")
        assert pane.search == SearchSettings(web=True, x=True)
        await pilot.press("f3")
        assert pane.search == SearchSettings(x=True)
        # the palette opens the dialog with the filters
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Search settings")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchSettingsScreen), what="search dialog")
        dialog = app.screen
        dialog.query_one("#search-web").value = True
        dialog.query_one("#search-domains").value = "arxiv.org, example.com"
        dialog.query_one("#search-excluded-domains").value = "pinterest.com"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog  # both allowed and excluded domains: refused in the dialog
        assert "not both" in str(dialog.query_one("#search-error").render())
        dialog.query_one("#search-excluded-domains").value = ""
        dialog.query_one("#search-handles").value = "@xai"
        dialog.query_one("#search-from").value = "2026-01-01"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is not dialog, what="dialog closed")
        expected = SearchSettings(web=True, x=True, allowed_domains=("arxiv.org", "example.com"),
                                  allowed_x_handles=("xai",), from_date="2026-01-01")
        assert pane.search == expected
        await send(pane, pilot, "!echo done")
        sent = emulator.state.requests[-1].json
        assert sent["tools"] == [
            {"type": "web_search", "allowed_domains": ["arxiv.org", "example.com"]},
            {"type": "x_search", "allowed_x_handles": ["xai"], "from_date": "2026-01-01"},
        ]
        conversation_id = pane.conversation.id
    with Store(tmp_path / "grokterm.db") as store:  # kept with the conversation
        assert load_search_settings(store, conversation_id) == expected


def index_of_searching_event(emulator) -> int:
    """How many events come before the web search is under way (for a stall fault right there)."""
    body = {"model": "grok-4-0709", "input": "what is new", "stream": True, "tools": [{"type": "web_search"}]}
    with httpx.Client(base_url=emulator.base_url, headers={"Authorization": f"Bearer {emulator.api_key}"}) as http:
        with http.stream("POST", "/responses", json=body) as reply:
            kinds = [line for line in reply.iter_lines() if line.startswith("data: ")]
    return next(i for i, line in enumerate(kinds) if "web_search_call.searching" in line) + 1


async def test_live_tool_status_while_the_search_runs(emulator, tmp_path) -> None:
    after = index_of_searching_event(emulator)
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        await pilot.press("f3")
        emulator.state.push_fault(Fault("stall", after=after, seconds=30))
        pane.composer.focus()
        pane.composer.load_text("what is new")
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane.tool_status.startswith("searching the web"), what="tool status")
        streaming = pane.query_one(StreamingMessage)
        stats = streaming.query_one(".stream-stats")
        assert "searching the web\u2026" in str(stats.render())
        await pilot.press("escape")  # stop while the search is stalled: nothing is lost
        await wait_until(pilot, lambda: not pane.is_streaming and len(pane.messages) == 2, what="stopped reply")
        assert pane.tool_status == ""
        assert [m.role for m in pane.messages] == ["user", "assistant"]
        assert pane.messages[-1].status == "stopped"


async def test_reply_ends_with_numbered_sources_linked_from_inline_markers(emulator, tmp_path) -> None:
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(140, 50)) as pilot:
        pane = await wait_started(app, pilot)
        await pilot.press("f3")
        await send(pane, pilot, "latest xAI news !echo xAI builds Grok.")
        reply = list(pane.query(FinishedMessage))[-1]
        text = widget_text(reply)
        assert "Sources" in text and "[[1]](" not in text
        assert "[1] Latest Xai News - Wikipedia \u00b7 en.wikipedia.org" in text
        assert "[3]" in text
        links = links_of(reply)
        assert links["[1]"] == links["Latest Xai News - Wikipedia"]  # the marker and its source: one URL
        assert all(url.startswith("https://") for url in links.values())
        data = pane.messages[-1]
        assert data.sources is not None and len(data.sources.citations) == 3
        # the sidebar lists the sources and the search with its cost
        reply.focus()
        await pilot.pause()
        sidebar = app.chat.sidebar.query_one("#sidebar-sources")
        assert sidebar.display
        side = str(sidebar.render())
        assert "en.wikipedia.org" in side and "web search \u00d71" in side and "est. $0.0050" in side
    app = make_app(emulator, tmp_path)  # reopened: the sources come back from the store
    async with app.run_test(size=(140, 50)) as pilot:
        pane = await wait_started(app, pilot)
        assert pane.search.web
        assert "Sources" in widget_text(list(pane.query(FinishedMessage))[-1])


async def test_a_cited_reply_is_rendered_off_the_event_loop_when_it_ends(emulator, tmp_path, monkeypatch) -> None:
    """A reply with inline citations is rendered whole (its markers link to its sources), not block by
    block: at the end of the reply that render happens in a thread, before the message is mounted, and
    focusing it (a new head) does not render it again."""
    import threading

    from grokterm.ui.widgets import finished_message

    on_loop: list[bool] = []
    original = finished_message.render_strips

    def spy(renderable, console, width):
        if type(renderable).__name__ == "RenderCache":  # citations.reply_body
            on_loop.append(threading.current_thread() is threading.main_thread())
        return original(renderable, console, width)

    monkeypatch.setattr(finished_message, "render_strips", spy)
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(140, 50)) as pilot:
        pane = await wait_started(app, pilot)
        await pilot.press("f3")
        await send(pane, pilot, "latest xAI news !echo xAI builds Grok.")
        reply = list(pane.query(FinishedMessage))[-1]
        assert "[1]" in widget_text(reply)
        reply.focus()
        await pilot.pause()
        assert "copy" in widget_text(reply)  # the focused head shows its keys
    assert on_loop == [False], "the cited reply was rendered on the event loop"


async def test_outside_urls_never_become_unsafe_links(emulator, tmp_path) -> None:
    store = Store(tmp_path / "grokterm.db")
    conv = store.create_conversation(title="t", model="grok-4-0709")
    store.add_message(conv.id, "user", "q")
    reply = store.add_message(conv.id, "assistant", "", model="grok-4-0709")
    store.finish_message(reply.id, "complete", text="See [[1]](javascript:alert(1)) and [[2]](https://ok.example/a).",
                         sources={"citations": [{"url": "javascript:alert(1)", "title": "[bold]evil[/bold]\x1b]8;;x"},
                                                {"url": "https://ok.example/a", "title": "Fine"}]})
    store.ui_set("open_tabs", [conv.id])
    store.close()
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        pane = await wait_started(app, pilot)
        widget = list(pane.query(FinishedMessage))[-1]
        text = widget_text(widget)
        assert "[bold]evil[/bold]" in text and "\x1b" not in text  # literal, never markup or escapes
        assert set(links_of(widget).values()) == {"https://ok.example/a"}


async def test_refused_search_keeps_the_message_and_says_why(emulator, tmp_path) -> None:
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        app.set_conversation_model(pane, "grok-3")
        await pilot.press("f3")
        await send(pane, pilot, "what is new?")
        assert any("does not support server-side tools" in n for n in notifications(app))
        assert [m.role for m in pane.messages] == ["user", "assistant"]
        assert pane.messages[0].text == "what is new?"
        assert pane.messages[-1].status == "failed"
        assert pane.search.web  # still on: switching to a grok-4 model and retrying works
        app.set_conversation_model(pane, "grok-4-0709")
        pane.retry_reply(pane.messages[-1].id)
        await pane.turn_worker.wait()
        await pilot.pause()
        assert pane.messages[-1].status == "complete" and pane.messages[-1].sources is not None


async def test_empty_and_failed_searches_are_explained_under_the_reply(emulator, tmp_path) -> None:
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        await pilot.press("f3")
        await send(pane, pilot, "!search-empty obscure topic")
        last = list(pane.query(FinishedMessage))[-1]
        assert "web search for \u201cobscure topic\u201d: no results" in widget_text(last)
        await send(pane, pilot, "!search-fail obscure topic")
        last = list(pane.query(FinishedMessage))[-1]
        assert "web search for \u201cobscure topic\u201d failed" in widget_text(last)
        await wait_workers(app, pilot, "store")
