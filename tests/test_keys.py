"""Keys as terminals send them: ESC-prefixed alt, a ctrl/F-key for every alt binding, one paste,
no keys lost after enter, and a README key table that is the real bindings.

Pilot tests post the key events the parser produces (events.Key) straight to the app, without
waiting between keys, which is how a fast typist or a terminal burst arrives.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual._xterm_parser import XTermParser
from textual.worker import WorkerCancelled
from ui_helpers import make_app, notifications, wait_started, wait_until

from grokterm.ui.keys import AltPrefixParser, install_alt_prefix_parser, key_rows, keys_for, readme_table
from grokterm.ui.screens.conversations_screen import ConversationsScreen
from grokterm.ui.widgets.composer import PASTE_LIMIT

ROOT = Path(__file__).resolve().parent.parent


def parse(data: str, parser_class: type[XTermParser] = AltPrefixParser) -> list[tuple[str, str | None]]:
    parser = parser_class()
    tokens = list(parser.feed(data)) + list(parser.feed(""))  # "" ends input: no ESC-delay wait
    return [(t.key, t.character) for t in tokens if isinstance(t, events.Key)]


# -- the parser ------------------------------------------------------------------------------

def test_textual_alone_types_the_letter_of_an_esc_prefixed_alt_key():
    """Why AltPrefixParser exists: if Textual ever fixes this, the parser can go."""
    assert parse("\x1bw", XTermParser) == [("alt+w", "w")]  # printable: a TextArea types "w"
    assert parse("\x1b\r", XTermParser) == [("enter", "\r")]  # the alt is lost: enter sends


def test_esc_prefixed_keys_become_alt_keys_without_a_character():
    assert parse("\x1bw") == [("alt+w", None)]
    assert parse("\x1bW") == [("alt+shift+w", None)]
    assert parse("\x1b\r") == [("alt+enter", None)]
    assert parse("\x1ba") == [("alt+a", None)]


def test_alt_keys_in_quick_succession_and_keys_then_a_paste():
    # Textual alone replays a pending ESC+key without alt when another ESC follows quickly
    assert ("circumflex_accent", "^") in parse("\x1bw\x1bw", XTermParser)
    assert parse("\x1bw\x1bw") == [("alt+w", None), ("alt+w", None)]
    keys = parse("abc\x1b\rdef\x1b[200~hi\x1b[201~")
    assert keys == [("a", "a"), ("b", "b"), ("c", "c"), ("alt+enter", None), ("d", "d"), ("e", "e"), ("f", "f")]
    parser = AltPrefixParser()
    tokens = list(parser.feed("\x1b\rd\x1b[200~hi\x1b[201~")) + list(parser.feed(""))
    assert [t.text for t in tokens if isinstance(t, events.Paste)] == ["hi"]


def test_terminal_sequences_are_not_read_as_alt_keys():
    assert parse("\x1b[1;5D") == [("ctrl+left", None)]
    assert parse("\x1bOP") == [("f1", None)]


def test_other_keys_are_untouched():
    assert parse("w") == [("w", "w")]
    assert parse("\x1b") == [("escape", "\x1b")]
    assert parse("\x1b[A") == [("up", None)]
    assert parse("\x1b[1;3C") == [("alt+right", None)]  # alt as a modifier (xterm CSI)
    assert parse("\x1b\x7f") == [("ctrl+w", None)]  # alt+backspace: delete a word


def test_the_app_installs_the_parser_in_its_driver():
    import textual.drivers.linux_driver as linux_driver

    class Driver(linux_driver.LinuxDriver):
        pass

    saved = linux_driver.XTermParser
    try:
        install_alt_prefix_parser(Driver)
        assert linux_driver.XTermParser is AltPrefixParser
    finally:
        linux_driver.XTermParser = saved


# -- the binding rules -----------------------------------------------------------------------

def test_every_alt_binding_has_a_ctrl_or_function_key_alternative():
    for row in key_rows():
        if any(k.startswith("alt+") for k in row.keys):
            others = [k for k in row.keys if not k.startswith("alt+")]
            assert any(k.startswith("ctrl+") or (k.startswith("f") and k[1:].isdigit()) for k in others), row


def test_binding_ids_are_unique():
    ids = [row.binding_id for row in key_rows()]
    assert len(ids) == len(set(ids))


def test_no_key_does_two_things_in_one_place():
    """Several developers add bindings: a key bound twice in one place (or an app key the composer
    takes) silently loses one of them."""
    seen: dict[tuple[str, str], str] = {}
    for row in key_rows():
        for key in row.keys:
            assert (row.where, key) not in seen, f"{key} is both {seen[row.where, key]} and {row.binding_id}"
            seen[row.where, key] = row.binding_id
    composer = {key for (where, key) in seen if where == "composer"}
    anywhere = {key for (where, key) in seen if where == "anywhere"}
    assert not composer & anywhere


def test_readme_key_table_is_the_real_bindings():
    readme = (ROOT / "README.md").read_text()
    assert readme_table() in readme, "README key table is stale: run `python -m grokterm.ui.keys`"
    for key in ("f4", "ctrl+g", "f8", "f9", "alt+w", "ctrl+j"):
        assert f" {key} " in readme_table() or f" {key} /" in readme_table() or f"/ {key} " in readme_table(), key


def test_keys_for_honours_a_remap():
    assert keys_for("app.close") == "alt+w / f8"
    assert keys_for("app.close", {"app.close": "ctrl+t"}) == "ctrl+t"


# -- in the app ------------------------------------------------------------------------------

def post_keys(app, *keys: str) -> None:
    """Queue key events as the driver would, with no pause between them."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


