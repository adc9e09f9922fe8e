"""Shared fixtures: no test ever writes run records into the real home directory."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

# pytest puts this folder (tests/) first on sys.path to import this file, and there
# ``tests/core`` (no __init__.py) would shadow the real ``core`` as an empty namespace
# package. Put the project root first and import the real packages now.
ROOT = Path(__file__).resolve().parents[1]
if sys.path[0] != str(ROOT):
    sys.path.insert(0, str(ROOT))
import core  # noqa: E402
import tui  # noqa: E402

assert core.__file__ is not None, "tests/core shadows the core package"
assert tui.__file__ is not None, "tests/tui shadows the tui package"

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    # pytest started as a background job (`pytest … &` from a script): SIGINT is ignored,
    # and the commands these tests start would inherit that (bp-tui keeps an ignored
    # Ctrl-C ignored, as nohup asks). The tests are of Ctrl-C from a user's terminal.
    signal.signal(signal.SIGINT, signal.default_int_handler)
if signal.getsignal(signal.SIGHUP) is signal.SIG_IGN:
    # Likewise under nohup: this process still ignores a hangup (a handler that does
    # nothing), but what the tests start, and the guard they test, see a terminal's.
    signal.signal(signal.SIGHUP, lambda signum, frame: None)

# Property tests: a few examples in the default tier, many in the long tier
# (`.ci/run` passes --hypothesis-profile=thorough with `-m "long or hypothesis"`).
settings.register_profile("default", max_examples=30, deadline=None)
settings.register_profile("thorough", max_examples=300, deadline=None)
settings.load_profile("default")

BP_TUI = str(Path(sys.executable).with_name("bp-tui"))


@pytest.fixture(autouse=True)
def runs_root(tmp_path_factory, monkeypatch) -> Path:
    """Point BP_TUI_RUNS, XDG_DATA_HOME and XDG_CONFIG_HOME (the remembered theme and
    picture) at a fresh temporary directory: no test reads or writes the real home.

    ``monkeypatch.setenv`` changes ``os.environ``, so subprocesses inherit it too.
    """
    base = tmp_path_factory.mktemp("home")
    root = base / "runs"
    monkeypatch.setenv("BP_TUI_RUNS", str(root))
    monkeypatch.setenv("XDG_DATA_HOME", str(base / "xdg"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "config"))
    return root


@pytest.fixture
def bp_tui_cmd() -> list[str]:
    """The installed console script, or ``python -m tui.cli`` if it is missing."""
    if os.path.exists(BP_TUI):
        return [BP_TUI]
    return [sys.executable, "-m", "tui.cli"]
