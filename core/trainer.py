"""The trainer: a plain object that trains a network epoch by epoch and reports.

It owns no thread. ``run()`` is a generator of immutable ``Progress`` reports; whoever
iterates it (the CLI, or the dashboard's worker thread) decides what to do with them.
Between epochs it obeys its ``Controls`` (pause, step, stop, lr), so those may be driven
from any other thread.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from core import backends
from core.batch_numpy import sgd_batch_step
from core.config import RunConfig
from core.controls import Controls
from core.datasets import Dataset
from core.logfmt import FINISHED, epoch_line, time_line
from core.losses import get_loss
from core.metrics import Metrics, evaluate
from core.network import Network
from core.optimizers import make_optimizer

__all__ = ["EVAL_BUDGET", "Progress", "Trainer"]

EVAL_BUDGET = 0.10  # evaluation may cost at most this share of training time
STATUSES = ("running", "finished", "stopped", "diverged")


@dataclass(frozen=True)
class Progress:
    """One report from the trainer, after ``epoch`` full epochs.

    ``metrics`` and ``yhat`` (a fresh (n, 1) array, never a view of live state) are set
    only at evaluated epochs. ``lines`` are the log lines this report adds. ``status`` is
    "running" until the last report, which is "finished", "stopped" or "diverged".
    """

    epoch: int
    epochs: int
    lr: float
    elapsed: float
    epochs_per_s: float
    metrics: Metrics | None = None
    yhat: np.ndarray | None = None
    lines: tuple[str, ...] = ()
    status: str = "running"
    message: str = ""

    @property
    def done(self) -> bool:
        """True for the last report of a run."""
        return self.status != "running"


class Trainer:
    """Trains ``network`` on ``data`` as ``config`` says, obeying ``controls``."""

    def __init__(
        self,
        config: RunConfig,
        data: Dataset,
        network: Network,
        controls: Controls | None = None,
        backend: str = "numpy",
        shuffle_rng: np.random.Generator | None = None,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.config = config
        self.data = data
        self.net = network
        self.controls = controls if controls is not None else Controls()
        self.backend = backend
        self.loss = get_loss(config.loss)
        self.optimizer = make_optimizer(config.optimizer, config.lr, config.momentum)
        self.shuffle_rng = shuffle_rng if shuffle_rng is not None else np.random.default_rng()
        self.timer = timer  # injectable, so tests and snapshots get deterministic times
        self.epoch = 0
        self.elapsed = 0.0
        self.lr_changes: list[tuple[int, float]] = []
        self._X = np.ascontiguousarray(data.X, dtype=float)
        self._y = np.ascontiguousarray(data.y, dtype=float).reshape(-1, 1)
        self._train_time = 0.0  # smoothed seconds per epoch
        self._eval_time = 0.0  # smoothed seconds per evaluation
        self._stride = 1

    @property
    def lr(self) -> float:
        """The learning rate in force."""
        return self.optimizer.lr

    # ------------------------------------------------------------ one epoch
    def train_epoch(self) -> None:
        """One pass over the data: per point (batch 1) or in mini-batches."""
        n = len(self._X)
        order = self.shuffle_rng.permutation(n) if self.config.shuffle else np.arange(n)
        with np.errstate(all="ignore"):
            if self.config.batch_size == 1 and self.config.optimizer == "sgd":
                backends.sgd_epoch(
                    self.net.Ws, self.net.Bs, self._X, self._y, order, self.optimizer.lr,
                    self.net.act.code, self.loss.code, backend=self.backend,
                )
            else:
                self._minibatch_epoch(order)
        self.epoch += 1

    def _minibatch_epoch(self, order: np.ndarray) -> None:
        bs = self.config.batch_size
        params = self.net.params()
        plain_sgd = self.config.optimizer == "sgd"
        for start in range(0, len(order), bs):
            idx = order[start : start + bs]
            Xb, yb = (self._X, self._y) if bs >= len(order) else (self._X[idx], self._y[idx])
            if plain_sgd:  # the same step as below, in fewer passes (core.batch_numpy)
                sgd_batch_step(self.net, Xb, yb, self.optimizer.lr, self.loss)
                continue
            _, cache = self.net.forward(Xb)
            dWs, dBs = self.net.backward(cache, yb, self.loss)
            self.optimizer.step(params, [*dWs, *dBs])

    def evaluate(self) -> tuple[Metrics, np.ndarray]:
        """Metrics on the whole training set and the fresh ŷ column."""
        return evaluate(self.net, self._X, self._y, self.loss)

    # ------------------------------------------------------------ the loop
    def _report(self, metrics=None, yhat=None, lines=(), status="running", message=""):
        rate = self.epoch / self.elapsed if self.elapsed > 0 else 0.0
        return Progress(
            self.epoch, self.config.epochs, self.lr, self.elapsed, rate,
            metrics, yhat, tuple(lines), status, message,
        )

    def _timed_eval(self) -> tuple[Metrics, np.ndarray]:
        t0 = self.timer()
        metrics, yhat = self.evaluate()
        dt = self.timer() - t0
        self._eval_time = dt if self._eval_time == 0 else 0.8 * self._eval_time + 0.2 * dt
        if self._train_time > 0:
            self._stride = max(1, math.ceil(self._eval_time / (EVAL_BUDGET * self._train_time)))
        return metrics, yhat

    def _diverged(self, metrics: Metrics) -> bool:
        return not math.isfinite(metrics.loss) or not self.net.all_finite()

    def _diverged_report(self, metrics: Metrics, yhat: np.ndarray) -> Progress:
        msg = (
            f"Training diverged at epoch {self.epoch}: the loss or the weights became NaN or "
            f"infinite. Try a smaller learning rate than {self.lr:g}."
        )
        return self._report(metrics, yhat, ("***** Training diverged *****", msg), "diverged", msg)

    def run(self) -> Iterator[Progress]:
        """Train to ``config.epochs``, yielding a report after every epoch."""
        cfg = self.config
        which = cfg.accuracy
        metrics, yhat = self._timed_eval()
        lines = [epoch_line(self.epoch, metrics.loss, metrics.accuracy(which))]
        if self._diverged(metrics):
            yield self._diverged_report(metrics, yhat)
            return
        yield self._report(metrics, yhat, lines)
        while self.epoch < cfg.epochs:
            if not self.controls.wait_turn():
                break
            stepping = self.controls.paused
            new_lr = self.controls.take_lr()
            if new_lr is not None and new_lr != self.optimizer.lr:
                self.optimizer.lr = new_lr
                self.lr_changes.append((self.epoch, new_lr))
            t0 = self.timer()
            self.train_epoch()
            dt = self.timer() - t0
            self.elapsed += dt
            self._train_time = dt if self._train_time == 0 else 0.9 * self._train_time + 0.1 * dt
            e = self.epoch
            logged = e % cfg.log_every == 0 and e < cfg.epochs
            last = e == cfg.epochs
            if logged or last or stepping or e % self._stride == 0:
                metrics, yhat = self._timed_eval()
                if self._diverged(metrics):
                    yield self._diverged_report(metrics, yhat)
                    return
                if last:
                    acc = metrics.accuracy(which)
                    lines = [FINISHED, epoch_line(e, metrics.loss, acc), time_line(self.elapsed)]
                    yield self._report(metrics, yhat, lines, "finished")
                    return
                lines = [epoch_line(e, metrics.loss, metrics.accuracy(which))] if logged else []
                yield self._report(metrics, yhat, lines)
            else:
                yield self._report()
        metrics, yhat = self._timed_eval()
        acc = metrics.accuracy(which)
        lines = [
            f"***** Training stopped at epoch {self.epoch} *****",
            epoch_line(self.epoch, metrics.loss, acc),
            time_line(self.elapsed),
        ]
        yield self._report(metrics, yhat, lines, "stopped", f"stopped at epoch {self.epoch}")
