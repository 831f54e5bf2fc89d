"""Keymap overrides from config.toml reach GrokApp's bindings by id (via AppContext.apply_settings + App.set_keymap)."""

from __future__ import annotations

from pathlib import Path

from grokterm import paths
from grokterm.config.settings import load_settings
from grokterm.ui.app import GrokApp
from grokterm.ui.context import AppContext


async def test_config_keymap_rebinds_new_conversation(emulator, tmp_path: Path) -> None:
    config = paths.config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[keymap]\n"app.new" = "ctrl+t"\n', encoding="utf-8")
    settings, warnings = load_settings()
    assert warnings == []
    context = AppContext(api_key=emulator.api_key, db_path=tmp_path / "grokterm.db").apply_settings(settings)
    context.base_url = emulator.base_url  # the test server instead of the profile's api.x.ai
    app = GrokApp(context)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.chat is not None and len(app.chat.panes()) == 1
        await pilot.press("ctrl+t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.chat.panes()) == 2
        await pilot.press("ctrl+n")  # the default key no longer opens a tab
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.chat.panes()) == 2
