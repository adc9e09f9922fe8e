"""The trainer: epochs mean full passes, determinism, controls from another thread,
divergence, and no warnings escaping."""

from __future__ import annotations

import json
import threading
import time
import warnings

import numpy as np
import pytest

from core.config import RunConfig
from core.datasets import generate
from core.nn.network import Network
from core.records import read_metrics
from core.run.session import Session, seeded_rngs
from core.train.controls import Controls
from tests.tui.helpers import wait_holding

TINY = RunConfig(data="xor", hidden=(4, 4), epochs=20, log_every=5, lr=0.5, seed=7,
                 backend="numpy")


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def reference_sgd(Ws, Bs, X, y, lr, epochs):
    """The report's per-point SGD for a sigmoid net with summed squared error, written
    out independently of core: forward one point, back-propagate, update, next point."""
    Ws = [W.copy() for W in Ws]
    Bs = [B.copy() for B in Bs]
    for _ in range(epochs):
        for k in range(len(X)):
            As = [X[k : k + 1]]
            for W, B in zip(Ws, Bs):
                As.append(sig(As[-1] @ W + B))
            yhat = As[-1]
            dZ = 2.0 * (yhat - y[k : k + 1]) * yhat * (1 - yhat)
            for i in range(len(Ws) - 1, -1, -1):
                dW = As[i].T @ dZ
                dB = dZ.sum(axis=0)
                dA = dZ @ Ws[i].T
                Ws[i] -= lr * dW
                Bs[i] -= lr * dB
                if i > 0:
                    dZ = dA * As[i] * (1 - As[i])
    return Ws, Bs


def reference_loss(Ws, Bs, X, y):
    A = X
    for W, B in zip(Ws, Bs):
        A = sig(A @ W + B)
    return float(np.sum((y - A) ** 2)), (1 - float(np.mean(np.abs(A - y)))) * 100


def fresh_network(config):
    """The network a Session builds from this seed, drawn independently here."""
    data_rng, init_rng, _ = seeded_rngs(config.seed)
    data = generate(config.data, config.n, config.noise, data_rng)
    net = Network(config.hidden, config.activation, config.init, init_rng)
    return data, net


def evaluated(reports) -> dict:
    """{epoch: Metrics} of every evaluated epoch in the reports."""
    return {e: m for p in reports for e, m, _t in p.evaluations}


# ------------------------------------------------------------------ epochs
@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_epoch_e_means_after_e_full_epochs(backend):
    cfg = TINY.with_changes(backend=backend)
    data, net0 = fresh_network(cfg)
    reports = list(Session(cfg, record=False, notify=lambda _m: None).iterate())
    metrics = evaluated(reports)
    assert reports[0].epoch == 0
    assert reports[-1].epoch == 20
    assert reports[-1].status == "finished"
    for e in (0, 5, 10, 15, 20):
        Ws, Bs = reference_sgd(net0.Ws, net0.Bs, data.X, data.y, 0.5, e)
        loss, soft = reference_loss(Ws, Bs, data.X, data.y)
        assert metrics[e].loss == pytest.approx(loss, rel=1e-9)
        assert metrics[e].soft_acc == pytest.approx(soft, rel=1e-9)


def test_epoch_zero_is_the_untrained_network():
    data, net0 = fresh_network(TINY)
    first = next(Session(TINY, record=False).iterate())
    loss, soft = reference_loss(net0.Ws, net0.Bs, data.X, data.y)
    assert first.epoch == 0
    assert first.metrics.loss == loss
    assert first.lines == (f"Epoch    0, loss: {loss:.4f}, accuracy: {soft:.2f}%",)


def test_log_lines_and_end_lines_order():
    reports = list(Session(TINY, record=False).iterate())
    lines = [line for p in reports for line in p.lines]
    assert [line.split(",")[0] for line in lines[:4]] == [
        "Epoch    0", "Epoch    5", "Epoch   10", "Epoch   15"]
    assert lines[4] == "***** Training finished *****"
    assert lines[5].startswith("Epoch   20, loss: ")
    assert lines[6].startswith("Model Training time taken: 0.0 minutes ")
    assert lines[6].endswith(" seconds")
    assert len(lines) == 7
    final = reports[-1]
    assert final.done
    assert lines[5] == (f"Epoch   20, loss: {final.metrics.loss:.4f}, "
                        f"accuracy: {final.metrics.soft_acc:.2f}%")


def test_threshold_accuracy_in_log():
    cfg = TINY.with_changes(accuracy="threshold")
    first = next(Session(cfg, record=False).iterate())
    assert first.lines[0].endswith(f"accuracy: {first.metrics.acc:.2f}%")


def test_reports_are_copies():
    it = Session(TINY, record=False).iterate()
    first = next(it)
    kept = first.yhat.copy()
    for _ in it:
        pass
    np.testing.assert_array_equal(first.yhat, kept)


