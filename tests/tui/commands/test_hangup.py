"""A hangup (the terminal or SSH link gone) does not end ``bp-tui train`` or
``bp-tui sweep``: both run to their end, every run finished, no process left behind."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import time
from pathlib import Path

import pytest

from core.records import read_metrics
from tests.tui.terminal import processes_of


def _in_a_terminal(cmd: list[str], runs: Path) -> tuple[subprocess.Popen, int]:
    """``cmd`` as a session of its own on a pseudo-terminal (as a login shell's job)."""
    master, slave = pty.openpty()
    env = {**os.environ, "BP_TUI_RUNS": str(runs), "TERM": "xterm-256color"}
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True)
    os.close(slave)
    return proc, master


def _read(master: int) -> None:
    try:
        while os.read(master, 65536):
            pass
    except OSError:
        pass


def _training(runs: Path, count: int, timeout: float = 60.0) -> list[Path]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        live = [r for r in runs.glob("*") if (r / "metrics.jsonl").is_file()
                and (r / "metrics.jsonl").stat().st_size > 0]
        if len(live) >= count:
            return live
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} runs started training")


def _hang_up(proc: subprocess.Popen, master: int) -> None:
    """What sshd and the kernel do when the link drops: the terminal closes and the
    session's process group gets SIGHUP."""
    os.set_blocking(master, False)
    _read(master)
    os.close(master)
    os.killpg(proc.pid, signal.SIGHUP)


def _finished(run: Path, epochs: int) -> None:
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "finished", (run.name, summary)
    assert read_metrics(run)[-1]["epoch"] == epochs


@pytest.mark.parametrize("what", ["train", pytest.param("sweep", marks=pytest.mark.long)])
def test_a_hangup_leaves_training_to_its_end(bp_tui_cmd, tmp_path, what):
    runs, epochs = tmp_path / "runs", 40000
    flags = ["--data", "linear", "--epochs", str(epochs), "--log-every", "10000"]
    if what == "train":
        cmd, count = [*bp_tui_cmd, "train", "--hidden", "16", "16", *flags], 1
    else:
        cmd, count = [*bp_tui_cmd, "sweep", "--hidden", "16,16", "12,12", "--workers", "2",
                      *flags], 2
    proc, master = _in_a_terminal(cmd, runs)
    try:
        started = _training(runs, count)
        _hang_up(proc, master)
        time.sleep(0.5)
        assert proc.poll() is None, "the command must outlive its terminal"
        proc.wait(120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0
    for run in started:
        _finished(run, epochs)
    deadline = time.monotonic() + 30  # only a failure waits that long
    while processes_of(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not processes_of(proc.pid), "a worker or helper outlived the command"
