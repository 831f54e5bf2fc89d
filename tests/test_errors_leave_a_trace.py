"""Errors leave a trace: every swallowed exception is logged, the log is redacted and bounded.

The log is grokterm.logs' rotating file in the data folder (warnings by default,
everything with `grokterm --debug`).
"""

from __future__ import annotations

import ast
import logging
import os
import stat
import time
from pathlib import Path

import pytest
from ui_helpers import make_app, notifications, wait_started

from grokterm import logs
from grokterm.cli import main

PACKAGE = Path(__file__).resolve().parent.parent / "grokterm"
BROAD = {"Exception", "BaseException"}
LOGGERS = {"log", "logger", "_log"}
KEY = "xai-NEVERinTHElogFILE0123456789abcdef"


def _is_broad(handler: ast.ExceptHandler) -> bool:
    kind = handler.type
    if kind is None:
        return True
    names = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    return any(isinstance(n, ast.Name) and n.id in BROAD for n in names)


def _leaves_a_trace(handler: ast.ExceptHandler) -> bool:
    """The handler re-raises (anything) or calls a logger (log.warning(...), logger.debug(...), ...)."""
    for node in ast.walk(ast.Module(body=handler.body, type_ignores=[])):
        if isinstance(node, ast.Raise):
            return True
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id in LOGGERS):
            return True
    return False


def _silent_handlers(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ExceptHandler) and _is_broad(node) and not _leaves_a_trace(node):
                found.append(f"{path.relative_to(root.parent)}:{node.lineno}")
    return found


def test_every_broad_except_logs_or_reraises():
    assert _silent_handlers(PACKAGE) == []


def test_the_scan_finds_a_silent_handler(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "bad.py").write_text("try:\n    pass\nexcept Exception:\n    pass\n")
    (pkg / "good.py").write_text("try:\n    pass\nexcept Exception:\n    log.debug('x', exc_info=True)\n")
    assert _silent_handlers(pkg) == ["pkg/bad.py:3"]


@pytest.fixture
def log_path(isolated_user_files):
    yield logs.log_file()
    logging.getLogger("grokterm").handlers.clear()


def test_debug_flag_logs_to_a_private_file_without_the_key(log_path, monkeypatch, capsys):
    monkeypatch.setenv("XAI_API_KEY", KEY)
    monkeypatch.setenv("XAI_BASE_URL", "http://127.0.0.1:9")  # nothing listens: a connection error
    assert main(["--debug", "models"]) != 0
    log = logging.getLogger("grokterm.test")
    log.warning("the key was %s, header Authorization: Bearer %s", KEY, KEY)
    try:
        raise RuntimeError(f"traceback text holding {KEY}")
    except RuntimeError:
        log.warning("swallowed", exc_info=True)
    text = log_path.read_text()
    assert "DEBUG" in text and "swallowed" in text and "Traceback" in text
    assert KEY not in text and KEY not in capsys.readouterr().err
    assert stat.S_IMODE(log_path.stat().st_mode) == 0o600


def test_without_debug_only_warnings_are_kept(log_path):
    logs.setup_logging()
    log = logging.getLogger("grokterm.test")
    log.debug("chatter")
    log.warning("worth keeping")
    text = log_path.read_text()
    assert "worth keeping" in text and "chatter" not in text


def test_the_log_rotates_and_stays_small(log_path):
    logs.setup_logging(debug=True)
    log = logging.getLogger("grokterm.test")
    for n in range(4000):
        log.debug("line %d %s", n, "x" * 200)
    files = sorted(log_path.parent.glob(logs.LOG_NAME + "*"))
    assert len(files) == 1 + logs.LOG_BACKUPS
    assert all(f.stat().st_size <= logs.LOG_BYTES + 1024 for f in files)


async def test_start_up_sweeps_image_files_a_crash_left_behind(emulator, tmp_path):
    """A crash between writing an image file and committing its row leaves an orphan file."""
    images = tmp_path / "images"
    images.mkdir()
    orphan, young = images / ("0" * 64 + ".png"), images / ("1" * 64 + ".png")
    orphan.write_bytes(b"left by a crash")
    young.write_bytes(b"another process may be committing it")
    two_hours_ago = time.time() - 7200
    os.utime(orphan, (two_hours_ago, two_hours_ago))
    app = make_app(emulator, tmp_path)
    async with app.run_test() as pilot:
        await wait_started(app, pilot)
        for worker in [w for w in app.workers if w.group == "store"]:
            await worker.wait()
        assert not orphan.exists()
        assert young.exists()


async def test_a_failed_background_save_is_logged_and_shown(emulator, tmp_path):
    """run_store (tab order, model, title writes) used to drop a failure silently."""
    logs.setup_logging(path=tmp_path / "t.log")

    def broken_write() -> None:
        raise OSError(28, "No space left on device")

    app = make_app(emulator, tmp_path)
    async with app.run_test() as pilot:
        await wait_started(app, pilot)
        app.run_store(broken_write)
        for worker in [w for w in app.workers if w.group == "store"]:
            await worker.wait()
        await pilot.pause()
        shown = notifications(app)
    logging.getLogger("grokterm").handlers.clear()
    assert any("No space left on device" in str(n) for n in shown)
    assert "store write broken_write failed" in (tmp_path / "t.log").read_text()
