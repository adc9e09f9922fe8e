"""Resuming a run continues it exactly: the weights bit for bit and the same
metrics.jsonl rows as one uninterrupted run, for every optimiser and engine, with
shuffling and with lr changes made before the interruption."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.config import RunConfig
from core.records import read_metrics
from core.records.checkpoint import read_checkpoint
from core.run.session import Session, SetupError
from core.train.controls import Controls

BASE = RunConfig(data="circle", n=40, hidden=(6, 5), epochs=240, log_every=40, lr=0.2,
                 seed=5, shuffle=True)
CASES = [
    {"backend": "numba"},
    {"backend": "numpy"},
    {"optimizer": "momentum", "lr": 0.05},
    {"optimizer": "adam", "lr": 0.01},
    {"optimizer": "adam", "lr": 0.01, "batch_size": 8},
]


def _rows(run_dir):
    return [(r["epoch"], r["loss"], r["soft_acc"], r["acc"], r["lr"])
            for r in read_metrics(run_dir)]


def _interrupted(cfg, root, stop_at, lr_at=None):
    """Run ``cfg`` but stop at the first chunk end at or after ``stop_at`` (changing the
    lr once on the way at ``lr_at``); returns the session."""
    controls = Controls()
    session = Session(cfg, runs_root=root, controls=controls, notify=lambda _m: None)
    for p in session.iterate():
        if lr_at is not None and p.epoch >= lr_at and not session.trainer.lr_changes:
            controls.set_lr(cfg.lr / 2)
        if p.epoch >= stop_at:
            controls.stop()
    return session


def _uninterrupted_with_lr(cfg, root, lr_epoch):
    """The reference: the same lr change at the same epoch, never stopped."""
    controls = Controls()
    session = Session(cfg, runs_root=root, controls=controls, notify=lambda _m: None)
    for p in session.iterate():
        if p.epoch == session.trainer.epoch and p.epoch >= lr_epoch and \
                not session.trainer.lr_changes:
            controls.set_lr(cfg.lr / 2)
    return session


@pytest.mark.parametrize("changes", CASES)
def test_resume_after_a_stop_equals_the_uninterrupted_run(changes, tmp_path):
    cfg = BASE.with_changes(**changes)
    whole = Session(cfg, runs_root=tmp_path / "a", notify=lambda _m: None)
    for _ in whole.iterate():
        pass
    part = _interrupted(cfg, tmp_path / "b", stop_at=90)
    run_dir = part.recorder.dir
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "stopped"
    stopped_at = part.trainer.epoch
    assert 90 <= stopped_at < 240
    resumed = Session.resume(run_dir, notify=lambda _m: None)
    reports = list(resumed.iterate())
    assert reports[0].epoch == stopped_at
    assert reports[-1].status == "finished"
    assert np.array_equal(resumed.net.theta, whole.net.theta)
    assert _rows(run_dir) == _rows(whole.recorder.dir)
    log = (run_dir / "log.txt").read_text()
    assert f"***** Training resumed at epoch {stopped_at} *****" in log
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "finished"


def test_resume_keeps_lr_changes_made_before_the_interruption(tmp_path):
    cfg = BASE.with_changes(optimizer="momentum", lr=0.05)
    part = _interrupted(cfg, tmp_path / "b", stop_at=120, lr_at=30)
    (lr_epoch, _lr), = part.trainer.lr_changes
    resumed = Session.resume(part.recorder.dir, notify=lambda _m: None)
    for _ in resumed.iterate():
        pass
    ref = _uninterrupted_with_lr(cfg, tmp_path / "a", lr_epoch)
    assert ref.trainer.lr_changes == resumed.trainer.lr_changes == [(lr_epoch, 0.025)]
    assert np.array_equal(resumed.net.theta, ref.net.theta)
    assert _rows(part.recorder.dir) == _rows(ref.recorder.dir)


def test_resume_drops_what_a_killed_run_wrote_after_its_checkpoint(tmp_path):
    """A kill after the checkpoint: the rows and lines written later are cut off and
    written again by the resumed run — never twice."""
    cfg = BASE.with_changes(optimizer="adam", lr=0.01)
    whole = Session(cfg, runs_root=tmp_path / "a", notify=lambda _m: None)
    for _ in whole.iterate():
        pass
    part = Session(cfg, runs_root=tmp_path / "b", notify=lambda _m: None)
    for p in part.iterate():
        if p.epoch == part.trainer.epoch and p.epoch >= 100:
            part.recorder.checkpoint(part.net.named_params(), force=True,
                                     state=part.trainer.state())
            ckpt_epoch = p.epoch
            break
    it = part.trainer.run()  # "the process goes on a little, then dies": more rows
    run_dir = part.recorder.dir
    with open(run_dir / "metrics.jsonl", "a") as fh:
        fh.write(json.dumps({"epoch": ckpt_epoch + 6, "loss": 1.0}) + "\n")
    with open(run_dir / "log.txt", "a") as fh:
        fh.write("Epoch  999, loss: 1.0000, accuracy: 50.00%\n")
    del it
    assert read_checkpoint(run_dir).epoch == ckpt_epoch
    resumed = Session.resume(run_dir, notify=lambda _m: None)
    for _ in resumed.iterate():
        pass
    assert np.array_equal(resumed.net.theta, whole.net.theta)
    assert _rows(run_dir) == _rows(whole.recorder.dir)
    assert "Epoch  999" not in (run_dir / "log.txt").read_text()


def test_finished_run_resumes_for_more_epochs(tmp_path):
    short = Session(BASE.with_changes(epochs=120), runs_root=tmp_path / "b",
                    notify=lambda _m: None)
    for _ in short.iterate():
        pass
    whole = Session(BASE, runs_root=tmp_path / "a", notify=lambda _m: None)
    for _ in whole.iterate():
        pass
    resumed = Session.resume(short.recorder.dir, epochs=240, notify=lambda _m: None)
    for _ in resumed.iterate():
        pass
    assert np.array_equal(resumed.net.theta, whole.net.theta)
    rows_a, rows_b = _rows(whole.recorder.dir), _rows(short.recorder.dir)
    assert [r[0] for r in rows_b] == [r[0] for r in rows_a]
    assert rows_b[-1] == rows_a[-1]


def test_resume_refusals_write_nothing(tmp_path):
    s = Session(BASE.with_changes(epochs=30), runs_root=tmp_path, notify=lambda _m: None)
    for _ in s.iterate():
        pass
    run_dir = s.recorder.dir
    before = {p.name: p.read_bytes() for p in run_dir.iterdir()}
    with pytest.raises(SetupError, match="above the 30 epochs"):
        Session.resume(run_dir, notify=lambda _m: None)
    with pytest.raises(SetupError, match="above the 30 epochs"):
        Session.resume(run_dir, epochs=20, notify=lambda _m: None)
    (run_dir / "config.json").write_text("{")
    with pytest.raises(SetupError, match="damaged"):
        Session.resume(run_dir, epochs=60, notify=lambda _m: None)
    (run_dir / "config.json").write_bytes(before["config.json"])
    np.savez(run_dir / "weights.npz", W1=np.zeros((2, 6)))
    with pytest.raises(SetupError, match="run"):
        Session.resume(run_dir, epochs=60, notify=lambda _m: None)
    after = {p.name: p.read_bytes() for p in run_dir.iterdir()}
    assert {k: v for k, v in after.items() if k != "weights.npz"} == \
        {k: v for k, v in before.items() if k != "weights.npz"}
