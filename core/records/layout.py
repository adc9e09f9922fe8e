"""The run-directory layout: where runs live and what each file of a run is called.

    <root>/<run>/config.json     everything needed to reproduce the run
                 metrics.jsonl   one JSON line per evaluated epoch, flushed as it goes
                 log.txt         exactly the lines printed, flushed as it goes
                 weights.npz     final weights; checkpointed while the run goes
                 data.npz        the training points (X, y)
                 summary.json    status, final metrics, duration
                 control.sock    the control endpoint, while the run is live

The writer (``core.records.writer``) and the one reader (``core.records.reader``) both
take the names from here. No other module knows them.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "CONFIG",
    "DATA",
    "LOG",
    "METRICS",
    "SOCKET",
    "SUMMARY",
    "SWEEPS_DIR",
    "WEIGHTS",
    "default_runs_root",
]

CONFIG = "config.json"
SUMMARY = "summary.json"
METRICS = "metrics.jsonl"
LOG = "log.txt"
WEIGHTS = "weights.npz"
DATA = "data.npz"
SOCKET = "control.sock"
"""A live run's control endpoint (``core.train.endpoint``), present while it trains."""
SWEEPS_DIR = ".sweeps"
"""Folder under the runs root for sweep bookkeeping (stop files); hidden from listings."""


def default_runs_root() -> Path:
    """``$BP_TUI_RUNS``, else ``$XDG_DATA_HOME/bp-tui/runs``, else ~/.local/share/bp-tui/runs."""
    env = os.environ.get("BP_TUI_RUNS")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg).expanduser() / "bp-tui" / "runs"
