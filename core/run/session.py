"""One training run end to end: build data, network and trainer from a config (or from
a recorded run's checkpoint, to resume it), drive the trainer, record everything. Shared
by every run host: ``bp-tui train``, the dashboard, sweep members, ``bp-tui resume``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from core.config import ConfigError, RunConfig
from core.datasets import DataError, Dataset, generate, load_csv
from core.nn.network import Network
from core.records import RunRecorder, default_runs_root
from core.records.checkpoint import CheckpointError, Resumable, read_resumable
from core.records.lock import RunBusy, RunLock
from core.records.weights import WeightsError, check_shapes, load_weights
from core.state import RunState
from core.train import kernels
from core.train.controls import Controls
from core.train.trainer import Progress, Trainer

__all__ = ["Session", "SetupError", "build_data", "stderr_notify"]


class SetupError(ValueError):
    """A run cannot start; the message is one line naming the setting and the reason.

    ``field`` is the setting at fault (e.g. "data_file", "init_weights", "runs_dir") and
    ``reason`` the message without the setting's name, so a CLI can name its flag.
    """

    def __init__(self, message: str, field: str | None = None, reason: str | None = None):
        super().__init__(message)
        self.field = field
        self.reason = reason if reason is not None else message


def stderr_notify(message: str) -> None:
    """Write a note to stderr (stdout stays exactly the report's lines)."""
    print(message, file=sys.stderr, flush=True)


def seeded_rngs(seed: int) -> tuple[np.random.Generator, ...]:
    """Independent generators for (data, initial weights, shuffling) from one seed."""
    return tuple(np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))


def _load_resumable(run_dir: Path, epochs: int | None) -> tuple[Resumable, int]:
    """A run's checked files and the epoch count to resume to; SetupError (field "run"
    or "epochs") if it cannot be resumed. Reads only."""
    try:
        run = read_resumable(run_dir)
    except CheckpointError as exc:
        raise SetupError(f"run {run_dir.name}: {exc}", "run") from None
    try:
        own = RunConfig.from_dict(run.info.config).epochs
    except (ConfigError, TypeError, ValueError) as exc:
        raise SetupError(f"run {run_dir.name}: unusable settings ({exc})", "run") from None
    target = own if epochs is None else int(epochs)
    if target <= run.checkpoint.epoch:
        reason = f"must be above the {run.checkpoint.epoch} epochs run {run_dir.name} has done"
        raise SetupError(f"epochs: {reason}", "epochs", reason)
    return run, target


def build_data(config: RunConfig, rng: np.random.Generator) -> Dataset:
    """The training set the config names (a generator, or its CSV file)."""
    if config.data_file:
        return load_csv(config.data_file)
    return generate(config.data, config.n, config.noise, rng)


def _build(config: RunConfig) -> tuple[Dataset, Network, np.random.Generator]:
    """The config's data, its initial network and the shuffling generator; SetupError
    naming the setting at fault (bad settings, data, weights, or too big a network)."""
    try:
        config.validate()
        _, init_rng, shuffle_rng = seeded_rngs(config.seed)
        data = build_data(config, seeded_rngs(config.data_seed_or_seed)[0])
        if config.batch_size > len(data):
            raise ConfigError(
                "batch_size", f"at most the number of training points ({len(data)})")
        return data, _initial_network(config, init_rng), shuffle_rng
    except ConfigError as exc:
        raise SetupError(str(exc), exc.field, exc.reason) from None
    except DataError as exc:
        raise SetupError(str(exc), "data_file" if config.data_file else "data") from None
    except WeightsError as exc:
        raise SetupError(str(exc), "init_weights") from None


def _initial_network(config: RunConfig, init_rng: np.random.Generator) -> Network:
    """The network drawn from ``init_rng``, or loaded from ``config.init_weights``
    (WeightsError if they do not fit); SetupError "hidden" if it does not fit in memory."""
    try:
        net = Network(config.hidden, config.activation, config.init, init_rng)
    except MemoryError:
        reason = "the weights do not fit in memory"
        raise SetupError(f"hidden: {reason}", "hidden", reason) from None
    if config.init_weights:
        named, _ = load_weights(config.init_weights)
        check_shapes(config.init_weights, named, net.sizes)
        net.set_params(named)
    return net


def _lock(run_dir: Path) -> RunLock:
    """The run's write lock; SetupError (field "run") if another process holds it or it
    cannot be made."""
    try:
        return RunLock.acquire(run_dir)
    except RunBusy as exc:
        raise SetupError(str(exc), "run") from None
    except OSError as exc:
        raise SetupError(f"run {run_dir.name}: cannot lock it for writing "
                         f"({exc.strerror or exc})", "run") from None


