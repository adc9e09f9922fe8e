"""The run-directory layout: where runs live and what each file of a run is called.

    <root>/<run>/config.json     everything needed to reproduce the run
                 metrics.jsonl   one JSON line per evaluated epoch, flushed as it goes
                 log.txt         exactly the lines printed, flushed as it goes
                 weights.npz     final weights; checkpointed while the run goes
                 data.npz        the training points (X, y)
                 test.npz        the test set drawn for it, if any (X, y, source)
                 summary.json    status, final metrics, duration
                 control.sock    the control endpoint, while the run is live
                 writer.lock     locked (flock) by the one process writing the run

The writer (``core.records.writer``) and the one reader (``core.records.reader``) both
take the names from here. No other module knows them. The limits below are what the
reader accepts: a file over its limit (or not a regular file) makes the run "damaged".
"""

from __future__ import annotations

import os
from pathlib import Path

from core.datasets import MAX_N

__all__ = [
    "ATOMIC_FILES",
    "CONFIG",
    "DATA",
    "LOCK",
    "LOG",
    "MAX_DATA_POINTS",
    "MAX_JSON_BYTES",
    "MAX_METRICS_BYTES",
    "MAX_METRICS_LINE",
    "MAX_NPZ_BYTES",
    "MAX_NPZ_ELEMENTS",
    "MAX_TAIL_CHUNK",
    "MAX_WEIGHT_LAYERS",
    "METRICS",
    "SOCKET",
    "SUMMARY",
    "SWEEPS_DIR",
    "TEST",
    "WEIGHTS",
    "default_runs_root",
]

CONFIG = "config.json"
SUMMARY = "summary.json"
METRICS = "metrics.jsonl"
LOG = "log.txt"
WEIGHTS = "weights.npz"
DATA = "data.npz"
TEST = "test.npz"
"""The run's test set (inspect's Test tab), kept so that it reopens with the run."""
SOCKET = "control.sock"
"""A live run's control endpoint (``core.run.endpoint``), present while it trains."""
LOCK = "writer.lock"
"""Held with ``flock`` by the process writing the run (``core.records.lock``)."""
ATOMIC_FILES = (CONFIG, SUMMARY, WEIGHTS, DATA, TEST)
"""The files replaced whole (temp file + fsync + rename); the others are append-only."""
SWEEPS_DIR = ".sweeps"
"""Folder under the runs root for sweep bookkeeping (stop files); hidden from listings."""


MAX_JSON_BYTES = 1024**2
"""config.json and summary.json: at most 1 MiB each (a real one is under 2 KiB)."""
MAX_METRICS_LINE = 64 * 1024
"""A metrics.jsonl line longer than this is skipped (a real one is about 120 bytes)."""
MAX_METRICS_BYTES = 64 * 1024**2
"""``read_metrics`` reads the first 64 MiB of metrics.jsonl (about 500,000 rows) and the
last row; the rows in between are left out."""
MAX_TAIL_CHUNK = 1024**2
"""``TailReader`` reads at most 1 MiB per call (a live view catches up over calls)."""
MAX_NPZ_BYTES = 1024**3
"""weights.npz, data.npz and a ``--init-weights`` file: at most 1 GiB on disk."""
MAX_NPZ_ELEMENTS = 2**26
"""At most 2²⁶ numbers (512 MiB of float64) in the members read from one .npz file, as
their headers claim before anything is allocated; the largest network the settings
allow (``core.config.MAX_PARAM_BYTES``) has fewer."""
MAX_WEIGHT_LAYERS = 16
"""At most 16 weight layers W1…W16 (the settings allow 9)."""
MAX_DATA_POINTS = MAX_N
"""data.npz: at most 10⁶ points, as many as a run may train on."""


def default_runs_root() -> Path:
    """``$BP_TUI_RUNS``, else ``$XDG_DATA_HOME/bp-tui/runs``, else ~/.local/share/bp-tui/runs."""
    env = os.environ.get("BP_TUI_RUNS")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg).expanduser() / "bp-tui" / "runs"
