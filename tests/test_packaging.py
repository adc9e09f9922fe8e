"""pyproject: the console script and the pinned majors the design depends on."""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def load():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def dep(deps, name):
    found = [d for d in deps if re.match(rf"^{re.escape(name)}\s*[<>=!~;\[]", d)]
    assert found, f"{name} is not a dependency"
    return found[0]


def test_console_script():
    assert load()["project"]["scripts"]["bp-tui"] == "tui.cli:entry"
    from tui import cli

    assert callable(cli.entry)


def test_plotext_pinned_below_6():
    spec = dep(load()["project"]["dependencies"], "plotext")
    assert "<6" in spec.replace(" ", "")


def test_textual_pinned_to_the_tested_version():
    """tui/process.py works around a Textual bug (#6692) in its 8.2.8 driver: the pin is
    exact, and the installed version is the one pinned."""
    from importlib.metadata import version

    spec = dep(load()["project"]["dependencies"], "textual").replace(" ", "")
    m = re.fullmatch(r"textual==(\d+\.\d+\.\d+)", spec)
    assert m, spec
    assert version("textual") == m.group(1)


def test_numpy_is_a_dependency_and_version_matches():
    data = load()
    dep(data["project"]["dependencies"], "numpy")
    from core import __version__

    assert data["project"]["version"] == __version__


def test_packages_and_pytest_settings():
    data = load()
    assert set(data["tool"]["setuptools"]["packages"]["find"]["include"]) >= {"core*", "tui*"}
    opts = data["tool"]["pytest"]["ini_options"]
    assert opts["asyncio_mode"] == "auto"
    assert "--strict-markers" in opts["addopts"]