# ------------------------------------------------------------------ determinism
@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"backend": "numba"},
        {"data": "circle", "noise": 0.2, "shuffle": True, "batch_size": 8, "optimizer": "adam",
         "lr": 0.01, "hidden": (8, 8, 4), "activation": "tanh"},
        {"data": "linear", "optimizer": "momentum", "batch_size": 4, "loss": "bce"},
    ],
)
def test_same_config_and_seed_give_identical_metrics(changes):
    cfg = TINY.with_changes(**changes)

    def run():
        reports = list(Session(cfg, record=False, notify=lambda _m: None).iterate())
        lines = [x for p in reports for x in p.lines if not x.startswith("Model Training")]
        return lines, [(e, m.loss, m.soft_acc, m.acc) for e, m in evaluated(reports).items()]

    (la, a), (lb, b) = run(), run()
    assert [x.split(",")[0] for x in la if x.startswith("Epoch")] == [
        f"Epoch {e:4d}" for e in (0, 5, 10, 15, 20)]
    assert (la, a) == (lb, b)  # bit for bit, every evaluated epoch
    assert a[0][1] != a[-1][1]
    other = evaluated(Session(cfg.with_changes(seed=8), record=False,
                              notify=lambda _m: None).iterate())
    assert other[0].loss != a[0][1]


# ------------------------------------------------------------------ controls
class Driver:
    """Iterates a session's reports in its own thread, keeping the newest."""

    def __init__(self, session):
        self.session = session
        self.reports = []
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                for p in self.session.iterate():
                    self.reports.append(p)
        except BaseException as exc:  # surfaced by the test
            self.error = exc

    @property
    def epoch(self):
        return self.reports[-1].epoch if self.reports else -1

    def wait_for(self, predicate, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.005)
        raise AssertionError("timed out")

    def settle(self):
        """The epoch the paused trainer holds at, once it holds (every report is in: the
        thread appends each before it asks for the next epoch)."""
        wait_holding(self.session.controls)
        return self.epoch


def test_controls_from_another_thread(runs_root):
    cfg = TINY.with_changes(epochs=10**7, log_every=10**6)
    controls = Controls()
    session = Session(cfg, runs_root=runs_root, controls=controls)
    d = Driver(session)
    d.wait_for(lambda: d.epoch >= 3)

    controls.pause()
    held = d.settle()
    time.sleep(0.2)
    assert d.epoch == held, "pause must hold"
    assert controls.paused

    controls.step()
    d.wait_for(lambda: d.epoch == held + 1)
    assert d.settle() == held + 1, "step must advance exactly one epoch"
    assert d.reports[-1].metrics is not None  # a step is always evaluated

    controls.set_lr(0.125)
    controls.step()
    d.wait_for(lambda: d.epoch == held + 2)
    assert d.settle() == held + 2
    assert d.reports[-1].lr == 0.125
    assert session.trainer.lr == 0.125
    assert session.trainer.lr_changes == [(held + 1, 0.125)]

    controls.resume()
    d.wait_for(lambda: d.epoch >= held + 10)
    controls.stop()
    d.thread.join(10)
    assert not d.thread.is_alive()
    assert d.error is None
    last = d.reports[-1]
    assert last.status == "stopped"
    assert last.epoch < cfg.epochs
    assert last.lines[0] == f"***** Training stopped at epoch {last.epoch} *****"
    assert last.lines[1].startswith(f"Epoch {last.epoch:4d}, loss: ")
    assert last.lines[2].startswith("Model Training time taken: ")
    assert all(p.lr == 0.5 for p in d.reports if p.epoch <= held + 1)
    assert all(p.lr == 0.125 for p in d.reports if p.epoch >= held + 2)

    rows = read_metrics(session.recorder.dir)
    # metrics.jsonl holds the scheduled epochs only, whatever was stepped or stopped
    assert [r["epoch"] for r in rows] == [e for e in range(last.epoch + 1)
                                          if session.trainer.scheduled(e)]
    assert all(r["lr"] == (0.5 if r["epoch"] <= held + 1 else 0.125) for r in rows)
    summary = json.loads((session.recorder.dir / "summary.json").read_text())
    assert summary["status"] == "stopped"
    assert summary["epoch"] == last.epoch
    assert summary["loss"] == last.metrics.loss


def test_stop_while_paused():
    cfg = TINY.with_changes(epochs=10**7)
    controls = Controls()
    d = Driver(Session(cfg, record=False, controls=controls))
    d.wait_for(lambda: d.epoch >= 1)
    controls.pause()
    held = d.settle()
    controls.stop()
    d.thread.join(10)
    assert not d.thread.is_alive()
    assert d.reports[-1].status == "stopped"
    assert d.reports[-1].epoch == held


def test_stop_before_start_still_reports():
    controls = Controls()
    controls.stop()
    reports = list(Session(TINY, record=False, controls=controls).iterate())
    assert [p.epoch for p in reports] == [0, 0]
    assert reports[-1].status == "stopped"


