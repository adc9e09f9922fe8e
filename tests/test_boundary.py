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
    expected = {"core.train.trainer", "core.nn.network", "core.train.session", "core.records"}
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


ALLOWED = {
    # package: the bp-tui packages its modules may import (besides their own)
    "core.nn": set(),
    "core.records": {"core.config", "core.datasets", "core.files", "core.labels"},
    "core.train.kernels": {"core.nn", "core.config"},
    "core.analysis": {"core.nn", "core.records", "core.datasets", "core.train.history",
                      "core.train.journal", "core.config", "core.files", "core.threads",
                      "core.labels"},
    "tui.widgets": {"core", "tui.widgets"},
    "tui.live": {"core", "tui.live"},
}


def _imports(path: Path) -> set[str]:
    import ast

    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return {n for n in names if n.split(".")[0] in ("core", "tui")}


def _allowed(name: str, package: str) -> bool:
    if name == "core":  # the package root: its version only
        return True
    within = {package, *ALLOWED[package]}
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
