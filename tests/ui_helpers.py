"""Helpers for Pilot tests of the real GrokApp against the emulator (no sleeps: wait on workers)."""

from __future__ import annotations

from pathlib import Path

from textual.worker import WorkerCancelled

from grokterm.ui.app import GrokApp
from grokterm.ui.context import AppContext
from grokterm.ui.widgets.conversation_pane import ConversationPane
from grokterm.ui.widgets.finished_message import FinishedMessage


def make_app(emulator, tmp_path: Path, **overrides) -> GrokApp:
    context = AppContext(
        api_key=overrides.pop("api_key", emulator.api_key), base_url=emulator.base_url,
        db_path=tmp_path / "grokterm.db", max_retries=overrides.pop("max_retries", 0), **overrides,
    )
    return GrokApp(context)


async def wait_started(app: GrokApp, pilot) -> ConversationPane:
    """Wait for start-up (store, client, tabs) and the active pane's history load."""
    await pilot.pause()
    await app.wait_ready()
    await pilot.pause()
    pane = app.active_pane()
    assert pane is not None, "no conversation pane after start-up"
    await wait_workers(pane, pilot, "history")
    return pane


async def settle(node, pilot, group: str) -> None:
    """Wait for `node`'s workers of `group`, and the follow-up workers they start, to finish.

    A worker replaced by a newer one (exclusive groups) is fine; a worker that failed fails the
    test here, with its error, instead of being swallowed.
    """
    for _ in range(5):  # workers may start follow-up workers (typed paths -> resubmit)
        running = [w for w in node.app.workers if w.node is node and w.group == group and not w.is_finished]
        if not running:
            break
        for worker in running:
            try:
                await worker.wait()
            except WorkerCancelled:
                pass
        await pilot.pause()
    await pilot.pause()


async def wait_workers(node, pilot, group: str) -> None:
    for worker in list(node.app.workers):
        if worker.group == group and worker.node is node:
            await worker.wait()
    await pilot.pause()


async def send(pane: ConversationPane, pilot, text: str) -> None:
    """Type a prompt (loaded in one go), press enter and wait until the reply has ended."""
    pane.composer.focus()
    pane.composer.load_text(text)
    await pilot.press("enter")
    await pilot.pause()
    assert pane.turn_worker is not None, "enter did not start a turn"
    await pane.turn_worker.wait()
    await pilot.pause()


def notifications(app: GrokApp) -> list[str]:
    return [n.message for n in app._notifications]


async def wait_until(pilot, predicate, *, attempts: int = 500, what: str = "condition") -> None:
    """Let the app process messages until `predicate()` holds (bounded; fails loudly)."""
    for _ in range(attempts):
        if predicate():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def ready_with_last_reply_focused(app: GrokApp, pilot) -> None:
    """Snapshot set-up shared by the chat snapshots: started, model list loaded, last reply focused."""
    pane = await wait_started(app, pilot)
    for worker in list(app.workers):
        if worker.group == "models":
            await worker.wait()
    list(pane.query(FinishedMessage))[-1].focus()
    await pilot.pause()
