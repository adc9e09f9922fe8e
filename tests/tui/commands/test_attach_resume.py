"""``bp-tui attach`` / ``watch`` / ``resume`` from the command line: one-line refusals
(exit 2, nothing written), and a run killed with SIGKILL resumed to exactly the numbers
of an uninterrupted one."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from core.records import read_metrics
from core.records.checkpoint import read_checkpoint
from tui.cli import main

TRAIN = ["--data", "circle", "--n", "40", "--hidden", "6", "5", "--lr", "0.05", "--seed", "5",
         "--shuffle", "--optimizer", "adam", "--log-every", "500", "--no-predictions"]


def _fails(argv, capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err


def _train(args, runs: Path, name: str, epochs: int) -> Path:
    assert main(["train", *TRAIN, "--epochs", str(epochs), "--runs-dir", str(runs),
                 "--name", name]) == 0
    return runs / name


def _rows(run: Path) -> list:
    return [(r["epoch"], r["loss"], r["soft_acc"], r["acc"]) for r in read_metrics(run)]


def test_attach_and_resume_refuse_what_they_cannot_do(tmp_path, capsys):
    runs = tmp_path / "runs"
    assert "no run 'nope'" in _fails(["attach", "nope", "--runs-dir", str(runs)], capsys)
    assert "no live run" in _fails(["attach", "--runs-dir", str(runs)], capsys)
    assert "no live run" in _fails(["watch", "--runs-dir", str(runs)], capsys)
    assert "no run 'nope'" in _fails(["resume", "nope", "--runs-dir", str(runs)], capsys)
    run = _train(TRAIN, runs, "done", 60)
    capsys.readouterr()
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    err = _fails(["resume", "done", "--runs-dir", str(runs)], capsys)
    assert "must be above the 60 epochs" in err
    assert "--epochs" in err
    assert "must be above" in _fails(["resume", "done", "--epochs", "40", "--runs-dir",
                                      str(runs)], capsys)
    summary = json.loads((run / "summary.json").read_text())
    (run / "summary.json").write_text(json.dumps({**summary, "status": "running",
                                                  "pid": __import__("os").getpid()}))
    assert "still training" in _fails(["resume", "done", "--epochs", "90", "--runs-dir",
                                       str(runs)], capsys)
    (run / "summary.json").write_text(json.dumps(summary))
    with np.load(run / "weights.npz") as z:  # a checkpoint of another format version
        members = {k: z[k] for k in z.files}
    meta = json.loads(str(members["checkpoint"]))
    np.savez(run / "weights.npz", **{**members, "checkpoint": np.array(json.dumps(
        {**meta, "version": 99}))})
    assert "checkpoint format 99" in _fails(["resume", "done", "--epochs", "90",
                                             "--runs-dir", str(runs)], capsys)
    np.savez(run / "weights.npz", **{k: v for k, v in members.items()
                                     if k[0] in "WB" or k == "config"})
    assert "holds no checkpoint" in _fails(["resume", "done", "--epochs", "90",
                                            "--runs-dir", str(runs)], capsys)
    (run / "config.json").write_text("{")
    assert "damaged" in _fails(["resume", "done", "--epochs", "90", "--runs-dir",
                                str(runs)], capsys)
    after = {p.name: p.read_bytes() for p in run.iterdir()}
    changed = {k for k in after if after[k] != before.get(k)}
    assert changed <= {"weights.npz", "summary.json", "config.json"}  # (the test's own)


@pytest.mark.long
def test_resume_after_sigkill_equals_the_uninterrupted_run(tmp_path, bp_tui_cmd, capsys):
    runs = tmp_path / "runs"
    whole = _train(TRAIN, runs, "whole", 12000)
    proc = subprocess.Popen([*bp_tui_cmd, "train", *TRAIN, "--epochs", "12000", "--runs-dir",
                             str(runs), "--name", "killed"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    run = runs / "killed"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # a checkpoint, and rows written after it
        try:
            ckpt = read_checkpoint(run)
            if len(read_metrics(run)) > ckpt.epoch // 6 + 30:
                break
        except (ValueError, OSError):
            pass
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "running"  # killed: no chance to say otherwise
    assert read_metrics(run)[-1]["epoch"] > read_checkpoint(run).epoch
    capsys.readouterr()
    assert main(["resume", "killed", "--runs-dir", str(runs), "--no-predictions"]) == 0
    with np.load(run / "weights.npz") as a, np.load(whole / "weights.npz") as b:
        for k in (k for k in b.files if k[0] in "WB"):
            assert np.array_equal(a[k], b[k]), k
    assert _rows(run) == _rows(whole)
    log = (run / "log.txt").read_text()
    assert "***** Training resumed at epoch" in log
    assert json.loads((run / "summary.json").read_text())["status"] == "finished"
