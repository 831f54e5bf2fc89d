"""The non-UI layers must never import Textual (keeps `ask` and `--help` fast)."""

import subprocess
import sys

import pytest

LAYERS = ["grokterm.xai", "grokterm.store", "grokterm.media", "grokterm.config",
          "grokterm.chat", "grokterm.emulator", "grokterm.cli"]


@pytest.mark.parametrize("module", LAYERS)
def test_layer_does_not_import_textual(module: str) -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        f"pkg = importlib.import_module({module!r})\n"
        "for m in pkgutil.walk_packages(getattr(pkg, '__path__', []), pkg.__name__ + '.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n == 'textual' or n.startswith('textual.'))\n"
        "print(len(bad)); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