# ------------------------------------------------------------------ divergence
@pytest.mark.parametrize(
    "changes",
    [
        {"activation": "none", "loss": "bce", "lr": 1e6},
        {"activation": "none", "loss": "bce", "lr": 1e6, "backend": "numba"},
        {"activation": "none", "loss": "bce", "lr": 1e6, "batch_size": 4},
    ],
)
def test_divergence_is_reported(changes):
    cfg = TINY.with_changes(epochs=200, **changes)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reports = list(Session(cfg, record=False, notify=lambda _m: None).iterate())
    last = reports[-1]
    assert last.status == "diverged"
    assert last.epoch < 200
    assert f"epoch {last.epoch}" in last.message
    assert "smaller learning rate" in last.message
    assert "1e+06" in last.message
    assert last.lines[0] == "***** Training diverged *****"
    assert sum(p.done for p in reports) == 1


# ------------------------------------------------------------------ chunks
CHUNKY = TINY.with_changes(epochs=300, log_every=50, shuffle=True, data="circle", n=40)


def _run_reports(cfg, monkeypatch=None, chunk_seconds=None):
    from core.train import trainer as trainer_mod

    if chunk_seconds is not None:
        monkeypatch.setattr(trainer_mod, "CHUNK_SECONDS", chunk_seconds)
    session = Session(cfg, record=False, notify=lambda _m: None)
    reports = list(session.iterate())
    return reports, session


@pytest.mark.parametrize(
    "changes",
    [{"backend": "numba"}, {"backend": "numpy"}, {"optimizer": "adam", "lr": 0.01},
     {"optimizer": "momentum", "lr": 0.05}, {"batch_size": 8}],
)
def test_chunked_equals_epoch_by_epoch(changes, monkeypatch):
    """Chunks of many epochs give bit-for-bit the weights, the evaluated epochs, their
    metrics and the log lines of one-epoch chunks (CHUNK_SECONDS = 0), and one report
    per epoch either way — for every regime."""
    from core.train.trainer import EVAL_STRIDE

    cfg = CHUNKY.with_changes(**changes)
    chunked, s1 = _run_reports(cfg, monkeypatch, chunk_seconds=10.0)
    single, s2 = _run_reports(cfg, monkeypatch, chunk_seconds=0.0)
    assert [p.epoch for p in single] == list(range(301))  # one-epoch chunks
    assert len(chunked) < len(single)
    for reports in (chunked, single):
        assert [p.done for p in reports] == [False] * (len(reports) - 1) + [True]
        assert [p.epoch for p in reports] == sorted(p.epoch for p in reports)
        assert reports[-1].epoch == 300
    np.testing.assert_array_equal(s1.net.theta, s2.net.theta)
    scheduled = [e for e in range(301) if e % EVAL_STRIDE == 0 or e % 50 == 0 or e == 300]
    for reports in (chunked, single):
        assert [e for p in reports for e, _m, _t in p.evaluations] == scheduled
    assert evaluated(chunked) == evaluated(single)  # one rule, whatever the chunking
    assert chunked[-1].yhat.shape == (40, 1)
    np.testing.assert_array_equal(chunked[-1].yhat, single[-1].yhat)
    strip = [x for p in chunked for x in p.lines if not x.startswith("Model Training")]
    assert strip == [x for p in single for x in p.lines if not x.startswith("Model Training")]
    assert len(strip) == 8  # epochs 0, 50, …, 250, the banner and the final epoch


def test_chunked_backends_agree():
    a, _ = _run_reports(CHUNKY.with_changes(backend="numba"))
    b, _ = _run_reports(CHUNKY.with_changes(backend="numpy"))
    ma, mb = evaluated(a), evaluated(b)
    assert ma.keys() == mb.keys()
    for e in ma:
        assert ma[e].loss == pytest.approx(mb[e].loss, rel=1e-9)
        assert ma[e].soft_acc == pytest.approx(mb[e].soft_acc, rel=1e-9)
        assert ma[e].acc == mb[e].acc
    la = [x for p in a for x in p.lines if not x.startswith("Model Training")]
    assert la == [x for p in b for x in p.lines if not x.startswith("Model Training")]


@pytest.mark.long
def test_evaluations_are_deterministic():
    """Every path evaluates the same epochs (the fixed rule), with the same numbers in
    every run, however fast the machine."""
    cfg = CHUNKY.with_changes(epochs=900, log_every=300)
    for changes in ({"backend": "numba"}, {"optimizer": "adam", "lr": 0.01}, {"batch_size": 4}):
        a, s = _run_reports(cfg.with_changes(**changes))
        b, _ = _run_reports(cfg.with_changes(**changes))
        assert list(evaluated(a)) == [e for e in range(901) if s.trainer.scheduled(e)]
        assert evaluated(a) == evaluated(b)


def test_chunks_start_short_and_stay_short(monkeypatch):
    from core.train import trainer as trainer_mod

    sizes = []
    real = trainer_mod.kernels.train_chunk

    def spy(engine, theta, orders, *args, **kwargs):
        sizes.append(len(orders))
        return real(engine, theta, orders, *args, **kwargs)

    monkeypatch.setattr(trainer_mod.kernels, "train_chunk", spy)
    _run_reports(CHUNKY.with_changes(backend="numba", epochs=1000, log_every=300))
    assert sum(sizes) == 1000
    assert sizes[:3] == [1, 2, 4]  # a short start: the first reports come fast
    assert max(sizes) < 1000
