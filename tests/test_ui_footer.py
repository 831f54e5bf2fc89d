"""The key footer is rebuilt once for a burst of binding changes (start-up makes several before its first frame)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

from grokterm.ui.widgets.footer import Footer


class Host(App):
    BINDINGS = [Binding("ctrl+x", "noop", "Noop"), Binding("ctrl+y", "other", "Other")]

    def __init__(self, footer_class: type[TextualFooter], **options) -> None:
        super().__init__()
        self.footer_class = footer_class
        self.options = options

    def compose(self) -> ComposeResult:
        yield self.footer_class(**self.options)

    def action_noop(self) -> None:
        pass

    def action_other(self) -> None:
        pass


def count_rebuilds(footer: TextualFooter) -> list[int]:
    """A list that gets one entry each time `footer` rebuilds its keys (recompose)."""
    calls: list[int] = []
    original = footer.recompose

    async def counted() -> None:
        calls.append(1)
        await original()

    footer.recompose = counted  # type: ignore[method-assign]
    return calls


async def rebuilds_for_three_changes(footer_class: type[TextualFooter]) -> tuple[int, list[str]]:
    app = Host(footer_class)
    async with app.run_test() as pilot:
        await pilot.pause()
        footer = app.query_one(TextualFooter)
        calls = count_rebuilds(footer)
        for _ in range(3):
            app.screen.refresh_bindings()
        for _ in range(3):
            await pilot.pause()
        return len(calls), [key.description for key in footer.query(FooterKey)]


async def test_a_burst_of_binding_changes_rebuilds_the_footer_once():
    rebuilds, keys = await rebuilds_for_three_changes(Footer)
    assert rebuilds == 1
    assert "Noop" in keys and "Other" in keys
    textual_rebuilds, textual_keys = await rebuilds_for_three_changes(TextualFooter)
    assert textual_rebuilds == 3 and textual_keys == keys  # Textual's own: one per change, same keys


async def test_a_held_footer_builds_its_keys_once_when_released():
    app = Host(Footer, hold=True)
    async with app.run_test() as pilot:
        await pilot.pause()
        footer = app.query_one(Footer)
        calls = count_rebuilds(footer)
        for _ in range(3):
            app.screen.refresh_bindings()
            await pilot.pause()
        assert calls == [] and list(footer.query(FooterKey)) == []
        await footer.release()  # from the app's context, as start-up does
        assert calls == [1]  # built by the time release returns
        for _ in range(3):
            await pilot.pause()
        assert calls == [1]
        assert {"Noop", "Other"} <= {key.description for key in footer.query(FooterKey)}
