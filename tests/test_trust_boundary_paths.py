"""Issue 10: text that names the wrong thing is neither lost nor disguised.

- `responses show ..` / `delete ..` must not reach `/v1` itself (the URL layer normalises `..`);
- a pasted path that is a folder, a named pipe, a symlink loop or an SVG is kept as text *and* explained.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hostile_server import HostileServer
from test_ui_attach import paste
from ui_helpers import make_app, notifications, wait_started

from grokterm.media.paste import why_not_attached
from grokterm.xai.client import XAIClient
from grokterm.xai.errors import BadRequestError


@pytest.fixture
def hostile():
    with HostileServer() as server:
        yield server


@pytest.mark.parametrize("action", ["show", "delete"])
@pytest.mark.parametrize("bad_id", ["..", ".", "a/../..", "../language-models", "%2e%2e", ""])
def test_responses_commands_refuse_ids_that_are_not_ids(hostile, action, bad_id) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "grokterm", "responses", action, bad_id, "--base-url", hostile.base_url],
        capture_output=True, timeout=60, env={**os.environ, "XAI_API_KEY": "xai-" + "k" * 30},
    )
    assert result.returncode == 9, result.stderr
    assert b"Traceback" not in result.stderr and b"not a response id" in result.stderr
    assert not [path for _, path, _, _ in hostile.requests], "the request left the machine"


async def test_the_client_never_sends_a_dot_segment(hostile) -> None:
    async with XAIClient("xai-" + "k" * 30, base_url=hostile.base_url, max_retries=0) as client:
        for bad in ("..", "x/..", "a/b", "résumé", "id with space"):
            with pytest.raises(BadRequestError, match="not a response id"):
                await client.delete_response(bad)
    assert hostile.requests == []


@pytest.fixture
def odd_paths(tmp_path):
    folder = tmp_path / "shots.png"  # a folder named like an image
    folder.mkdir()
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.png"
    loop.symlink_to(tmp_path / "loop2.png")
    (tmp_path / "loop2.png").symlink_to(loop)
    svg = tmp_path / "logo.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    return {"folder": folder, "named pipe": fifo, "symbolic link loop": loop, "SVG": svg}


def test_why_not_attached_names_the_reason(odd_paths, tmp_path) -> None:
    for words, path in odd_paths.items():
        reason = why_not_attached(str(path))
        assert reason is not None and words in reason and str(path) in reason, (words, reason)
    assert why_not_attached(f"see {odd_paths['folder']} for details") is None  # prose: not a lone path
    assert why_not_attached("hello") is None
    assert why_not_attached(str(tmp_path / "missing.png")) is not None


async def test_pasting_odd_paths_keeps_the_text_and_says_why(emulator, tmp_path, odd_paths):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        pane = await wait_started(app, pilot)
        for words, path in odd_paths.items():
            pane.composer.clear()
            await paste(app, pilot, pane, str(path))
            assert pane.composer.text == str(path)  # not lost
            assert any(words in note and str(path) in note for note in notifications(app)), words
        assert app.is_running
