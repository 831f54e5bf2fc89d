"""Keys the way terminals send them, and the one table of every binding (README, palette, hints).

Alt as an ESC prefix. Most terminals, and tmux always, send alt+w as the two bytes ESC w.
Textual 8.2.8's parser (`textual/_xterm_parser.py`) turns that into `Key("alt+w", character="w")`
after its ESC delay; `Key.is_printable` only looks at the character, so a focused TextArea or
Input types a "w" and the alt+w binding never runs (the same analysis: tconbeer/harlequin#1131).
For ESC followed by Enter, Tab or a control key it is worse: the alt is dropped and the key
arrives bare (alt+enter became enter, which sent the message). And when another ESC follows
within the delay (two alt keys in a row, or keys then a paste), the pending ESC+key is replayed
without alt at all: alt+w alt+w typed "^w". `AltPrefixParser` reports ESC+key as alt+<key> with
no character as soon as the key arrives (unless the key starts a terminal sequence: `[`, `O`, …),
so it reaches the bindings like any other modified key, whichever widget has focus. Alt as a real
modifier (the kitty protocol, xterm's CSI 1;3x) already arrives as alt+<key> with no character.
Every alt binding also has a ctrl or function-key alternative for terminals where alt does
neither (`tests/test_keys.py` checks that rule).

Bracketed paste. Textual's parser reads a paste (`ESC[200~ … ESC[201~`) one character at a time
with its key logic: an ESC inside the pasted text starts an "escape sequence" that is then replayed
as keys (a pasted carriage return after it is enter, which sends the message) and the paste is cut
there. `AltPrefixParser.feed` takes pastes out of the input before that logic sees them: everything
between the markers, ESC included, becomes one `events.Paste`, never keys. The app then passes every
paste through the sanitising path (`GrokApp.on_event`, `grokterm.sanitize.pasted_text`) before any
widget sees it. It is also cheap: no per-character parsing (bench/bench_paste_parse.py). A possible start marker
cut by the end of a read (`ESC`, `ESC[`, … `ESC[200`) is held until the next read or until the ESC
delay has passed; then it is what it was before (escape, alt+[ …), with no extra wait.
"""

from __future__ import annotations

import sys
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from textual import constants, events
from textual._time import get_time
from textual._xterm_parser import BRACKETED_PASTE_END, BRACKETED_PASTE_START, XTermParser
from textual.binding import Binding
from textual.keys import key_to_character
from textual.message import Message

ALT = "alt+"


ESC = "\x1b"
# After ESC these start a sequence from the terminal (CSI, SS3, DCS, OSC, APC, PM, ST), not alt+key.
SEQUENCE_INTRODUCERS = frozenset("[OP]_^\\")


ESC_PREFIXED = "grokterm_esc_prefixed"  # set on the alt keys this parser made from ESC + key


def _as_alt(keys: Iterable[events.Key]) -> Iterator[events.Key]:
    for event in keys:
        alt = events.Key(event.key if event.key.startswith(ALT) else ALT + event.key, None)
        setattr(alt, ESC_PREFIXED, True)
        yield alt


def esc_prefixed(event: events.Key) -> bool:
    """Did this alt key arrive as ESC then a key (which may have been escape, then the key)?"""
    return bool(getattr(event, ESC_PREFIXED, False))


def _marker_tail(text: str, marker: str) -> int:
    """How many characters at the end of `text` could be the start of `marker` (cut by a read)."""
    for size in range(min(len(marker) - 1, len(text)), 0, -1):
        if text.endswith(marker[:size]):
            return size
    return 0


