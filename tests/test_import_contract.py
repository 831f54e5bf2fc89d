"""Layers import one way: ui → chat → xai / store / media; nothing below the UI reaches up.

Reads every `import` in grokterm/ (including the lazy ones inside functions, which a
runtime check would miss) and checks each package only uses the packages below it.
tests/test_layers.py checks the other half at runtime: no Textual below ui/.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "grokterm"

# Shared leaves every layer may use: they import nothing of ours but each other.
LEAVES = {"defaults", "paths", "sanitize", "secret", "__init__", "themes"}  # themes/: data files, no code

# What each room may import besides itself and the leaves. Anything new must be placed here.
ALLOWED: dict[str, set[str]] = {
    "xai": set(),                      # HTTP client and wire models
    "store": set(),                    # SQLite
    "media": set(),                    # Pillow
    "emulator": set(),                 # stands alone: it must not share the client's code to prove it
    "logs": {"xai"},                   # the debug log (redaction from xai.errors)
    "config": {"xai", "media", "logs"},  # key/base URL (redaction, URL rules), config.toml (image limits)
    "chat": {"xai", "store", "media"},
    "ui": {"chat", "config", "xai", "store", "media", "emulator", "logs"},       # emulator: the demo
    "commands": {"chat", "config", "xai", "store", "media", "emulator", "logs"},  # the CLI, never the TUI
    "cli": {"commands", "ui", "config", "logs"},
    "__main__": {"cli"},
}


def _room(module: str) -> str:
    """'grokterm.xai.client' -> 'xai'; 'grokterm.defaults' -> 'defaults'."""
    return module.split(".")[1] if "." in module else "__init__"


def _imports(path: Path) -> set[str]:
    """Our modules that `path` imports, at top level or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("grokterm."))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "grokterm":  # `from grokterm import config` names modules (or __version__)
                found.update(f"grokterm.{alias.name}" for alias in node.names
                             if (PACKAGE / alias.name).is_dir() or (PACKAGE / f"{alias.name}.py").exists())
            elif node.module.startswith("grokterm."):
                found.add(node.module)
    return found


def _violations() -> list[str]:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        room = relative.parts[0].removesuffix(".py") if len(relative.parts) > 1 else relative.stem
        allowed = {room} | LEAVES | ALLOWED.get(room, set())
        if room in LEAVES:
            allowed = LEAVES
        for module in sorted(_imports(path)):
            if _room(module) not in allowed:
                problems.append(f"grokterm/{relative} imports {module} ({room} may not use {_room(module)})")
    return problems


def test_every_room_is_placed_in_the_contract():
    rooms = {p.name if p.is_dir() else p.stem for p in PACKAGE.iterdir()
             if (p.is_dir() and (p / "__init__.py").exists()) or p.suffix == ".py"}
    assert rooms - LEAVES - set(ALLOWED) == set(), "add the new package or module to ALLOWED or LEAVES"


def test_imports_point_down_the_layers():
    assert _violations() == []


def test_the_checker_sees_lazy_imports(tmp_path):
    """The scan must catch an import inside a function (how grokterm keeps start-up fast)."""
    sample = tmp_path / "sample.py"
    sample.write_text("def later():\n"
                      "    from grokterm.ui.app import GrokApp\n"
                      "    from grokterm import config, __version__\n")
    assert _imports(sample) == {"grokterm.ui.app", "grokterm.config"}


def _module_graph() -> dict[str, set[str]]:
    """Each of our modules -> our modules it imports, lazily or not (`from pkg import mod` is mod)."""
    paths = {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__"): p
             for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.update(f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in paths else node.module
                             for a in node.names)
        graph[module] = found & set(paths)
    return graph


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for module in graph.get(todo.pop(), ()):
            if module not in seen:
                seen.add(module)
                todo.append(module)
    return seen


def test_the_attachment_glue_is_in_no_import_cycle():
    """ui/attach.py once imported the chips and the composer inside functions because they (or what
    they import) imported it back. Lazy imports count: a cycle hidden in a function is still one."""
    graph = _module_graph()
    for module in ("grokterm.ui.attach", "grokterm.ui.thumbnails", "grokterm.ui.widgets.attachment_chips"):
        back = sorted(m for m in _reachable(graph, module) if module in _reachable(graph, m))
        assert back == [], f"{module} is in an import cycle with {back}"
