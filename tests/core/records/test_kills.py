"""``bp-tui train`` killed (SIGKILL) at chosen moments: right after config.json appears,
while data.npz is written (a million points), and while weights.npz is written. Every
file is then readable or absent (never half-written), the run lists as dead or damaged
with a reason, and a leftover temporary file is cleaned when the run is next written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from core.records import read_data, read_metrics, read_run, read_weights
from core.records.index import list_runs, rename_run
from core.records.reader import TailReader

NAME = "victim"


def _kill_when(cmd: list[str], run: Path, ready, timeout: float = 60.0) -> None:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + timeout
        while not ready(run):
            if proc.poll() is not None:
                raise AssertionError(f"train ended first: {proc.stderr.read().decode()}")
            if time.monotonic() > deadline:
                raise AssertionError("the moment to kill never came")
            time.sleep(0.0005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL


def _temp(run: Path, name: str) -> bool:
    try:
        return any(e.name.startswith(f".{name}-") for e in os.scandir(run))
    except OSError:
        return False


def check_every_file(run: Path) -> dict[str, bool]:
    """Each record file is absent or whole; returns which are present."""
    present = {}
    for name in ("config.json", "summary.json"):
        p = run / name
        present[name] = p.exists()
        if p.exists():
            assert isinstance(json.loads(p.read_text()), dict)
    present["data.npz"] = (run / "data.npz").exists()
    if present["data.npz"]:
        X, y = read_data(run)
        assert len(X) == len(y)
    present["weights.npz"] = (run / "weights.npz").exists()
    if present["weights.npz"]:
        assert read_weights(run) is not None
    read_metrics(run)
    TailReader(run / "log.txt").read()
    return present


def _listed(root: Path) -> None:
    (row,) = list_runs(root)
    assert row.name == NAME
    if row.damaged:
        assert "\n" not in row.damaged
        assert row.status in ("damaged", "starting")
    else:
        assert row.status == "dead"


def _train(bp_tui_cmd, root: Path, *args: str) -> list[str]:
    return [*bp_tui_cmd, "train", "--data", "xor", "--backend", "numpy", "--runs-dir",
            str(root), "--name", NAME, "--no-predictions", *args]


def test_killed_right_after_config_appears(bp_tui_cmd, tmp_path):
    root = tmp_path / "runs"
    _kill_when(_train(bp_tui_cmd, root, "--data", "circle", "--n", "1000000", "--hidden",
                      "4", "--epochs", "5"),
               root / NAME, lambda run: (run / "config.json").exists())
    present = check_every_file(root / NAME)
    assert present["config.json"]
    _listed(root)


@pytest.mark.long
def test_killed_while_data_npz_is_written(bp_tui_cmd, tmp_path):
    root = tmp_path / "runs"
    _kill_when(_train(bp_tui_cmd, root, "--data", "circle", "--n", "1000000", "--hidden",
                      "4", "--epochs", "5"),
               root / NAME, lambda run: _temp(run, "data.npz"))
    run = root / NAME
    present = check_every_file(run)
    assert not present["data.npz"]  # never an empty or torn data.npz
    assert json.loads((run / "summary.json").read_text())["status"] == "running"
    with pytest.raises(ValueError, match=r"data\.npz is missing"):
        read_data(run)
    os.utime(run, (0, 0))
    _listed(root)
    assert list_runs(root)[0].status == "dead"


@pytest.mark.long
@pytest.mark.parametrize("hit", [1, 2])
def test_killed_while_weights_npz_is_written(bp_tui_cmd, tmp_path, hit):
    """The weights (2.25 M parameters, 18 MB) are written at the first epoch's checkpoint
    and at the end; ``hit`` chooses the first or the second write seen."""
    root = tmp_path / "runs"
    seen = {"n": 0, "was": False}

    def nth_write(run: Path) -> bool:
        now = _temp(run, "weights.npz")
        if now and not seen["was"]:
            seen["n"] += 1
        seen["was"] = now
        return now and seen["n"] >= hit

    _kill_when(_train(bp_tui_cmd, root, "--hidden", "1500", "1500", "--epochs", "2",
                      "--log-every", "1"), root / NAME, nth_write)
    run = root / NAME
    present = check_every_file(run)
    assert present["config.json"]
    assert present["summary.json"]
    assert present["data.npz"]
    leftovers = [p.name for p in run.iterdir() if p.name.startswith(".weights.npz-")]
    assert leftovers  # killed mid-write: the temp file stays, weights.npz is whole or absent
    assert read_run(run).damaged is None
    os.utime(run, (0, 0))
    _listed(root)
    renamed = rename_run(root, NAME, "after")  # writing the run again cleans it
    assert not [p for p in renamed.iterdir() if p.name.startswith(".weights.npz-")]
    if present["weights.npz"]:
        assert read_weights(renamed)["W1"].shape == (2, 1500)
        assert np.isfinite(read_weights(renamed)["W2"]).all()
