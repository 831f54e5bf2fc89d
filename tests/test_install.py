"""A normal (non-editable) install carries everything the app needs: build a wheel, install it
into a fresh venv, start the app from there.

CI installs the project in editable mode, where files beside the package (such as a top-level
`themes/` folder) are still found; a wheel, `pip install .` or `pipx install` only carries package
files. So this test builds the wheel from a copy of the source tree (the checkout gets no `build/`
folder), installs it with `--no-deps --no-index` into a venv created without pip whose only extra
path is the dev venv's site-packages (the dependencies, no network, no editable grokterm: that
folder's .pth files are not processed when it is added as a plain path), and runs it from a
neutral folder so nothing can import the checkout's `grokterm/` by accident.

Takes ~10 s (wheel build + install + a headless start): the price of proving what users install.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

import grokterm

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 180  # seconds per step: generous for a loaded 2-core machine, bounded all the same

# Runs inside the installed venv: start the real app headless on the demo emulator and report
# where grokterm came from, the theme in use, and every warning the user would be greeted with.
START_APP = r"""
import argparse, asyncio, json, sys
import grokterm
from grokterm import paths
from grokterm.ui.app import GrokApp
from grokterm.ui.launch import build_context

async def main():
    context = build_context(argparse.Namespace(demo=True, base_url=None, api_key=None))
    app = GrokApp(context)
    async with app.run_test(size=(100, 30)) as pilot:
        await asyncio.wait_for(app.wait_ready(), 60)
        await pilot.pause()
        report = {
            "package": grokterm.__file__,
            "themes_dir": str(paths.bundled_themes_dir()),
            "theme_files": sorted(p.name for p in paths.bundled_themes_dir().glob("*.toml")),
            "theme": app.theme,
            "warnings": [n.message for n in app._notifications if n.severity != "information"],
        }
    context.emulator.stop()
    print(json.dumps(report))

asyncio.run(main())
"""


def _run(cmd: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT,
                            env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", **env})
    assert result.returncode == 0, f"{cmd}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _venv_site_packages(venv: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(_run([str(_venv_python(venv)), "-c", code], cwd=venv).stdout.strip())


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with grokterm installed from a freshly built wheel; returns the venv folder."""
    base = tmp_path_factory.mktemp("install")
    source = base / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "grokterm", source / "grokterm",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    wheels = base / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
          "-w", str(wheels), str(source)], cwd=base)
    (wheel,) = wheels.glob("grokterm-*.whl")

    venv = base / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=base)
    # The dependencies come from the dev venv (offline); grokterm itself only from the wheel.
    dev_paths = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (_venv_site_packages(venv) / "_grokterm_test_dependencies.pth").write_text("\n".join(dev_paths) + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(_venv_python(venv)), "install", "-q", "--no-deps",
          "--no-index", str(wheel)], cwd=base)
    return venv


def test_the_wheel_carries_the_bundled_themes_and_the_app_starts_without_a_theme_warning(
    installed: Path, tmp_path: Path
) -> None:
    import json

    result = _run([str(_venv_python(installed)), "-c", START_APP], cwd=tmp_path)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    site_packages = _venv_site_packages(installed)
    assert Path(report["package"]).is_relative_to(site_packages), report["package"]  # not the checkout
    assert Path(report["themes_dir"]).is_relative_to(site_packages)
    assert report["theme_files"] == sorted(p.name for p in (ROOT / "grokterm" / "themes").glob("*.toml"))
    assert report["theme"] == "grok-dark"
    assert report["warnings"] == []
    assert "not available" not in result.stderr


def test_the_installed_console_script_runs(installed: Path, tmp_path: Path) -> None:
    script = installed / ("Scripts/grokterm.exe" if os.name == "nt" else "bin/grokterm")
    result = _run([str(script), "--version"], cwd=tmp_path)
    assert result.stdout.strip() == f"grokterm {grokterm.__version__}"
