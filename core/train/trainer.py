"""The trainer: a plain object that trains a network epoch by epoch and reports.

It owns no thread. ``run()`` is a generator of immutable ``Progress`` reports, one per
epoch; whoever iterates it (the CLI, or the dashboard's worker thread) decides what to do
with them. Between epochs it obeys its ``Controls`` (pause, step, stop, lr), so those may
be driven from any other thread.

Per-point SGD (batch size 1, optimiser "sgd") runs in *chunks*: several epochs per
``backends.sgd_chunk`` call, the evaluations done inside the call (the numba kernel
does it all without the GIL, so a busy UI thread cannot stall training between
epochs). A chunk lasts at most ~``CHUNK_SECONDS`` (the first ones are shorter, so the
first reports come fast), never runs past a log epoch or the end, and is one epoch
while paused or stepping; the controls are read between chunks. The numbers do not
depend on the chunking: the same epochs and shuffles run in the same order.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from core.config import RunConfig
from core.datasets import Dataset
from core.nn.losses import get_loss
from core.nn.metrics import Metrics, evaluate
from core.nn.network import Network
from core.nn.optimizers import make_optimizer
from core.train import kernels
from core.train.controls import Controls
from core.train.kernels.batch import sgd_batch_step
from core.train.logfmt import FINISHED, epoch_line, time_line

__all__ = ["CHUNK_SECONDS", "EVAL_BUDGET", "KERNEL_EVAL_COST", "Progress", "Trainer"]

EVAL_BUDGET = 0.10  # evaluation may cost at most this share of training time
CHUNK_SECONDS = 0.02  # per-point SGD: the longest stretch between two looks at controls
# An evaluation inside the numba kernel (a forward pass over the set) costs about this
# share of a per-point training epoch (bench: ~0.4–0.6 from (4,4) to (512,512)), so the
# kernel path evaluates every ceil(KERNEL_EVAL_COST / EVAL_BUDGET) epochs: a fixed
# stride, hence the same evaluated epochs and numbers in every run of a config and seed.
# The NumPy per-point path evaluates every epoch: one vectorised forward pass costs a
# few % of an epoch of per-point NumPy calls.
KERNEL_EVAL_COST = 0.55


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
        self._chunked = config.batch_size == 1 and config.optimizer == "sgd"
        if self._chunked and backend == "numba":
            self._stride = math.ceil(KERNEL_EVAL_COST / EVAL_BUDGET - 1e-9)
        self._ramp = 1  # the longest chunk allowed next (doubles; the first ones are short)
        self._last_eval: tuple[int, Metrics, np.ndarray] | None = None

    @property
    def lr(self) -> float:
        """The learning rate in force."""
        return self.optimizer.lr

    # ------------------------------------------------------------ one epoch
    def _order(self) -> np.ndarray:
        """The next epoch's point order (drawn from the shuffle generator, if shuffling)."""
        n = len(self._X)
        return self.shuffle_rng.permutation(n) if self.config.shuffle else np.arange(n)

    def train_epoch(self) -> None:
        """One pass over the data in mini-batches (or per point with momentum / adam);
        per-point plain SGD never comes here: it runs in chunks (``_run_chunk``)."""
        with np.errstate(all="ignore"):
            self._minibatch_epoch(self._order())
        self.epoch += 1

    def _minibatch_epoch(self, order: np.ndarray) -> None:
        bs = self.config.batch_size
        params = self.net.params()
        plain_sgd = self.config.optimizer == "sgd"
        for start in range(0, len(order), bs):
            idx = order[start : start + bs]
            Xb, yb = (self._X, self._y) if bs >= len(order) else (self._X[idx], self._y[idx])
            if plain_sgd:  # the same step as below, in fewer passes (core.train.kernels.batch)
                sgd_batch_step(self.net, Xb, yb, self.optimizer.lr, self.loss)
                continue
            _, cache = self.net.forward(Xb)
            dWs, dBs = self.net.backward(cache, yb, self.loss)
            self.optimizer.step(params, [*dWs, *dBs])

    def evaluate(self) -> tuple[Metrics, np.ndarray]:
        """Metrics on the whole training set and the fresh ŷ column."""
        return evaluate(self.net, self._X, self._y, self.loss)

    # ------------------------------------------------------------ reports
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

    # ------------------------------------------------------------ chunks
    def _chunk_end(self) -> int:
        """The last epoch of the next chunk: at most ~CHUNK_SECONDS and the ramp's length
        ahead, ending on a multiple of the stride when it can (so chunk ends add no
        evaluations), never past the next log epoch or the end."""
        e, cfg = self.epoch, self.config
        limit = min(cfg.epochs, (e // cfg.log_every + 1) * cfg.log_every)
        k = self._ramp
        if self._train_time > 0:
            k = min(k, max(1, int(CHUNK_SECONDS / self._train_time)))
        end = e + k
        aligned = end - end % self._stride
        return min(aligned if aligned > e else end, limit)

    def _train_chunk(self, k: int, evals: np.ndarray):
        """k per-point epochs in one ``backends.sgd_chunk`` call; see there."""
        n = len(self._X)
        if self.config.shuffle:
            orders = np.empty((k, n), dtype=np.int64)
            for c in range(k):  # drawn in the same sequence as epoch by epoch
                orders[c] = self.shuffle_rng.permutation(n)
        else:
            orders = np.broadcast_to(np.arange(n, dtype=np.int64), (k, n))
        with np.errstate(all="ignore"):
            return kernels.sgd_chunk(
                self.net.Ws, self.net.Bs, self._X, self._y, orders, self.optimizer.lr,
                self.net.act.code, self.loss.code, evals, backend=self.backend,
            )

    def _run_chunk(self, stepping: bool) -> Iterator[Progress]:
        """Train one chunk and yield its per-epoch reports (the last one may be final)."""
        cfg, e0 = self.config, self.epoch
        end = e0 + 1 if stepping else self._chunk_end()
        k = end - e0
        epochs = np.arange(e0 + 1, end + 1)
        evals = (epochs % self._stride == 0) | (epochs % cfg.log_every == 0)
        evals[-1] = True
        t0 = self.timer()
        done, diverged, rows, yhats = self._train_chunk(k, evals)
        dt = self.timer() - t0
        per_epoch = dt / done
        self._train_time = (per_epoch if self._train_time == 0
                            else 0.7 * self._train_time + 0.3 * per_epoch)
        self._ramp = min(2 * self._ramp, 1 << 20)
        elapsed0, lr, which, r = self.elapsed, self.lr, cfg.accuracy, 0
        for c in range(done):
            e = e0 + c + 1
            self.epoch, self.elapsed = e, elapsed0 + dt * (c + 1) / done
            rate = e / self.elapsed if self.elapsed > 0 else 0.0
            if not evals[c]:
                yield Progress(e, cfg.epochs, lr, self.elapsed, rate)
                continue
            metrics, yhat = Metrics(*rows[r].tolist()), yhats[r].reshape(-1, 1)
            r += 1
            self._last_eval = (e, metrics, yhat)
            if diverged and c == done - 1:
                yield self._diverged_report(metrics, yhat)
                return
            if e == cfg.epochs:
                lines = [FINISHED, epoch_line(e, metrics.loss, metrics.accuracy(which)),
                         time_line(self.elapsed)]
                yield Progress(e, cfg.epochs, lr, self.elapsed, rate, metrics, yhat,
                               tuple(lines), "finished")
                return
            lines = ((epoch_line(e, metrics.loss, metrics.accuracy(which)),)
                     if e % cfg.log_every == 0 else ())
            yield Progress(e, cfg.epochs, lr, self.elapsed, rate, metrics, yhat, lines)

    def _run_epoch(self, stepping: bool) -> Iterator[Progress]:
        """Mini-batches or other optimisers: one epoch, evaluated at a measured stride."""
        cfg = self.config
        which = cfg.accuracy
        t0 = self.timer()
        self.train_epoch()
        dt = self.timer() - t0
        self.elapsed += dt
        self._train_time = dt if self._train_time == 0 else 0.9 * self._train_time + 0.1 * dt
        e = self.epoch
        logged = e % cfg.log_every == 0 and e < cfg.epochs
        last = e == cfg.epochs
        if not (logged or last or stepping or e % self._stride == 0):
            yield self._report()
            return
        metrics, yhat = self._timed_eval()
        self._last_eval = (e, metrics, yhat)
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

    # ------------------------------------------------------------ the loop
    def run(self) -> Iterator[Progress]:
        """Train to ``config.epochs``, yielding a report after every epoch."""
        cfg = self.config
        which = cfg.accuracy
        metrics, yhat = self._timed_eval()
        self._last_eval = (self.epoch, metrics, yhat)
        lines = [epoch_line(self.epoch, metrics.loss, metrics.accuracy(which))]
        if self._diverged(metrics):
            yield self._diverged_report(metrics, yhat)
            return
        yield self._report(metrics, yhat, lines)
        step = self._run_chunk if self._chunked else self._run_epoch
        while self.epoch < cfg.epochs:
            if not self.controls.wait_turn():
                break
            stepping = self.controls.paused
            new_lr = self.controls.take_lr()
            if new_lr is not None and new_lr != self.optimizer.lr:
                self.optimizer.lr = new_lr
                self.lr_changes.append((self.epoch, new_lr))
            p = None
            for p in step(stepping):
                yield p
            if p is not None and p.done:
                return
        if self._last_eval is not None and self._last_eval[0] == self.epoch:
            _, metrics, yhat = self._last_eval  # a chunk always ends evaluated
        else:
            metrics, yhat = self._timed_eval()
        acc = metrics.accuracy(which)
        lines = [
            f"***** Training stopped at epoch {self.epoch} *****",
            epoch_line(self.epoch, metrics.loss, acc),
            time_line(self.elapsed),
        ]
        yield self._report(metrics, yhat, lines, "stopped", f"stopped at epoch {self.epoch}")
