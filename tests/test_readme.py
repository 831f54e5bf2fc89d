"""The README's promises stay true: its config example is valid and CI runs its test command."""

from __future__ import annotations

import re
from pathlib import Path

from grokterm.config.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_the_config_example_loads_without_warnings(tmp_path):
    block = re.search(r"```toml\n(default_model.*?)```", README, re.S)
    assert block, "README lost its config.toml example"
    path = tmp_path / "config.toml"
    path.write_text(block.group(1))
    settings, warnings = load_settings(path)
    assert warnings == []
    assert settings.keymap["app.new"] == "ctrl+t"
    assert settings.profiles["local"].base_url == "http://localhost:8000/v1"


def test_ci_runs_the_readme_test_command_verbatim():
    commands = re.findall(r"```sh\n(python3 -m venv .venv &&[^\n]*)\n```", README)
    assert len(commands) == 2, commands  # exactly two set-up commands: run the app, run the tests
    run_app, run_tests = commands
    assert run_app.endswith(".venv/bin/grokterm")
    assert run_tests in (ROOT / ".ci" / "run").read_text()


def test_ci_also_runs_the_lint_and_type_gates():
    """CI = the README's test command, then ruff and mypy as configured in pyproject.toml."""
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    gates = [line for line in ci if line.startswith(".venv/bin/")]
    assert gates == [".venv/bin/ruff check .", ".venv/bin/mypy"]
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert "[tool.ruff.lint]" in pyproject and "[tool.mypy]" in pyproject
    assert "ignore_errors" not in pyproject  # no module is exempt from the type check
    assert '"grokterm.xai.*", "grokterm.store.*", "grokterm.chat.*", "grokterm.media.*"' in pyproject  # strict
