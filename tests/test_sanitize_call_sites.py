"""Every UI call that shows text goes through the sanitising path (grokterm.sanitize / grokterm.ui.safe).

An AST scan of `grokterm/ui/`: each call to a display sink (`notify`, `Static`,
`Label`, `Button`, `Option`, `TabPane`, `update`, `add_row`, …) must pass, for
each shown argument, something that can never be markup or an escape sequence:

- a string literal (the app's own words), or an f-string whose parts are
  sanitised (`display_text(…)`, `display_line(…)`) *and* the call has `markup=False`;
- a markup-proof object built by the path: `literal(…)`/`plain(…)` (a Rich `Text`
  of sanitised text), `Text(…)`/`Content(…)` of literals or sanitised parts;
- `tell(app, …)` instead of `notify` for messages with outside parts.

Anything else (a variable, an attribute, another call) needs a trailing
`# display-safe: <why>` comment on the line (or a comment line just above), saying why it cannot carry outside
text or is already a markup-proof object. A new call site therefore cannot skip
the path silently: it fails here until it uses it or says why it need not.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parent.parent / "grokterm" / "ui"
MARKER = "# display-safe:"

# Calls that draw their arguments as text or markup: (how many positional arguments are shown
# (None: all), the keywords that are shown).
SINKS: dict[str, tuple[int | None, tuple[str, ...]]] = {
    "notify": (1, ("message", "title")),
    "Static": (1, ("content", "renderable")),
    "Label": (1, ("content", "renderable")),
    "Button": (1, ("label", "tooltip")),
    "Option": (1, ("prompt",)),
    "TabPane": (1, ("title",)),
    "Tab": (1, ("label",)),
    "Collapsible": (0, ("title",)),
    "update": (1, ("content",)),
    "add_row": (None, ("label",)),
    "add_column": (1, ("label",)),
    "add_node": (1, ("label",)),
    "add_leaf": (1, ("label",)),
    "from_markup": (1, ("text",)),
    "process_label": (1, ("label",)),
    "Select": (1, ("prompt",)),
    "set_options": (1, ()),
}
# Builders whose result is markup-proof and sanitised (see grokterm/sanitize.py, grokterm/ui/safe.py).
SAFE_OBJECTS = {"literal", "content", "plain", "status_text", "entry_label", "model_label", "preset_label", "row_cells",
                "cell", "markdown_renderable", "chip_lines", "tab_title"}
# Functions whose result is sanitised *text* (still markup if a markup-enabled sink parses it).
SAFE_TEXT = {"display_text", "display_line", "safe_text", "one_line", "inline"}
# Number/time formatting of values that are ours (ints, floats, timestamps).
FORMATTERS = {"tokens", "dollars", "timestamp", "len", "time_left", "format_usage", "ms"}


@dataclass
class Problem:
    path: str
    line: int
    call: str
    source: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.call}(…) shows {self.source!r} outside the sanitising path"


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _is_safe_text(node: ast.expr) -> bool:
    """A str that can hold no escape sequence or hidden character (may still look like markup)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(_is_number(v) or _is_safe_text(v.value) if isinstance(v, ast.FormattedValue) else True
                   for v in node.values)
    if isinstance(node, ast.Call):
        return _name(node.func) in SAFE_TEXT | FORMATTERS
    if isinstance(node, ast.IfExp):
        return _is_safe_text(node.body) and _is_safe_text(node.orelse)
    if isinstance(node, ast.BinOp):
        return _is_safe_text(node.left) and _is_safe_text(node.right)
    return False


def _is_markup_free_literal(node: ast.expr) -> bool:
    """Our own words: a literal (or literals joined, or a module CONSTANT) with numbers formatted in."""
    if isinstance(node, ast.Constant) or _is_number(node) or (isinstance(node, ast.Name) and node.id.isupper()):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(v, ast.Constant) or (isinstance(v, ast.FormattedValue) and _is_number(v))
                   for v in node.values)
    if isinstance(node, ast.IfExp):
        return _is_markup_free_literal(node.body) and _is_markup_free_literal(node.orelse)
    if isinstance(node, ast.BinOp):
        return _is_markup_free_literal(node.left) and _is_markup_free_literal(node.right)
    return False


def _is_number(node: ast.expr) -> bool:
    """A number we format: a formatter call, or an f-string part with a numeric format (`{n:,}`, `{x:.0f}`)."""
    if isinstance(node, ast.FormattedValue):
        spec = ast.unparse(node.format_spec) if node.format_spec else ""
        return spec.rstrip("'\"")[-1:] in ("d", "f", ",", "%", "e", "g") or _is_number(node.value)
    return (isinstance(node, ast.Call) and _name(node.func) in FORMATTERS) or isinstance(node, ast.Constant)


