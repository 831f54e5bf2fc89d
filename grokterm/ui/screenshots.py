"""Writes the README's screenshots: drives the real app headlessly against the built-in emulator.

    python -m grokterm.ui.screenshots [--out screenshots]

Every picture is the real GrokApp in a temp data folder (never the user's),
talking HTTP to an emulator on 127.0.0.1, saved as SVG by Textual.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import tempfile
from pathlib import Path

SIZE = (140, 42)


def _demo_screenshot_png() -> bytes:
    """A small screenshot-like picture (window, title bar, text lines) for the vision example."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1280, 800), "#1e1e2e")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1280, 40), fill="#313244")
    for x, colour in ((20, "#f38ba8"), (50, "#f9e2af"), (80, "#a6e3a1")):
        draw.ellipse((x, 12, x + 16, 28), fill=colour)
    for row in range(14):
        width = 300 + (row * 137) % 700
        draw.rectangle((60, 80 + row * 44, 60 + width, 100 + row * 44), fill="#89b4fa" if row % 3 else "#cba6f7")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


async def _started(app, pilot):
    await pilot.pause()
    await app.wait_ready()
    await pilot.pause()
    await app.wait_ready()
    for worker in list(app.workers):
        if worker.group == "models":
            await worker.wait()
    await pilot.pause()
    return app.active_pane()


async def _send(pane, pilot, text: str) -> None:
    pane.composer.focus()
    pane.composer.load_text(text)
    await pilot.press("enter")
    await pilot.pause()
    await pane.turn_worker.wait()
    await pilot.pause()


def _focus_last_reply(pane) -> None:
    from grokterm.ui.widgets.finished_message import FinishedMessage

    replies = [w for w in pane.query(FinishedMessage) if w.data.role == "assistant"]
    if replies:
        replies[-1].focus()


async def shoot(out: Path) -> list[Path]:
    from grokterm.emulator.server import start_emulator
    from grokterm.media import prepare_image
    from grokterm.ui.app import GrokApp
    from grokterm.ui.context import AppContext

    out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a one-off script, before the app starts
    written: list[Path] = []
    emulator = start_emulator(port=0, speed=0.0, first_token_delay=0.0)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["GROKTERM_DATA_DIR"] = tmp
            os.environ["GROKTERM_CONFIG"] = str(Path(tmp) / "config.toml")
            os.environ["GROKTERM_THEMES_DIR"] = str(Path(tmp) / "themes")

            def app(theme: str = "grok-dark", model: str = "grok-4-0709") -> GrokApp:
                context = AppContext(api_key=emulator.api_key, base_url=emulator.base_url,
                                     db_path=Path(tmp) / "grokterm.db", default_model=model, theme=theme)
                return GrokApp(context)

            def save(the_app, name: str) -> None:
                path = out / f"{name}.svg"
                the_app.save_screenshot(str(path))
                written.append(path)

            chat = app(model="grok-3-mini")
            async with chat.run_test(size=SIZE) as pilot:
                pane = await _started(chat, pilot)
                await _send(pane, pilot, "Write a python function that reverses a list, with a complexity table")
                _focus_last_reply(pane)
                await pilot.pause()
                save(chat, "chat-reply-code-table")
                assert chat.chat is not None, "the chat screen is up after wait_ready"
                chat.chat.sidebar.scroll_end(animate=False)
                await pilot.pause()
                save(chat, "sidebar-reasoning-cost")
                await pilot.press("ctrl+l")
                await pilot.pause()
                save(chat, "model-picker")
                await pilot.press("escape")
                await pilot.pause()
                await pilot.press("ctrl+n")
                await pilot.pause()
                pane = chat.active_pane()
                assert pane is not None, "ctrl+n opened a conversation"
                chat.set_conversation_model(pane, "grok-4-fast-reasoning")
                picture = Path(tmp) / "screenshot.png"
                picture.write_bytes(_demo_screenshot_png())
                prepared = await asyncio.to_thread(prepare_image, picture)
                pane.add_attachment(prepared)
                pane.composer.load_text("What is on this screenshot?")
                await pilot.pause(0.3)
                save(chat, "image-attachment")
                await pilot.press("enter")
                await pilot.pause()
                assert pane.turn_worker is not None, "enter started a turn"
                await pane.turn_worker.wait()
                await pilot.pause(0.3)
                save(chat, "vision-reply")
                await pilot.press("ctrl+r")
                await pilot.pause(0.5)
                save(chat, "stored-responses")

            for theme in ("grok-light", "high-contrast"):
                themed = app(theme=theme)
                async with themed.run_test(size=SIZE) as pilot:
                    pane = await _started(themed, pilot)
                    _focus_last_reply(pane)
                    await pilot.pause()
                    save(themed, f"theme-{theme}")
    finally:
        emulator.stop()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    args = parser.parse_args()
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    for path in asyncio.run(shoot(args.out)):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
