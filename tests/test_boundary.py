"""The UI-free core, enforced: importing every module of ``core`` loads no UI library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import importlib, json, pkgutil, sys
import core
names = []
for m in pkgutil.walk_packages(core.__path__, "core."):
    importlib.import_module(m.name)
    names.append(m.name)
loaded = {k.split(".")[0] for k in sys.modules}
ui = sorted(loaded & {"textual", "rich", "plotext", "textual_plotext"})
print(json.dumps({"modules": names, "ui": ui, "core": core.__file__}))
"""


def test_core_never_loads_ui_libraries():
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=ROOT, check=True,
        timeout=120,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["core"].startswith(str(ROOT / "core"))
    expected = {"core.train.trainer", "core.nn.network", "core.run.session", "core.records"}
    assert expected <= set(result["modules"])
    assert result["ui"] == []


def test_cli_help_does_not_load_textual():
    script = ("import sys, contextlib, io\nfrom tui import cli\n"
              "with contextlib.redirect_stdout(io.StringIO()):\n"
              "    try: cli.main(['train', '--help'])\n"
              "    except SystemExit: pass\n"
              "print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=ROOT, check=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "False"


# The layers, lowest first: each package may import only those before it (and the
# shared top-level modules). nn ← train ← run ← sweep ← reproduce; analysis ← run;
# records ← run, sweep; figures read records; tui → core.
BASE = {"core.config", "core.datasets", "core.files", "core.threads", "core.state",
        "core.labels"}
ALLOWED = {
    # package: the bp-tui packages its modules may import (besides their own and BASE)
    "core.nn": set(),
    "core.train": {"core.nn"},
    "core.records": set(),
    "core.analysis": {"core.nn", "core.records"},
    "core.run": {"core.nn", "core.train", "core.analysis", "core.records"},
    "core.sweep": {"core.nn", "core.train", "core.run", "core.records", "core.analysis"},
    "core.figures": {"core.nn", "core.records", "core.analysis"},
    "core.reproduce": {"core.nn", "core.train", "core.run", "core.sweep", "core.records",
                       "core.analysis", "core.figures"},
    "tui.widgets": {"core", "tui.widgets", "tui.theme"},
    "tui.live": {"core", "tui.live"},
    "tui.commands": {"core", "tui.commands", "tui.process", "tui.report", "tui.app", "tui.web",
                     "tui.screens", "tui.widgets", "tui.live", "tui.settings"},
}
"""Top-level modules of core (config, datasets…) may import nn and each other only."""


def _imports(path: Path) -> set[str]:
    """The bp-tui modules ``path`` imports; ``from core.records import layout`` counts
    as ``core.records.layout`` when that is a module of its own."""
    import ast

    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            base = ROOT / node.module.replace(".", "/")
            subs = [a.name for a in node.names
                    if (base / f"{a.name}.py").exists() or (base / a.name).is_dir()]
            names.update(f"{node.module}.{a}" for a in subs)
            if len(subs) < len(node.names):
                names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return {n for n in names if n.split(".")[0] in ("core", "tui")}


def _allowed(name: str, package: str) -> bool:
    if name == "core":  # the package root: its version only
        return True
    within = {package, *ALLOWED[package], *(BASE if package.startswith("core.") else ())}
    return any(name == p or name.startswith(p + ".") for p in within)


def test_imports_go_the_way_the_readme_says():
    bad = []
    for package in ALLOWED:
        for path in sorted((ROOT / package.replace(".", "/")).rglob("*.py")):
            bad += [f"{path.relative_to(ROOT)} imports {n}" for n in sorted(_imports(path))
                    if not _allowed(n, package)]
    for path in sorted((ROOT / "core").rglob("*.py")):
        bad += [f"{path.relative_to(ROOT)} imports {n}" for n in _imports(path)
                if n.startswith("tui")]
    assert bad == []


def _module_graph() -> dict[str, set[str]]:
    """bp-tui module → the bp-tui modules it imports (at any level of the file)."""
    graph = {}
    for path in sorted([*(ROOT / "core").rglob("*.py"), *(ROOT / "tui").rglob("*.py")]):
        rel = path.relative_to(ROOT).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        graph[name] = _imports(path)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every loop a depth-first walk of ``graph`` finds (each as its path, closed)."""
    seen: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        if node in stack:
            cycles.append([*stack[stack.index(node):], node])
            return
        if node in seen:
            return
        seen.add(node)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            visit(nxt)
        stack.pop()

    for node in sorted(graph):
        visit(node)
    return cycles


def _package(name: str) -> str:
    """``core.train.trainer`` → ``core.train``; a top-level module is its own node."""
    return ".".join(name.split(".")[:2])


def test_no_import_cycle_between_packages():
    """Package A importing B and B importing A (e.g. core.train ↔ core.analysis) is a
    cycle the layers forbid; so is any longer loop."""
    graph: dict[str, set[str]] = {}
    for mod, deps in _module_graph().items():
        src = _package(mod)
        graph.setdefault(src, set()).update(
            _package(d) for d in deps if _package(d) != src and "." in d)
    assert _cycles(graph) == []


def test_commands_never_import_the_cli():
    bad = [m for m, deps in _module_graph().items()
           if m.startswith("tui.commands") and any(d == "tui.cli" for d in deps)]
    assert bad == []


def test_no_import_cycle_between_modules():
    """No module imports one that imports it back, however far round (host and
    endpoint once did: the endpoint now serves a ``ServedRun`` protocol)."""
    graph = _module_graph()
    graph = {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items()}
    cycles = _cycles(graph)
    # a package's __init__ re-exporting its modules is not a cycle of its own making
    real = [c for c in cycles if not any(c[i + 1].startswith(c[i] + ".")
                                         and c[i].count(".") < c[i + 1].count(".")
                                         and c[i] in graph and _is_package(c[i])
                                         for i in range(len(c) - 1))]
    assert real == []


def _is_package(name: str) -> bool:
    return (ROOT / name.replace(".", "/") / "__init__.py").exists()


def _run_file_names() -> list[str]:
    """The run-directory names ``core.records.layout`` spells (config.json, .sweeps…)."""
    from core.records import layout

    return [v for k, v in vars(layout).items()
            if k.isupper() and isinstance(v, str) and "." in v]


def _spelled(path: Path, pattern) -> list[str]:
    """The string constants of ``path`` (f-string parts included; docstrings, which
    are strings standing as statements, not) that spell one of the run-directory names,
    as ``path:line: text``."""
    import ast

    tree = ast.parse(path.read_text())
    docs = {id(n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    return [f"{path.relative_to(ROOT)}:{n.lineno}: {n.value!r}" for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in docs and pattern.search(n.value)]


def test_run_file_names_are_spelled_only_in_core_records():
    """Only ``core.records`` (the one reader and writer of the run-directory format)
    spells its file names; everyone else takes them from ``core.records.layout``."""
    import re

    names = _run_file_names()
    assert {"config.json", "summary.json", "control.sock", ".sweeps"} <= set(names)
    pattern = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, names)) + r")(?!\w)")
    sources = [p for folder in ("core", "tui") for p in sorted((ROOT / folder).rglob("*.py"))
               if ROOT / "core" / "records" not in p.parents]
    bad = [hit for path in sources for hit in _spelled(path, pattern)]
    assert bad == []
    assert _spelled(ROOT / "core" / "records" / "layout.py", pattern)  # the check can see
