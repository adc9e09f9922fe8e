"""Run records: what a run writes, what a killed run leaves, and reading damaged runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import numpy as np
import pytest

from core import __version__
from core.config import RunConfig
from core.datasets import generate
from core.records import RunRecorder, default_runs_root, read_metrics, read_run, read_weights
from core.records.weights import load_weights
from core.run.session import Session, seeded_rngs

CFG = RunConfig(data="xor", hidden=(4, 4), epochs=20, log_every=5, lr=0.5, seed=11,
                backend="numpy", name="tiny")


def test_default_runs_root_follows_env(runs_root, monkeypatch, tmp_path):
    assert default_runs_root() == runs_root
    monkeypatch.delenv("BP_TUI_RUNS")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_runs_root() == tmp_path / "bp-tui" / "runs"


def test_a_run_writes_every_file(runs_root):
    s = Session(CFG)
    printed = [line for p in s.iterate() for line in p.lines]
    d = s.recorder.dir
    assert d.parent == runs_root
    assert d.name == "tiny"
    assert {f.name for f in d.iterdir()} == {
        "config.json", "metrics.jsonl", "log.txt", "weights.npz", "data.npz", "summary.json",
        "writer.lock"}

    config = json.loads((d / "config.json").read_text())
    assert config["seed"] == 11
    assert config["version"] == __version__
    assert config["hidden"] == [4, 4]
    assert config["lr"] == 0.5
    assert RunConfig.from_dict(config) == CFG  # enough to reproduce the run

    assert (d / "log.txt").read_text() == "".join(line + "\n" for line in printed)

    rows = read_metrics(d)
    assert rows[0]["epoch"] == 0
    assert rows[-1]["epoch"] == 20
    final = s.last.metrics
    assert rows[-1]["loss"] == final.loss
    assert rows[-1]["soft_acc"] == final.soft_acc
    assert rows[-1]["acc"] == final.acc
    assert all(r["lr"] == 0.5 for r in rows)

    named, cfg = load_weights(d / "weights.npz")
    for k, v in s.net.named_params().items():
        np.testing.assert_array_equal(named[k], v)
    assert cfg["seed"] == 11

    with np.load(d / "data.npz", allow_pickle=False) as data:
        ref = generate("xor", None, 0.0, seeded_rngs(11)[0])
        np.testing.assert_array_equal(data["X"], ref.X)
        np.testing.assert_array_equal(data["y"], ref.y)

    summary = json.loads((d / "summary.json").read_text())
    assert summary["status"] == "finished"
    assert summary["epoch"] == 20
    assert summary["loss"] == final.loss
    assert summary["epochs_per_s"] == summary["epoch"] / summary["duration"]  # the average
    assert summary["epochs_per_s"] > 0

    info = read_run(d)
    assert info.damaged is None
    assert info.status == "finished"
    assert info.name == "tiny"


def test_names_do_not_collide(runs_root):
    a = Session(CFG)
    b = Session(CFG)
    assert a.recorder.dir != b.recorder.dir
    assert b.recorder.dir.name == "tiny-2"
    for s in (a, b):
        list(s.iterate())


def test_unrecorded_run_writes_nothing(runs_root):
    list(Session(CFG, record=False).iterate())
    assert not runs_root.exists() or not any(runs_root.iterdir())


def test_interrupted_iteration_is_marked_stopped(runs_root):
    s = Session(CFG.with_changes(epochs=10**6))
    it = s.iterate()
    next(it)
    next(it)
    it.close()  # GeneratorExit inside iterate(), as a Ctrl-C would be
    summary = json.loads((s.recorder.dir / "summary.json").read_text())
    assert summary["status"] == "stopped"
    assert read_weights(s.recorder.dir) is not None


def test_read_metrics_tolerates_torn_and_foreign_lines(tmp_path):
    (tmp_path / "metrics.jsonl").write_text(
        '{"epoch": 0, "loss": 1.0}\n'
        "[1, 2]\n"
        '{"no_epoch": 1}\n'
        '{"epoch": 5, "loss": 0.5}\n'
        '{"epoch": 10, "lo'
    )
    assert read_metrics(tmp_path) == [{"epoch": 0, "loss": 1.0}, {"epoch": 5, "loss": 0.5}]
    assert read_metrics(tmp_path / "missing") == []


def test_metrics_nan_written_as_null(tmp_path):
    rec = RunRecorder(tmp_path, {"data": "xor", "hidden": [2]}, np.zeros((2, 2)), np.zeros((2, 1)))
    rec.metrics(3, float("nan"), float("inf"), 50.0, 0.1, 1.0)
    rec.close()
    line = (rec.dir / "metrics.jsonl").read_text()
    assert json.loads(line)["loss"] is None
    assert "NaN" not in line
    assert "Infinity" not in line


def _good_run(tmp_path):
    s = Session(CFG, runs_root=tmp_path)
    list(s.iterate())
    return s.recorder.dir


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda d: (d / "config.json").unlink(), "config.json is missing"),
        (lambda d: (d / "summary.json").unlink(), "summary.json is missing"),
        (lambda d: (d / "config.json").write_text('{"data": "xor", "hid'),
         "config.json is not readable JSON"),
        (lambda d: (d / "summary.json").write_bytes(b"\xff\xfe\x00garbage"),
         "summary.json is not readable JSON"),
        (lambda d: (d / "config.json").write_text("[1, 2, 3]"), "config.json is not a JSON object"),
        (lambda d: (d / "config.json").write_text('{"foreign": true}'),
         "config.json has no hidden sizes"),
    ],
)
def test_read_run_on_damaged_dirs(tmp_path, damage, reason):
    d = _good_run(tmp_path)
    damage(d)
    info = read_run(d)
    assert info.status == "damaged"
    assert info.damaged == reason


def test_read_run_on_empty_dir(tmp_path):
    info = read_run(tmp_path)
    assert info.status == "damaged"
    assert "missing" in info.damaged


def _recording(run_dir) -> bool:
    """The run has logged its first epoch, recorded a row and saved a checkpoint."""
    try:
        logged = (run_dir / "log.txt").read_text().startswith("Epoch    0, loss: ")
    except FileNotFoundError:
        return False
    return logged and bool(read_metrics(run_dir)) and (run_dir / "weights.npz").exists()


def test_killed_run_leaves_readable_records(runs_root, bp_tui_cmd):
    cmd = [*bp_tui_cmd, "train", "--data", "xor-grid", "--hidden", "16", "16", "--epochs",
           "100000000", "--log-every", "50", "--lr", "0.1", "--backend", "numpy",
           "--name", "killed", "--no-predictions"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        run_dir = runs_root / "killed"
        deadline = time.monotonic() + 30  # only a failure waits that long
        while not _recording(run_dir):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the run never wrote its first records"
            time.sleep(0.05)
        time.sleep(0.5)  # then killed mid-training, wherever its writes are
        assert proc.poll() is None, proc.stderr.read().decode()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL

    config = json.loads((run_dir / "config.json").read_text())
    assert config["epochs"] == 100000000
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "running"  # it never got to say otherwise
    with np.load(run_dir / "data.npz", allow_pickle=False) as data:
        assert data["X"].shape == (69, 2)
    rows = read_metrics(run_dir)
    assert rows
    assert rows[0]["epoch"] == 0
    log = (run_dir / "log.txt").read_text().splitlines()
    assert log[0].startswith("Epoch    0, loss: ")
    named = read_weights(run_dir)
    assert named is not None
    assert named["W1"].shape == (2, 16)
    assert read_run(run_dir).damaged is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [({"hidden": [-5]}, "hidden"), ({"lr": "abc"}, "lr"), ({"hidden": ["x"]}, "unusable")],
)
def test_a_config_with_impossible_settings_is_damaged(tmp_path, change, reason):
    (tmp_path / "summary.json").write_text(json.dumps({"status": "finished"}))
    (tmp_path / "config.json").write_text(json.dumps({**RunConfig().to_dict(), **change}))
    info = read_run(tmp_path)
    assert info.status == "damaged"
    assert info.damaged.startswith("config.json: ")
    assert reason in info.damaged


@pytest.mark.long
def test_training_compiles_nothing_after_ensure_compiled():
    """The kernels compiled (or loaded) ahead are the ones training calls: no compile
    sneaks into the timed epochs, and the stderr note was honest."""
    from core.run.session import Session
    from core.train import kernels
    from core.train.kernels import dispatch

    kernels.ensure_compiled(lambda _m: None)
    kernel = dispatch._kernel_module()
    before = (len(kernel.train_chunk_kernel.signatures),
              len(kernel.evaluate_kernel.signatures))
    for shuffle in (False, True):
        session = Session(RunConfig(data="xor", hidden=(4, 4), epochs=30, log_every=10,
                                    shuffle=shuffle), record=False, notify=lambda _m: None)
        for _ in session.iterate():
            pass
    after = (len(kernel.train_chunk_kernel.signatures),
             len(kernel.evaluate_kernel.signatures))
    assert after == before