class Session:
    """Everything one run needs, ready to ``iterate()``. Raises SetupError on bad settings."""

    def __init__(
        self,
        config: RunConfig,
        runs_root: str | Path | None = None,
        record: bool = True,
        controls: Controls | None = None,
        notify: Callable[[str], None] = stderr_notify,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        data, net, shuffle_rng = _build(config)
        self._setup(config, data, net, shuffle_rng, controls, notify, timer)
        if record:
            self._open_recorder(runs_root)

    def _open_recorder(self, runs_root: str | Path | None) -> None:
        """Start recording under ``runs_root`` (default: the usual root); SetupError
        (field "runs_dir") when the run's directory cannot be made."""
        root = Path(runs_root) if runs_root is not None else default_runs_root()
        config, data = self.config, self.data
        cfg = {**config.to_dict(), "backend_used": self.backend, "n_points": len(data)}
        try:
            self.recorder = RunRecorder(root, cfg, data.X, data.y, config.name)
        except OSError as exc:
            raise SetupError(f"runs-dir: {exc}", "runs_dir", str(exc)) from None

    def _setup(self, config, data, net, shuffle_rng, controls, notify, timer) -> None:
        self.config, self.data, self.net = config, data, net
        self.backend, note = kernels.resolve_backend(config.backend, config.batch_size)
        if note:
            notify(note)
        if self.backend == "numba":
            kernels.ensure_compiled(notify)
        self.controls = controls if controls is not None else Controls()
        self.trainer = Trainer(config, data, net, self.controls, self.backend, shuffle_rng,
                               timer)
        self.recorder: RunRecorder | None = None
        self.last: Progress | None = None
        self._row_epoch: int | None = None
        self.status = RunState.READY

    @classmethod
    def resume(
        cls,
        run_dir: str | Path,
        epochs: int | None = None,
        controls: Controls | None = None,
        notify: Callable[[str], None] = stderr_notify,
        timer: Callable[[], float] = time.perf_counter,
        **_ignored,
    ) -> Session:
        """Continue the run recorded in ``run_dir`` from its checkpoint, in the same
        directory, to ``epochs`` (default: its own). SetupError (field "run" or
        "epochs") when it cannot be resumed; nothing is written then."""
        run_dir = Path(run_dir)
        _load_resumable(run_dir, epochs)  # everything checked before the lock is made
        lock = _lock(run_dir)
        try:  # read again under the lock: another writer may have moved it on
            run, target = _load_resumable(run_dir, epochs)
            self = cls.__new__(cls)
            self._continue(run, target, controls, notify, timer)
            disk = {**run.info.config, "epochs": target}
            self.recorder = RunRecorder.resume(run_dir, disk, run.checkpoint.metrics_bytes,
                                               run.checkpoint.log_bytes, lock=lock)
        except BaseException:
            lock.release()
            raise
        self.recorder.log([f"***** Training resumed at epoch {run.checkpoint.epoch} *****"])
        return self

    def _continue(self, run: Resumable, target: int, controls, notify, timer) -> None:
        """Set up from a recorded run's checkpoint, to train on to epoch ``target``."""
        ckpt, info = run.checkpoint, run.info
        config = RunConfig.from_dict(info.config).with_changes(epochs=target)
        try:
            net = Network.from_params(ckpt.named, config.activation, config.hidden)
        except ValueError as exc:
            raise SetupError(f"run {info.name}: the checkpoint does not fit its "
                             f"config ({exc})", "run") from None
        data = Dataset(info.config.get("data", "data"), run.X, run.y)
        self._setup(config, data, net, np.random.default_rng(), controls, notify, timer)
        self.trainer.restore(ckpt.state)
        self._row_epoch = ckpt.epoch if self.trainer.scheduled(ckpt.epoch) else None

    @property
    def run_name(self) -> str:
        """The run's directory name, or "unrecorded"."""
        return self.recorder.name if self.recorder else "unrecorded"

    def record(self, p: Progress) -> None:
        """Write one report to the run's files: lines; metrics rows of the scheduled
        epochs only (so metrics.jsonl is the same whatever a user stepped or stopped);
        a (throttled) checkpoint."""
        self.last = p
        rec = self.recorder
        if rec is None:
            return
        if p.lines:
            rec.log(p.lines)
        for epoch, m, elapsed in p.evaluations:
            if self.trainer.scheduled(epoch) and (
                    self._row_epoch is None or epoch > self._row_epoch):
                # (a stop on a scheduled epoch reports it twice: one row)
                rec.metrics(epoch, m.loss, m.soft_acc, m.acc, p.lr, elapsed)
                self._row_epoch = epoch
        if p.done:
            self.finish(p.status, p.message)
        else:
            rec.flush()
            rec.checkpoint(self.net.named_params(), state=self.trainer.state())

    def log(self, lines: list[str]) -> None:
        """Record extra printed lines (e.g. the predictions) in log.txt."""
        if self.recorder:
            self.recorder.log(lines)
            self.recorder.flush()

    def finish(self, status: RunState, message: str = "") -> None:
        """Flush the final checkpoint and write summary.json with ``status``.

        ``self.status`` changes only once the files are written, so a caller that
        waits for it (e.g. before a forced exit) knows the records are complete.
        """
        rec = self.recorder
        if rec is None:
            self.status = status
            return
        p = self.last
        m = p.evaluations[-1][1] if p and p.evaluations else None
        rec.checkpoint(self.net.named_params(), force=True, state=self.trainer.state())
        rec.write_summary(
            status,
            epoch=self.trainer.epoch,
            epochs=self.config.epochs,
            loss=m.loss if m else None,
            soft_acc=m.soft_acc if m else None,
            acc=m.acc if m else None,
            lr=self.trainer.lr,
            duration=self.trainer.elapsed,
            epochs_per_s=self.trainer.average_rate,
            finished=time.time(),
            message=message,
        )
        rec.close()
        self.status = status

    def iterate(self):
        """Run the trainer, recording each report; yields the reports."""
        self.status = RunState.RUNNING
        try:
            for p in self.trainer.run():
                self.record(p)
                yield p
        except BaseException:
            # Interrupted (Ctrl-C, a crash): leave readable records marked stopped.
            if self.status == RunState.RUNNING:
                self.finish(RunState.STOPPED, "interrupted")
            raise

    def __repr__(self) -> str:
        return (f"Session(run={self.run_name!r}, epoch={self.trainer.epoch}/"
                f"{self.config.epochs}, status={self.status})")
