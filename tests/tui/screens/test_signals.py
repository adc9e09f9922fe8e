"""A dropped SSH connection (SIGHUP) or SIGTERM: the run is flushed, no process is left."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import time
from pathlib import Path

import pytest


def _running_dashboard(bp_tui_cmd: list[str], runs: Path) -> tuple[subprocess.Popen, int]:
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "BP_TUI_RUNS": str(runs),
           "COLUMNS": "120", "LINES": "40"}
    env.pop("COLORTERM", None)
    proc = subprocess.Popen(
        [*bp_tui_cmd, "--data", "linear", "--hidden", "32", "32", "--epochs", "100000000",
         "--lr", "0.01", "--start"],
        stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
    )
    os.close(slave)
    return proc, master


def _drain(master: int) -> None:
    try:
        while True:
            import select

            ready, _, _ = select.select([master], [], [], 0)
            if not ready or not os.read(master, 65536):
                return
    except OSError:
        return


def _wait_until_running(runs: Path, master: int, timeout: float = 60.0) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _drain(master)
        for run in runs.glob("*"):
            metrics = run / "metrics.jsonl"
            if metrics.exists() and metrics.stat().st_size > 0:
                return run
        time.sleep(0.05)
    raise AssertionError("the dashboard never started training")


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_signal_flushes_the_run_and_exits(bp_tui_cmd, tmp_path, sig):
    runs = tmp_path / "runs"
    proc, master = _running_dashboard(bp_tui_cmd, runs)
    try:
        run = _wait_until_running(runs, master)
        if sig == signal.SIGHUP:
            os.close(master)  # the terminal goes away, as when SSH drops
            master = -1
        os.killpg(proc.pid, sig)
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:
            if master >= 0:
                _drain(master)
            time.sleep(0.05)
        assert proc.poll() is not None, "bp-tui is still running after the signal"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        if master >= 0:
            os.close(master)
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "stopped"
    assert "***** Training stopped at epoch" in (run / "log.txt").read_text()
    assert (run / "weights.npz").exists()