class AltPrefixParser(XTermParser):
    """XTermParser whose ESC-prefixed keys are alt+<key> without a character, and whose bracketed
    pastes arrive whole, ESC included, as one Paste (see module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pasted: list[str] | None = None  # inside a paste: its text so far
        self._held = ""  # the end of the last read, if it may be the start of a paste marker
        self._held_until = 0.0  # outside a paste: when a held ESC… is given up as keys

    def feed(self, data: str) -> Iterable[Message]:
        if not data:  # end of input
            if self._pasted is not None:  # cut off mid-paste: what came is still a paste
                self._pasted.append(self._held)
                self._held = ""
                yield self._paste_done()
            elif self._held:
                yield from self._give_up_held()
            yield from super().feed("")
            return
        if self._held and self._pasted is None and get_time() >= self._held_until:
            yield from self._give_up_held()
        text, self._held = self._held + data, ""
        while text:
            if self._pasted is None:
                start = text.find(BRACKETED_PASTE_START)
                if start < 0:
                    keep = _marker_tail(text, BRACKETED_PASTE_START)
                    if keep:
                        text, self._held = text[:-keep], text[-keep:]
                        self._held_until = get_time() + constants.ESCAPE_DELAY
                    yield from self._keys(text)
                    return
                yield from self._keys(text[:start])
                yield from self._expire_sequence()  # a lone ESC right before the paste: escape now
                self._pasted = []
                text = text[start + len(BRACKETED_PASTE_START):]
            else:
                end = text.find(BRACKETED_PASTE_END)
                if end < 0:
                    keep = _marker_tail(text, BRACKETED_PASTE_END)
                    self._pasted.append(text[:len(text) - keep])
                    self._held = text[len(text) - keep:]
                    return
                self._pasted.append(text[:end])
                yield self._paste_done()
                text = text[end + len(BRACKETED_PASTE_END):]

    def tick(self) -> Iterable[Message]:
        if self._held and self._pasted is None and get_time() >= self._held_until:
            yield from self._give_up_held()
        yield from super().tick()

    def _keys(self, text: str) -> Iterable[Message]:
        if text:
            yield from super().feed(text)

    def _give_up_held(self) -> Iterable[Message]:
        """A held ESC, ESC[ … did not become a paste: parse it now, its ESC delay already spent."""
        held, self._held = self._held, ""
        yield from super().feed(held)
        yield from self._expire_sequence()

    def _expire_sequence(self) -> Iterable[Message]:
        if self._timeout_time is not None:  # Textual's parser waits for the rest of an ESC sequence
            self._timeout_time = get_time()
            yield from super().tick()

    def _paste_done(self) -> events.Paste:
        text = "".join(self._pasted or ())
        self._pasted = None
        return events.Paste(text.replace("\x00", ""))  # NUL removed, as Textual does (textual#1661)

    def _sequence_to_key_events(self, sequence: str, alt: bool = False) -> Iterable[events.Key]:
        keys = list(super()._sequence_to_key_events(sequence, alt=alt))
        if alt:  # a pending ESC+key replayed after the ESC delay
            yield from _as_alt(keys)
        elif (not keys and len(sequence) == 2 and sequence[0] == ESC
              and sequence[1] != ESC and sequence[1] not in SEQUENCE_INTRODUCERS):
            yield from _as_alt(super()._sequence_to_key_events(sequence[1], alt=True))  # ESC+key: now
        else:
            yield from keys


def unbound_alt_as_typed(event: events.Key, bound: Container[str], *, escape_first: bool = True) -> list[events.Key]:
    """The keys an alt key stands for when nothing is bound to it (`event` itself when something is).

    ESC then a key, within the ESC delay, is what a terminal sends for alt+key; it is also what the
    user sends by pressing escape and typing at once (tmux joins them into one alt key when they
    come within its escape-time, 500 ms by default). When nothing is bound to that alt key, the
    user pressed escape: it is delivered (esc stops a streaming reply), then the
    key, typed if it is a character (`typed_if_unbound`). Real alt keys (the kitty protocol, xterm's
    CSI 1;3x) never stand for an escape: only the key is typed. The caller passes
    `escape_first=False` where escape and the key could both close the same dialog (two dismissals
    would pop the screen below it too): there only the key is typed, as before.
    """
    if not event.key.startswith(ALT) or event.key in bound:
        return [event]
    keys = [typed_if_unbound(event, bound)]
    if escape_first and esc_prefixed(event):
        keys.insert(0, events.Key("escape", ESC))
    return keys


def typed_if_unbound(event: events.Key, bound: Container[str]) -> events.Key:
    """An alt+<character> key that nothing is bound to becomes that character, typed.

    ESC then a letter within the ESC delay reads as alt+letter (it is what tmux sends for
    alt+letter); when no binding takes it, the letter must not vanish: it is typed, as it was
    before AltPrefixParser. Alt keys that are bound, and alt+<non-character>, pass unchanged.
    """
    if event.character is not None or not event.key.startswith(ALT) or event.key in bound:
        return event
    rest = event.key[len(ALT):]
    upper = rest.startswith("shift+") and len(rest) == len("shift+") + 1
    character = rest[-1].upper() if upper else key_to_character(rest)
    if character is None or not character.isprintable():
        return event
    return events.Key(character if upper else rest, character)


def install_alt_prefix_parser(driver_class: type) -> None:
    """Make `driver_class` (a Textual driver) parse input with AltPrefixParser.

    The Linux and Windows drivers create `XTermParser(...)` by the name imported in their
    module, so rebinding that name is enough; a driver that does not (headless, web) is left alone.
    """
    for cls in driver_class.__mro__:  # the Textual driver, or the one it extends (not a subclass's module)
        module = sys.modules.get(cls.__module__) if cls.__module__.startswith("textual.") else None
        if module is not None and getattr(module, "XTermParser", None) is XTermParser:
            module.XTermParser = AltPrefixParser  # type: ignore[attr-defined]


# -- the table of bindings -------------------------------------------------------------------

@dataclass(frozen=True)
class KeyRow:
    where: str  # "anywhere", "composer", "focused message", …
    binding_id: str
    keys: tuple[str, ...]
    description: str


def _binding_sources() -> list[tuple[str, Any]]:
    """(where, class) for every class with user-facing bindings, in the order the README lists them."""
    from grokterm.ui.app import GrokApp
    from grokterm.ui.screens.attach_screen import AttachScreen
    from grokterm.ui.screens.conversations_screen import ConversationsScreen
    from grokterm.ui.screens.image_viewer import ImageViewer
    from grokterm.ui.screens.model_picker import ModelPicker
    from grokterm.ui.screens.response_detail import ResponseDetailScreen
    from grokterm.ui.screens.responses_screen import ResponsesScreen
    from grokterm.ui.screens.settings_screen import SettingsScreen
    from grokterm.ui.screens.welcome import WelcomeScreen
    from grokterm.ui.widgets.attachment_chips import AttachmentChip
    from grokterm.ui.widgets.composer import Composer
    from grokterm.ui.widgets.finished_message import FinishedMessage

    return [
        ("anywhere", GrokApp),
        ("composer", Composer),
        ("focused message", FinishedMessage),
        ("attachment chip", AttachmentChip),
        ("attach picker (ctrl+o)", AttachScreen),
        ("image viewer (v on a generated picture)", ImageViewer),
        ("model picker", ModelPicker),
        ("conversations finder", ConversationsScreen),
        ("responses browser", ResponsesScreen),
        ("response detail", ResponseDetailScreen),
        ("settings", SettingsScreen),
        ("welcome", WelcomeScreen),
    ]


def _bindings_of(cls: Any) -> Iterator[Binding]:
    for item in cls.__dict__.get("BINDINGS", []):
        if isinstance(item, Binding):
            yield item


def split_keys(keys: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in keys.split(",") if k.strip())


def key_rows(keymap: dict[str, str] | None = None) -> list[KeyRow]:
    """Every user-facing binding with its keys (after `keymap`, the config's `[keymap]`)."""
    keymap = keymap or {}
    rows = []
    for where, cls in _binding_sources():
        for binding in _bindings_of(cls):
            if binding.id is None:
                continue
            keys = split_keys(keymap.get(binding.id, binding.key))
            rows.append(KeyRow(where, binding.id, keys, binding.tooltip or binding.description or binding.action))
    return rows


def default_keys(binding_id: str) -> tuple[str, ...]:
    for row in key_rows():
        if row.binding_id == binding_id:
            return row.keys
    raise KeyError(binding_id)


SHORT_NAMES = {"escape": "esc", "delete": "del", "question_mark": "?"}


def display_keys(keys: Iterable[str]) -> str:
    """Key names as the README and the palette show them: `alt+w / f8`, `esc`."""
    return " / ".join(SHORT_NAMES.get(k, k) for k in keys)


def keys_for(binding_id: str, keymap: dict[str, str] | None = None) -> str:
    """The live keys of one binding, honouring the user's remaps, for hints and the palette."""
    if keymap and binding_id in keymap:
        return display_keys(split_keys(keymap[binding_id]))
    return display_keys(default_keys(binding_id))


README_START = "<!-- keys:start (generated by `python -m grokterm.ui.keys`; tests/test_keys.py checks it) -->"
README_END = "<!-- keys:end -->"


def readme_table() -> str:
    """The README's key table, generated from the real bindings."""
    lines = [README_START, "", "| where | keys | action | id for `[keymap]` |", "|---|---|---|---|"]
    for row in key_rows():
        keys = display_keys(row.keys).replace("|", "\\|")
        lines.append(f"| {row.where} | {keys} | {row.description} | `{row.binding_id}` |")
    lines += ["", README_END]
    return "\n".join(lines)


def replace_readme_table(readme: str) -> str:
    start = readme.index(README_START)
    end = readme.index(README_END) + len(README_END)
    return readme[:start] + readme_table() + readme[end:]


if __name__ == "__main__":  # regenerate the README's table in place
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "README.md"
    path.write_text(replace_readme_table(path.read_text()))
    print(f"updated the key table in {path}")
