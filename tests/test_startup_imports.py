"""The first frame imports only what it draws: no client, wire models, validation library or image stack.

Each case starts the app in a fresh Python process the way the launcher does (argument parsing,
config.toml, `build_context`, then the app, headless) and lists, at the first frame that shows
the conversation's composer (or the welcome screen when no key is configured), which of the
heavy modules are loaded. Importing one of them again on the way to the first frame (an eager
import in a widget module, a helper that reaches for the model list) fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grokterm.config.startup import load_startup_settings

# Loaded after the first frame (in a thread, or when first used), never before it.
HEAVY = [
    "httpx", "grokterm.xai.client", "grokterm.xai.wire", "grokterm.chat.runner", "grokterm.chat.models",
    "PIL", "textual_image", "keyring", "pydantic", "tomlkit",
]

CHILD = r"""
import asyncio, json, sys
from grokterm.cli import build_parser
from grokterm.ui.launch import build_context
from grokterm.ui import terminal_graphics

args = build_parser([]).parse_args([])
terminal_graphics.probe()
from grokterm.ui.app import GrokApp
terminal_graphics.wait_for_probe()
context = build_context(args)
app = GrokApp(context)
HEAVY = json.loads(sys.argv[1])
seen = {}
original = GrokApp._display

def display(self, screen, renderable):
    result = original(self, screen, renderable)
    if not seen:
        pane = self.active_pane()
        shown = (pane is not None and pane.is_mounted and pane.composer.is_mounted) or (
            type(self.screen).__name__ == "WelcomeScreen" and self.screen.is_mounted)
        if shown:
            seen["screen"] = type(self.screen).__name__
            seen["loaded"] = sorted(name for name in HEAVY if name in sys.modules)
    return result

GrokApp._display = display

async def main():
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(2000):
            if seen:
                break
            await pilot.pause(0.01)

asyncio.run(main())
print(json.dumps(seen))
"""


def first_frame_modules(home: Path, *, key: str | None) -> dict:
    env = dict(os.environ)
    env.pop("XAI_API_KEY", None)
    if key is not None:
        env["XAI_API_KEY"] = key
    env["XAI_BASE_URL"] = "http://127.0.0.1:9/v1"  # nothing is fetched before the first frame anyway
    home.mkdir(parents=True, exist_ok=True)
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(HEAVY)], capture_output=True, text=True,
                         env=env, cwd=home, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen, "the first frame never showed the composer or the welcome screen"
    return seen


@pytest.mark.parametrize("config", ["", 'theme = "grok-light"\nlazy_window = 40\n[keymap]\n"app.new" = "ctrl+t"\n'])
def test_the_first_frame_loads_no_network_side_no_validation_and_no_image_stack(isolated_user_files, config):
    """config.toml as validated at an earlier start (the usual case: the file did not change since)."""
    if config:
        path = isolated_user_files / "config" / "config.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(config, encoding="utf-8")
    load_startup_settings()  # an earlier start validated this file
    seen = first_frame_modules(isolated_user_files, key="xai-test-key")
    assert seen["screen"] == "ChatScreen"
    assert seen["loaded"] == []


def test_a_changed_config_file_is_validated_before_the_first_frame(isolated_user_files):
    path = isolated_user_files / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('theme = "grok-light"\n', encoding="utf-8")
    load_startup_settings()
    path.write_text('theme = "high-contrast"\n', encoding="utf-8")
    seen = first_frame_modules(isolated_user_files, key="xai-test-key")
    assert seen["loaded"] == ["pydantic", "tomlkit"]


def test_the_welcome_screen_without_a_key_loads_none_of_them_either(isolated_user_files):
    load_startup_settings()
    seen = first_frame_modules(isolated_user_files, key=None)
    assert seen["screen"] == "WelcomeScreen"
    assert seen["loaded"] == ["keyring"]  # asked whether it holds a key: that is how we know there is none
