"""Shared fixtures: no test ever writes run records into the real home directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

BP_TUI = str(Path(sys.executable).with_name("bp-tui"))


@pytest.fixture(autouse=True)
def runs_root(tmp_path_factory, monkeypatch) -> Path:
    """Point BP_TUI_RUNS (and XDG_DATA_HOME) at a fresh temporary directory.

    ``monkeypatch.setenv`` changes ``os.environ``, so subprocesses inherit it too.
    """
    base = tmp_path_factory.mktemp("home")
    root = base / "runs"
    monkeypatch.setenv("BP_TUI_RUNS", str(root))
    monkeypatch.setenv("XDG_DATA_HOME", str(base / "xdg"))
    return root


@pytest.fixture
def bp_tui_cmd() -> list[str]:
    """The installed console script, or ``python -m tui.cli`` if it is missing."""
    if os.path.exists(BP_TUI):
        return [BP_TUI]
    return [sys.executable, "-m", "tui.cli"]