async def test_alt_w_closes_the_tab_while_the_composer_has_focus(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: len(app.chat.panes()) == 2, what="a second tab")
        second = app.active_pane()
        assert second is not pane and second.composer.has_focus
        post_keys(app, "a", "alt+w")
        await wait_until(pilot, lambda: len(app.chat.panes()) == 1, what="alt+w to close the tab")
        assert app.active_pane() is pane
        assert "w" not in pane.composer.text


def test_an_unbound_alt_key_is_typed_not_lost():
    from grokterm.ui.keys import typed_if_unbound

    def typed(key: str, bound: tuple[str, ...] = ("alt+w",)) -> tuple[str, str | None]:
        event = typed_if_unbound(events.Key(key, None), bound)
        return event.key, event.character

    assert typed("alt+x") == ("x", "x")  # esc pressed then x within the ESC delay
    assert typed("alt+shift+x") == ("X", "X")
    assert typed("alt+full_stop") == ("full_stop", ".")
    assert typed("alt+w") == ("alt+w", None)  # bound: stays an alt key
    assert typed("alt+enter") == ("alt+enter", None)  # not a character
    assert typed("ctrl+x") == ("ctrl+x", None)


async def test_esc_then_a_letter_quickly_types_the_letter_in_the_composer(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        pane.composer.focus()
        post_keys(app, "a", "alt+x", "b")
        await wait_until(pilot, lambda: pane.composer.text == "axb", what="the x to be typed")


async def test_alt_enter_and_ctrl_j_add_a_newline_and_do_not_send(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        pane.composer.focus()
        post_keys(app, "a", "alt+enter", "b", "ctrl+j", "c")
        await wait_until(pilot, lambda: pane.composer.text == "a\nb\nc", what="three lines in the composer")
        assert pane.turn_worker is None and pane.messages == []


async def test_keys_typed_right_after_enter_stay_in_the_composer(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        pane.composer.focus()
        post_keys(app, "a", "b", "c", "enter", "x", "y", "z")
        await wait_until(pilot, lambda: pane.turn_worker is not None, what="the send")
        await pane.turn_worker.wait()
        await pilot.pause()
        assert pane.messages[0].text == "abc"
        assert pane.composer.text == "xyz"


async def test_a_paste_is_inserted_once(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        pane.composer.focus()
        post_keys(app, "a")
        app.post_message(events.Paste("hello\nworld"))
        post_keys(app, "b")
        await wait_until(pilot, lambda: pane.composer.text.endswith("b"), what="the paste and the key after it")
        assert pane.composer.text == "ahello\nworldb"


async def test_a_huge_paste_is_refused_with_a_message(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        pane.composer.focus()
        pane.composer.load_text("draft")
        app.post_message(events.Paste("x" * (PASTE_LIMIT + 1)))
        await wait_until(pilot, lambda: any("Not inserted" in n for n in notifications(app)), what="the refusal")
        assert pane.composer.text == "draft"
        assert f"{PASTE_LIMIT + 1:,} characters" in notifications(app)[-1]


async def test_alt_a_archives_in_the_finder_while_its_search_field_has_focus(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_started(app, pilot)
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, ConversationsScreen), what="the finder")
        screen = app.screen
        await wait_until(pilot, lambda: bool(screen.entries), what="the finder's list")
        search = screen.query_one("#conversations-query")
        assert search.has_focus
        post_keys(app, "alt+a")
        await wait_until(pilot, lambda: any(n.startswith("Archived") for n in notifications(app)),
                         what="alt+a to archive")
        post_keys(app, "ctrl+t")
        await wait_until(pilot, lambda: screen.show_archived, what="ctrl+t to show archived")
        post_keys(app, "alt+t")
        await wait_until(pilot, lambda: not screen.show_archived, what="alt+t to hide archived")
        assert search.value == ""


async def test_the_palette_and_finder_show_the_users_remapped_keys(emulator, tmp_path):
    app = make_app(emulator, tmp_path, keymap={"app.close": "ctrl+t", "conversations.archive": "ctrl+y"})
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_started(app, pilot)
        helps = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert helps["Close conversation"].endswith("(ctrl+t)")
        assert helps["System prompt"].endswith("(f4)")
        assert helps["Paste image from clipboard"].endswith("(ctrl+g)")
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, ConversationsScreen), what="the finder")
        assert "ctrl+y archive" in str(app.screen.query_one(".picker-help").render())


async def test_a_removed_composer_draws_blank_instead_of_crashing(emulator, tmp_path):
    """Closing a tab then opening the finder at once left the closed composer in the map of the
    screen below the modal; drawing it raised KeyError 'text-area--gutter' and the app died (seen in
    tests/test_tmux.py). A removed composer now draws blank lines."""
    from textual.geometry import Region

    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await wait_started(app, pilot)
        composer = pane.composer
        await composer.remove()
        assert not composer.is_attached
        lines = composer.render_lines(Region(0, 0, 20, 3))
        assert len(lines) == 3 and all(line.cell_length == 20 and not line.text.strip() for line in lines)


async def test_keys_typed_right_after_ctrl_n_go_to_the_new_tab(emulator, tmp_path):
    """A terminal user presses ctrl+n and types at once: the keys belong to the new conversation."""
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        first = await wait_started(app, pilot)
        first.composer.focus()
        await pilot.pause()
        post_keys(app, "o", "l", "d", "ctrl+n", "n", "e", "w", "enter")
        await wait_until(pilot, lambda: app.active_pane() not in (None, first), what="a second tab, active")
        second = app.active_pane()
        await wait_until(pilot, lambda: second.turn_worker is not None, what="enter to send in the new tab")
        await second.turn_worker.wait()
        await pilot.pause()
        assert first.composer.text == "old"
        assert [m.text for m in second.messages if m.role == "user"] == ["new"]
        assert second.composer.has_focus


async def test_a_message_sent_before_the_new_tab_read_its_history_is_kept_and_shown_once(emulator, tmp_path,
                                                                                          monkeypatch):
    """ctrl+n, typing and enter at once: the turn starts while the new tab still reads its (empty) history.
    The read is held until the turn has started; the turn must wait for it, or the read replaces the
    pane's messages (the sent one vanished from them) or shows them twice."""
    import threading

    from grokterm.ui.widgets.conversation_pane import ConversationPane
    from grokterm.ui.widgets.finished_message import FinishedMessage

    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        first = await wait_started(app, pilot)
        first.composer.focus()
        await pilot.pause()
        release = threading.Event()
        read_page = ConversationPane._read_page

        def held_read(pane, before_id, window):
            if pane is not first:
                release.wait(timeout=20)  # (bounded: the test fails rather than hangs)
            return read_page(pane, before_id, window)

        monkeypatch.setattr(ConversationPane, "_read_page", held_read)
        post_keys(app, "ctrl+n", "n", "e", "w", "enter")
        await wait_until(pilot, lambda: app.active_pane() not in (None, first), what="a second tab, active")
        second = app.active_pane()
        await wait_until(pilot, lambda: second.turn_worker is not None, what="enter to send in the new tab")
        for _ in range(3):
            await pilot.pause()
        release.set()
        await second.turn_worker.wait()
        await pilot.pause()
        assert [m.text for m in second.messages if m.role == "user"] == ["new"]
        users = [w for w in second.query(FinishedMessage) if w.data.role == "user"]
        assert len(users) == 1


async def test_keys_typed_right_after_switching_or_closing_a_tab_go_to_the_tab_shown(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        first = await wait_started(app, pilot)
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: app.active_pane() not in (None, first), what="a second tab, active")
        second = app.active_pane()
        await wait_until(pilot, lambda: second.composer.has_focus, what="the second tab's composer focused")
        post_keys(app, "a", "ctrl+pageup", "b", "ctrl+pagedown", "c", "alt+left", "d")
        await wait_until(pilot, lambda: first.composer.text == "bd", what="b and d in the first tab")
        assert second.composer.text == "ac"
        post_keys(app, "alt+right", "f8", "e")  # close the second tab: e goes to the first one
        await wait_until(pilot, lambda: len(app.chat.panes()) == 1 and first.composer.text == "bde",
                         what="the tab closed and e typed into the first tab")
        assert first.composer.has_focus


async def test_tab_keys_do_nothing_under_a_dialog(emulator, tmp_path):
    """The tab keys run before the focused widget sees them, but not while a dialog is open."""
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_started(app, pilot)
        await pilot.press("f2")  # rename: a modal dialog with a text field
        await wait_until(pilot, lambda: app.screen.is_modal, what="the rename dialog")
        post_keys(app, "ctrl+n", "f8", "ctrl+pagedown", "x")
        await wait_until(pilot, lambda: "x" in app.screen.query_one("Input").value, what="x typed in the dialog")
        assert len(app.chat.panes()) == 1 and app.screen.is_modal


# -- a bracketed paste that holds ESC ----------------------------------------------------------

PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"
ESCAPING_PASTE = "a\x1bb \x1b[31mred\x1b[0m\rline\x1b\rsent?\x1b\x1bw" + "x" * 40 + "\x1b"


def tokens_of(chunks: list[str], parser_class: type[XTermParser] = AltPrefixParser) -> list:
    parser = parser_class()
    tokens = [token for chunk in chunks if chunk for token in parser.feed(chunk)]  # "" would end input
    return tokens + list(parser.feed(""))


def pastes_and_keys(tokens: list) -> tuple[list[str], list[str]]:
    return ([t.text for t in tokens if isinstance(t, events.Paste)],
            [t.key for t in tokens if isinstance(t, events.Key)])


def test_textual_alone_turns_the_rest_of_a_paste_after_an_esc_into_keys():
    """Why AltPrefixParser reads pastes itself: if Textual ever fixes this, that part can go."""
    pastes, keys = pastes_and_keys(tokens_of([f"k{PASTE_START}{ESCAPING_PASTE}{PASTE_END}m"], XTermParser))
    assert pastes != [ESCAPING_PASTE]
    assert "enter" in keys  # a pasted carriage return after an ESC would have sent the message


def test_a_paste_holding_esc_arrives_as_one_paste_and_never_as_keys():
    data = f"k{PASTE_START}{ESCAPING_PASTE}{PASTE_END}m"
    assert pastes_and_keys(tokens_of([data])) == ([ESCAPING_PASTE], ["k", "m"])
    for cut in range(len(data) + 1):  # the terminal's bytes split across reads anywhere
        assert pastes_and_keys(tokens_of([data[:cut], data[cut:]])) == ([ESCAPING_PASTE], ["k", "m"]), cut
    assert pastes_and_keys(tokens_of(list(data))) == ([ESCAPING_PASTE], ["k", "m"])  # one byte per read


def test_keys_around_pastes_keep_their_order_and_meaning():
    data = f"\x1bw{PASTE_START}one{PASTE_END}\x1b[1;5D{PASTE_START}{PASTE_END}\x1b\r"
    tokens = tokens_of([data])
    assert [(type(t).__name__, getattr(t, "key", None) or getattr(t, "text", None)) for t in tokens] == [
        ("Key", "alt+w"), ("Paste", "one"), ("Key", "ctrl+left"), ("Paste", ""), ("Key", "alt+enter")]


def test_a_held_escape_is_still_the_escape_key_after_the_escape_delay(monkeypatch):
    import textual._parser

    from grokterm.ui import keys

    clock = [100.0]
    monkeypatch.setattr(keys, "get_time", lambda: clock[0])
    monkeypatch.setattr(textual._parser, "get_time", lambda: clock[0])
    parser = AltPrefixParser()
    for held in ("\x1b", "\x1b[", "\x1b[20"):  # could start a paste: held until more comes or time is up
        assert list(parser.feed(held)) == []
        assert list(parser.tick()) == []
        clock[0] += 1.0
        keys_out = [t.key for t in parser.tick() if isinstance(t, events.Key)]
        assert keys_out and keys_out[0] in ("escape", "alt+left_square_bracket"), (held, keys_out)


async def test_a_pasted_esc_and_other_controls_are_removed_by_the_sanitising_path(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        pane.composer.focus()
        app.post_message(events.Paste("say \x1b[31mred\x1b[0m\x1b]0;title\x07\rnext\r\nline\x1b\tend\u202e"))
        await wait_until(pilot, lambda: "end" in pane.composer.text, what="the paste")
        assert pane.composer.text == "say red\nnext\nline\tend⟨U+202E⟩"
        assert pane.turn_worker is None  # nothing in it acted as a key


async def test_esc_then_typing_at_once_stops_the_reply_and_types(emulator_factory, tmp_path):
    """Escape and a letter in one read (tmux joins them within its 500 ms escape-time) read as an
    alt key; nothing is bound to it, so it was escape, then the letter: the reply stops, o is typed."""
    slow = emulator_factory(speed=40.0)
    app = make_app(slow, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await wait_started(app, pilot)
        pane.composer.load_text("!long 3000")
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane.streaming is not None and len(pane.streaming.text) >= 20,
                         what="the reply to start streaming")
        turn = pane.turn_worker
        assert turn is not None
        parser = AltPrefixParser()
        for token in [*parser.feed("\x1bo"), *parser.feed("k")]:  # what the terminal sends
            app.post_message(token)
        await wait_until(pilot, lambda: turn.is_finished, what="the reply to stop")
        with pytest.raises(WorkerCancelled):
            await turn.wait()  # cancelled by esc; the stopped reply is drawn by then
        await pilot.pause()
        assert pane.messages[-1].role == "assistant" and pane.messages[-1].status == "stopped"
        assert pane.composer.text == "ok"


def test_only_an_esc_prefixed_alt_key_stands_for_an_escape():
    from grokterm.ui.keys import unbound_alt_as_typed

    (esc_o,) = AltPrefixParser().feed("\x1bo")
    assert [(k.key, k.character) for k in unbound_alt_as_typed(esc_o, set())] == [("escape", "\x1b"), ("o", "o")]
    assert [k.key for k in unbound_alt_as_typed(esc_o, {"alt+o"})] == ["alt+o"]  # bound: the binding
    real_alt = events.Key("alt+o", None)  # kitty protocol / CSI 1;3x: no ESC involved
    assert [k.key for k in unbound_alt_as_typed(real_alt, set())] == ["o"]
    assert [k.key for k in unbound_alt_as_typed(esc_o, set(), escape_first=False)] == ["o"]


async def test_esc_then_a_dialog_key_at_once_closes_the_dialog_once(emulator, tmp_path):
    """Under a dialog whose letter keys answer it, ESC y must not be escape (dismiss) and y (dismiss
    again): the second dismissal would pop the chat screen too. There the letter acts, as before."""
    from textual.screen import ModalScreen

    from grokterm.ui.screens.response_detail import ConfirmDialog

    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_started(app, pilot)
        answers: list[bool | None] = []
        app.push_screen(ConfirmDialog("Delete it?", "It cannot be undone."), answers.append)
        await wait_until(pilot, lambda: isinstance(app.screen, ModalScreen), what="the dialog")
        for token in AltPrefixParser().feed("\x1by"):
            app.post_message(token)
        await wait_until(pilot, lambda: bool(answers), what="an answer")
        await pilot.pause()
        assert answers == [True] and app.screen is app.chat


async def test_a_paste_into_any_text_field_is_sanitised(emulator, tmp_path):
    """The finder's search field is a Textual Input with its own paste handler: the app sanitises
    every paste before any widget sees it."""
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_started(app, pilot)
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, ConversationsScreen), what="the finder")
        field = app.screen.query_one("#conversations-query")
        await wait_until(pilot, lambda: field.has_focus, what="the search field focused")
        app.post_message(events.Paste("ab\x1b[31mRED\x1b[0mcd\x1b]0;pwned\x07\x9b2J"))
        await wait_until(pilot, lambda: "cd" in field.value, what="the paste")
        assert field.value == "abREDcd"


async def test_keys_typed_right_after_opening_from_the_finder_go_to_the_opened_tab(emulator, tmp_path):
    from grokterm.store import Store

    store = Store(tmp_path / "grokterm.db")
    older = store.create_conversation(title="Sourdough", model="grok-4-0709")
    store.add_message(older.id, "user", "hydration of a sourdough starter")
    store.close()
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        first = await wait_started(app, pilot)
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, ConversationsScreen) and any(
            e.conversation_id == older.id for e in app.screen.entries), what="the finder, with its rows")
        finder = app.screen
        finder.query_one("OptionList").highlighted = next(
            i for i, e in enumerate(finder.entries) if e.conversation_id == older.id)
        post_keys(app, "enter", "h", "i")
        await wait_until(pilot, lambda: app.active_pane() not in (None, first) and app.screen is app.chat,
                         what="the conversation opened")
        opened = app.active_pane()
        await wait_until(pilot, lambda: opened.composer.text == "hi", what="hi in the opened tab")
        assert first.composer.text == "" and opened.conversation.id == older.id


async def test_the_welcome_screen_offers_only_keys_that_work_there(emulator, tmp_path):
    """Before the chat screen exists, ctrl+n, alt+w, ctrl+l … do nothing: the footer leaves them out."""
    from textual.widgets._footer import FooterKey

    app = make_app(emulator, tmp_path, api_key=None, show_welcome=True)
    async with app.run_test(size=(120, 40)) as pilot:
        def shown() -> set[str]:
            return {key.key for key in app.screen.query(FooterKey)}

        await wait_until(pilot, lambda: {"ctrl+q", "ctrl+d"} <= shown(), what="the welcome footer")
        assert not shown() & {"ctrl+n", "alt+w", "ctrl+l", "ctrl+b", "escape", "ctrl+o", "ctrl+r", "ctrl+f"}
