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