def _is_safe_object(node: ast.expr) -> bool:
    """Markup-proof and sanitised: what a markup-enabled sink may receive."""
    if _is_markup_free_literal(node):
        return True
    if isinstance(node, ast.Call):
        name = _name(node.func)
        if name in SAFE_OBJECTS:
            return True
        if name in ("Text", "Content"):
            return all(_is_safe_text(arg) for arg in node.args)
    if isinstance(node, ast.IfExp):
        return _is_safe_object(node.body) and _is_safe_object(node.orelse)
    return False


def _markup_off(call: ast.Call) -> bool:
    return any(k.arg == "markup" and isinstance(k.value, ast.Constant) and k.value.value is False
               for k in call.keywords)


# Widget attributes that are drawn: `tab.label = …`, `widget.border_title = …`.
SHOWN_ATTRIBUTES = {"label", "title", "sub_title", "tooltip", "border_title", "border_subtitle", "prompt"}


def _marked(lines: list[str], node: ast.stmt | ast.expr) -> bool:
    """A `# display-safe:` comment on the node's lines or on a comment line just above it."""
    first = node.lineno - 1
    if first > 0 and lines[first - 1].strip().startswith(MARKER):
        return True
    return any(MARKER in lines[n - 1] for n in range(node.lineno, (node.end_lineno or node.lineno) + 1))


def scan(source: str, path: str) -> list[Problem]:
    lines = source.splitlines()
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and not _marked(lines, node):
            for target in node.targets:
                if (isinstance(target, ast.Attribute) and target.attr in SHOWN_ATTRIBUTES
                        and not _is_safe_object(node.value)):
                    problems.append(Problem(path, node.lineno, f"{target.attr} =", ast.unparse(node.value)))
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name not in SINKS:
            continue
        if _marked(lines, node):
            continue
        count, keywords = SINKS[name]
        if name in ("Select", "set_options") and node.args:  # [(prompt, value), …]: the prompts are shown
            options = node.args[0]
            if isinstance(options, ast.ListComp) and isinstance(options.elt, ast.Tuple):
                node = ast.copy_location(ast.Call(node.func, [options.elt.elts[0]], node.keywords), node)
            elif isinstance(options, ast.Call) and _name(options.func) in ("_theme_options",):
                # built with literal(): checked where it is defined
                node = ast.copy_location(ast.Call(node.func, [], node.keywords), node)
        shown = [a.value if isinstance(a, ast.Starred) else a for a in node.args[:count]]
        shown += [k.value for k in node.keywords if k.arg in keywords]
        if name == "from_markup":  # markup only from our own literal strings
            ok = all(isinstance(arg, ast.Constant) for arg in shown)
            bad = [arg for arg in shown if not isinstance(arg, ast.Constant)]
        else:
            check = _is_safe_text if _markup_off(node) else _is_safe_object
            bad = [arg for arg in shown if not check(arg)]
            ok = not bad
        if not ok:
            problems.append(Problem(path, node.lineno, name, ast.unparse(bad[0])))
    return problems


def test_every_ui_display_call_goes_through_the_sanitising_path() -> None:
    problems = []
    for path in sorted(UI.rglob("*.py")):
        problems += scan(path.read_text(encoding="utf-8"), str(path.relative_to(UI.parent.parent)))
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.parametrize("snippet", [
    "app.notify(f'Model: {model_id}')",
    "app.notify(str(error), title='Reply failed', severity='error')",
    "self.notify(warning, markup=False)",
    "yield Static(conversation.title)",
    "yield Label(f'{name}: {value}')",
    "yield Button(f'Switch to {model} (s)')",
    "Option(model.id, id=model.id)",
    "TabPane(title, pane)",
    "status.update(f'Could not write: {exc}')",
    "table.add_row(entry.response_id, 'x')",
    "Text.from_markup(f'[b]{name}[/b]')",
    "Static(Text(model_id))",
    "tab.label = conversation.title",
    "Select([(name, name) for name in presets], value=x)",
    "self.sub_title = f'{model}'",
])
def test_the_scan_catches_unsafe_calls(snippet: str) -> None:
    assert scan(snippet, "x.py"), snippet


@pytest.mark.parametrize("snippet", [
    "app.notify('Settings saved.')",
    "tell(app, f'Model: {model_id}', title='Model')",
    "app.notify(display_text(error), markup=False)",
    "yield Static(literal(conversation.title, 'bold'))",
    "yield Button(f'Code block {len(blocks)} copied')",
    "Option(model_label(m, current), id=m.id)",
    "Static(Text(display_text(model_id)))",
    "table.add_row(name, value)  # display-safe: both are our own field names",
    "# display-safe: our own field names\ntable.add_row(name, value)",
])
def test_the_scan_accepts_the_path(snippet: str) -> None:
    assert not scan(snippet, "x.py"), snippet
