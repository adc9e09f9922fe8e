"""The trainer: a plain object that trains a network epoch by epoch and reports.

It owns no thread. ``run()`` is a generator of immutable ``Progress`` reports, one per
chunk of epochs (with every evaluated epoch of the chunk in it); whoever iterates it
(the CLI, a run host's thread) decides what to do with them.
Between chunks it obeys its ``Controls`` (pause, step, stop, lr), so those may be driven
from any other thread.

Every regime trains in *chunks*: several epochs per ``kernels.train_chunk`` call, the
evaluations done inside the call (the compiled kernel does it all without the GIL, so a
busy UI thread cannot stall training). A chunk lasts at most ~``CHUNK_SECONDS`` (the
first ones are shorter, so the first reports come fast) and is one epoch while paused
or stepping. Which epochs are evaluated is one fixed rule for every path —
``scheduled(epoch)``: epoch 0, every ``EVAL_STRIDE``-th epoch, every log epoch and the
last — plus the epoch where the user stepped or stopped. So the numbers, and the rows of
metrics.jsonl, do not depend on the machine or on the chunking.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.config import RunConfig
from core.datasets import Dataset
from core.nn.losses import get_loss
from core.nn.metrics import Metrics
from core.nn.network import Network
from core.nn.optimizers import make_optimizer
from core.state import RunState
from core.train import kernels
from core.train.controls import Controls
from core.train.logfmt import epoch_line, final_lines, time_line

__all__ = ["CHUNK_SECONDS", "EVAL_STRIDE", "RATE_WINDOW", "Progress", "Trainer", "average_rate"]

CHUNK_SECONDS = 0.02  # the longest stretch of training between two looks at the controls
EVAL_STRIDE = 6
"""Evaluate every this many epochs (besides log epochs and the last). An evaluation — one
forward pass over the set — costs about 0.55 of a per-point epoch in the kernel and less
than a third of a mini-batch epoch, so every 6th keeps it near 10 % of training time."""
RATE_WINDOW = 3.0  # epochs/s is measured over about this many seconds of training


Evaluation = tuple[int, Metrics, float]
"""One evaluated epoch: (epoch, its metrics, the training seconds up to it)."""


@dataclass(frozen=True)
class Progress:
    """One report from the trainer: after ``epoch`` full epochs, at the end of a chunk
    of epochs (one report per chunk, ~50 a second, however fast the epochs run).

    ``evaluations`` holds every evaluated epoch of the chunk in order; ``metrics`` is
    the one of ``epoch`` itself (None when that epoch was not evaluated) and ``yhat``
    the newest ŷ of the chunk (a fresh (n, 1) array, never a view of live state).
    ``lines`` are the log lines the chunk adds. ``status`` is RUNNING until the last
    report, which is FINISHED, STOPPED or DIVERGED (``core.state.RunState``).
    ``epochs_per_s`` is measured over the last ``RATE_WINDOW`` seconds of training.
    """

    epoch: int
    epochs: int
    lr: float
    elapsed: float
    epochs_per_s: float
    metrics: Metrics | None = None
    yhat: np.ndarray | None = None
    lines: tuple[str, ...] = ()
    status: RunState = RunState.RUNNING
    message: str = ""
    evaluations: tuple[Evaluation, ...] = ()

    @property
    def done(self) -> bool:
        """True for the last report of a run."""
        return self.status != RunState.RUNNING


def average_rate(epoch: int, elapsed: float) -> float:
    """A run's average epochs per second: epochs trained ÷ training time (what its
    summary.json records as ``epochs_per_s``, and a finished run's status line shows)."""
    return epoch / elapsed if elapsed > 0 else 0.0


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
        self.optimizer.bind(network.layout.size)
        self.shuffle_rng = shuffle_rng if shuffle_rng is not None else np.random.default_rng()
        self.timer = timer  # injectable, so tests and snapshots get deterministic times
        self.engine = kernels.make_engine(backend, network.layout, network.act, self.loss,
                                          config.batch_size, data.X, data.y)
        self.epoch = 0
        self.elapsed = 0.0
        self.lr_changes: list[tuple[int, float]] = []
        self._train_time = 0.0  # smoothed seconds per epoch, for sizing chunks
        self._ramp = 1  # the longest chunk allowed next (doubles; the first ones are short)
        self._marks: deque[tuple[float, int]] = deque()  # (elapsed, epoch) at chunk ends
        self._last_eval: tuple[int, Metrics, np.ndarray] | None = None

    @property
    def lr(self) -> float:
        """The learning rate in force."""
        return self.optimizer.lr

    def scheduled(self, epoch: int) -> bool:
        """True for the epochs every run evaluates (and records in metrics.jsonl)."""
        cfg = self.config
        return (epoch % EVAL_STRIDE == 0 or epoch % cfg.log_every == 0
                or epoch == cfg.epochs)

    def evaluate(self) -> tuple[Metrics, np.ndarray]:
        """Metrics on the whole training set and the fresh ŷ column (n, 1)."""
        row, yhat = self.engine.evaluate(self.net.theta)
        return Metrics(*row.tolist()), yhat.reshape(-1, 1)

    # ------------------------------------------------------------ state (for resume)
    def state(self) -> dict[str, Any]:
        """Everything needed to continue exactly from here (see ``restore``)."""
        return {"epoch": self.epoch, "elapsed": self.elapsed, "lr": self.lr,
                "lr_changes": [list(c) for c in self.lr_changes],
                "optimizer": self.optimizer.state(),
                "shuffle": self.shuffle_rng.bit_generator.state}

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from ``state()`` of an earlier trainer of the same config (weights are
        restored by the caller, into ``net``)."""
        self.epoch, self.elapsed = int(state["epoch"]), float(state["elapsed"])
        self.optimizer.lr = float(state["lr"])
        self.lr_changes = [(int(e), float(lr)) for e, lr in state["lr_changes"]]
        self.optimizer.load_state(state["optimizer"])
        self.shuffle_rng.bit_generator.state = state["shuffle"]

    # ------------------------------------------------------------ reports
    @property
    def average_rate(self) -> float:
        """Epochs per second over the whole run (``average_rate``)."""
        return average_rate(self.epoch, self.elapsed)

    def _rate(self) -> float:
        if len(self._marks) >= 2:
            (t0, e0), (t1, e1) = self._marks[0], self._marks[-1]
            if t1 > t0:
                return (e1 - e0) / (t1 - t0)
        return self.average_rate

    def _lines(self, epoch: int, elapsed: float, metrics: Metrics, status: RunState,
               first: bool = False) -> tuple[tuple[str, ...], str]:
        """The log lines (and message) an evaluated epoch adds: the one place they are
        made."""
        cfg = self.config
        line = epoch_line(epoch, metrics.loss, metrics.accuracy(cfg.accuracy))
        if status == RunState.FINISHED:
            return tuple(final_lines(epoch, metrics.loss, metrics.accuracy(cfg.accuracy),
                                     elapsed)), ""
        if status == RunState.STOPPED:
            return (f"***** Training stopped at epoch {epoch} *****", line,
                    time_line(elapsed)), f"stopped at epoch {epoch}"
        if status == RunState.DIVERGED:
            message = (f"Training diverged at epoch {epoch}: the loss or the weights "
                       f"became NaN or infinite. Try a smaller learning rate than "
                       f"{self.lr:g}.")
            return ("***** Training diverged *****", message), message
        if epoch % cfg.log_every == 0 and (epoch == 0) == first:
            return (line,), ""  # a resumed run's first report repeats no line
        return (), ""

    def _report(self, evaluations: list[Evaluation], yhat: np.ndarray | None,
                status: RunState = RunState.RUNNING, first: bool = False) -> Progress:
        """The report of the epochs up to ``self.epoch``, evaluated at ``evaluations``."""
        lines: list[str] = []
        message = ""
        for i, (epoch, metrics, elapsed) in enumerate(evaluations):
            last = i == len(evaluations) - 1 and epoch == self.epoch
            now = status if last else RunState.RUNNING
            more, msg = self._lines(epoch, elapsed, metrics, now, first)
            lines.extend(more)
            message = msg or message
        at_end = evaluations[-1][1] if evaluations and evaluations[-1][0] == self.epoch \
            else None
        return Progress(epoch=self.epoch, epochs=self.config.epochs, lr=self.lr,
                        elapsed=self.elapsed, epochs_per_s=self._rate(), metrics=at_end,
                        yhat=yhat, lines=tuple(lines), status=status, message=message,
                        evaluations=tuple(evaluations))

    def _evaluated(self, status: RunState = RunState.RUNNING, first: bool = False) -> Progress:
        """A report of the current epoch with a fresh evaluation (or the one at hand)."""
        if self._last_eval is not None and self._last_eval[0] == self.epoch:
            _, metrics, yhat = self._last_eval
        else:
            metrics, yhat = self.evaluate()
            self._last_eval = (self.epoch, metrics, yhat)
        finite = math.isfinite(metrics.loss) and self.net.all_finite()
        if status == RunState.RUNNING and not finite:
            status = RunState.DIVERGED
        return self._report([(self.epoch, metrics, self.elapsed)], yhat, status, first)

    # ------------------------------------------------------------ chunks
    def _chunk_end(self) -> int:
        """The last epoch of the next chunk: at most ~CHUNK_SECONDS and the ramp's length
        ahead, never past the end."""
        k = self._ramp
        if self._train_time > 0:
            k = min(k, max(1, int(CHUNK_SECONDS / self._train_time)))
        return min(self.epoch + k, self.config.epochs)

    def _orders(self, k: int) -> np.ndarray:
        """The point orders of the next k epochs, drawn in the same sequence as one by one."""
        n = len(self.data)
        if not self.config.shuffle:
            return np.broadcast_to(np.arange(n, dtype=np.int64), (k, n))
        orders = np.empty((k, n), dtype=np.int64)
        for c in range(k):
            orders[c] = self.shuffle_rng.permutation(n)
        return orders

    def _timed_chunk(self, k: int, evals: np.ndarray) -> tuple[kernels.ChunkResult, float]:
        t0 = self.timer()
        result = kernels.train_chunk(self.engine, self.net.theta, self._orders(k),
                                     self.optimizer, evals, self.net.layout)
        dt = self.timer() - t0
        per_epoch = dt / max(result.done, 1)
        self._train_time = (per_epoch if self._train_time == 0
                            else 0.7 * self._train_time + 0.3 * per_epoch)
        self._ramp = min(2 * self._ramp, 1 << 20)
        return result, dt

    def _run_chunk(self, stepping: bool) -> Progress:
        """Train one chunk and report it (the report may be the final one)."""
        e0 = self.epoch
        end = e0 + 1 if stepping else self._chunk_end()
        evals = np.array([self.scheduled(e) for e in range(e0 + 1, end + 1)])
        evals[-1] |= stepping
        result, dt = self._timed_chunk(end - e0, evals)
        elapsed0 = self.elapsed
        self.epoch, self.elapsed = e0 + result.done, elapsed0 + dt
        self._marks.append((self.elapsed, self.epoch))
        while len(self._marks) > 2 and self._marks[-1][0] - self._marks[1][0] >= RATE_WINDOW:
            self._marks.popleft()
        epochs = [e0 + c + 1 for c in range(result.done) if evals[c]]
        evaluations = [(e, Metrics(*result.metrics[r].tolist()),
                        elapsed0 + dt * (e - e0) / result.done) for r, e in enumerate(epochs)]
        yhat = result.yhats[-1].reshape(-1, 1) if len(epochs) else None
        if evaluations:
            self._last_eval = (epochs[-1], evaluations[-1][1], yhat)
        if result.diverged:
            return self._report(evaluations, yhat, RunState.DIVERGED)
        done = self.epoch == self.config.epochs
        return self._report(evaluations, yhat, RunState.FINISHED if done else RunState.RUNNING)

    # ------------------------------------------------------------ the loop
    def run(self) -> Iterator[Progress]:
        """Train to ``config.epochs``, yielding a report after every chunk."""
        first = self._evaluated(first=True)
        yield first
        if first.done:
            return
        while self.epoch < self.config.epochs:
            if not self.controls.wait_turn():
                break
            stepping = self.controls.paused
            new_lr = self.controls.take_lr()
            if new_lr is not None and new_lr != self.optimizer.lr:
                self.optimizer.lr = new_lr
                self.lr_changes.append((self.epoch, new_lr))
            p = self._run_chunk(stepping)
            yield p
            if p.done:
                return
        yield self._evaluated(RunState.STOPPED)
