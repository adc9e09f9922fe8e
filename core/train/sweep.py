"""Sweeps: a grid of settings, each cell trained as a normal recorded run, in parallel.

``expand_grid`` turns a base config and value lists into run configs named
``<sweep>-<i>`` (each recorded with ``"sweep": <name>`` in config.json). ``SweepRunner``
submits them to any ``concurrent.futures.Executor``-like object (a local
``ProcessPoolExecutor``, a ``ThreadPoolExecutor``, Dask's ``client.get_executor()``…),
reads their progress from their run directories, and cancels them through a stop file
that every member polls, so cancellation needs no shared memory and works wherever the
runs directory is shared. No Textual here.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.config import ConfigError, RunConfig, parse_field
from core.records import default_runs_root, write_json_atomic
from core.records.index import last_metrics

__all__ = [
    "GRID_FIELDS",
    "PRESETS",
    "MemberState",
    "SweepError",
    "SweepRunner",
    "expand_grid",
    "local_executor",
    "preset",
    "run_member",
    "unique_sweep_name",
]

GRID_FIELDS = ("data", "hidden", "lr", "activation", "optimizer", "loss", "init", "n")
"""Settings a sweep may vary (each a list of values; the grid is their product)."""
STOP_POLL = 0.2


class SweepError(ValueError):
    """An invalid sweep definition; the message is one line naming the setting."""


PRESETS: dict[str, tuple[dict[str, Any], dict[str, list[Any]]]] = {
    "hidden-units": (
        {"data": "xor-grid", "n": 70, "epochs": 2000, "lr": 0.1, "log_every": 500},
        {"hidden": [(64, 64), (128, 128), (256, 256), (512, 512), (256, 512), (512, 256)]},
    ),
    "learning-rates": (
        {"data": "xor-grid", "n": 70, "epochs": 2000, "hidden": (64, 64), "log_every": 500},
        {"lr": [1.0, 0.1, 0.01, 0.001]},
    ),
    "linear-vs-xor": (
        {"epochs": 5000, "hidden": (64, 64), "lr": 0.1, "log_every": 250},
        {"data": ["linear", "xor-grid"]},
    ),
}
"""The report's experiments: (base settings, grid). ``bp-tui sweep --preset NAME``."""


def preset(name: str) -> tuple[RunConfig, dict[str, list[Any]]]:
    """The base config and grid of a built-in preset."""
    if name not in PRESETS:
        raise SweepError(f"preset: choose one of {', '.join(PRESETS)} (got {name!r})")
    base, grid = PRESETS[name]
    return RunConfig().with_changes(**base), {k: list(v) for k, v in grid.items()}


def expand_grid(
    base: RunConfig, grid: dict[str, Sequence[Any]], name: str, repeats: int = 1
) -> list[RunConfig]:
    """Every combination of ``grid`` values × ``repeats`` seeds, as validated configs.

    Repeat r uses seed ``base.seed + r``. Configs are named ``<name>-<i>`` (i from 1) in
    grid order, repeats innermost. Raises SweepError naming the setting at fault.
    """
    if repeats < 1:
        raise SweepError("repeats: must be at least 1")
    for key, values in grid.items():
        if key not in GRID_FIELDS:
            raise SweepError(f"{key}: cannot be swept (choose from {', '.join(GRID_FIELDS)})")
        if not values:
            raise SweepError(f"{key}: give at least one value")
    keys = list(grid)
    configs = []
    combos = itertools.product(*(grid[k] for k in keys))
    for i, (combo, r) in enumerate(itertools.product(combos, range(repeats)), start=1):
        changes = {}
        for key, value in zip(keys, combo):
            try:
                parsed = parse_field(key, value)
            except ConfigError as exc:
                raise SweepError(f"{exc.field}: {exc.reason}") from None
            changes[key] = parsed
        if "data" in changes and "n" not in grid and changes["data"] != base.data:
            changes["n"] = None  # each data set's own default size
        cfg = base.with_changes(**changes, seed=base.seed + r, name=f"{name}-{i}")
        try:
            configs.append(cfg.validate())
        except ConfigError as exc:
            raise SweepError(f"{exc.field}: {exc.reason}") from None
    return configs


def unique_sweep_name(root: str | Path, name: str, count: int) -> str:
    """``name``, or ``name-2``, ``name-3``… so that no ``<name>-<i>`` run exists yet."""
    try:
        name = parse_field("name", name)
    except ConfigError as exc:
        raise SweepError(f"name: {exc.reason}") from None
    root = Path(root)
    for k in range(1, 1000):
        candidate = name if k == 1 else f"{name}-{k}"
        if not any((root / f"{candidate}-{i}").exists() for i in range(1, count + 1)):
            return candidate
    raise SweepError(f"name: no free sweep name like {name!r}")


# ------------------------------------------------------------------ the member (child)
def _watch_stop(stop_file: Path, controls, done: threading.Event) -> None:
    while not done.wait(STOP_POLL):
        if stop_file.exists():
            controls.stop()
            return


def run_member(config: dict[str, Any], root: str, sweep: str, stop_file: str) -> dict[str, Any]:
    """Train one sweep member and record it; runs in a worker process (or thread).

    Top-level and picklable, taking and returning plain dicts, so any executor can run
    it. Returns {"name", "status", "epoch", "loss", "soft_acc", "acc", "duration"}.
    The run stops cleanly (summary "stopped") once ``stop_file`` exists.
    """
    from core.train.controls import Controls
    from core.train.session import Session, SetupError

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent cancels, not Ctrl-C
    cfg = RunConfig.from_dict(config)
    result: dict[str, Any] = {"name": cfg.name, "status": "cancelled", "epoch": 0}
    stop = Path(stop_file)
    if stop.exists():
        return result
    controls = Controls()
    try:
        session = Session(cfg, runs_root=root, controls=controls, notify=lambda _m: None)
    except SetupError as exc:
        return {**result, "status": "error", "message": str(exc)}
    rec = session.recorder
    if rec is not None:
        rec.config["sweep"] = sweep
        write_json_atomic(rec.dir / "config.json", rec.config)
        result["name"] = rec.name
    done = threading.Event()
    watcher = threading.Thread(target=_watch_stop, args=(stop, controls, done), daemon=True)
    watcher.start()
    last = None
    try:
        for p in session.iterate():
            last = p
    finally:
        done.set()
    if last is not None:
        m = last.metrics
        result.update(status=last.status, epoch=last.epoch, duration=last.elapsed,
                      loss=m.loss if m else None, soft_acc=m.soft_acc if m else None,
                      acc=m.acc if m else None)
    return result


# ------------------------------------------------------------------ the runner (parent)
@dataclass
class MemberState:
    """What the sweep table shows for one member."""

    name: str
    config: RunConfig
    status: str = "queued"
    epoch: int = 0
    loss: float | None = None
    acc: float | None = None
    soft_acc: float | None = None
    duration: float | None = None
    message: str = ""
    future: Future | None = field(default=None, repr=False)


def local_executor(workers: int | None = None) -> ProcessPoolExecutor:
    """A process pool of ``workers`` (default one per core) started by "spawn"."""
    workers = workers or os.cpu_count() or 1
    return ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("spawn"))


class SweepRunner:
    """Runs a sweep's configs on ``executor`` (anything with ``submit`` → Future)."""

    def __init__(self, name: str, configs: Sequence[RunConfig],
                 root: str | Path | None = None) -> None:
        self.name = name
        self.root = Path(root) if root is not None else default_runs_root()
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / ".sweeps").mkdir(exist_ok=True)
        self.stop_file = self.root / ".sweeps" / f"{name}.stop"
        self.stop_file.unlink(missing_ok=True)
        self.members = [MemberState(c.name or f"{name}-{i}", c) for i, c in enumerate(configs, 1)]
        self.cancelled = False

    def submit(self, executor: Executor) -> None:
        """Submit every member (returns at once)."""
        for m in self.members:
            m.future = executor.submit(run_member, m.config.to_dict(), str(self.root),
                                       self.name, str(self.stop_file))

    def cancel(self) -> None:
        """Stop running members at their next epoch; drop the ones not started."""
        self.cancelled = True
        self.stop_file.touch()
        for m in self.members:
            if m.future is not None and m.future.cancel():
                m.status = "cancelled"

    @property
    def done(self) -> bool:
        """True once every member has ended (finished, stopped, cancelled, failed)."""
        return all(m.future is None or m.future.done() for m in self.members)

    def poll(self) -> list[MemberState]:
        """Update every member's state from its future and its run directory."""
        for m in self.members:
            f = m.future
            if f is not None and f.done():
                if f.cancelled():
                    m.status = "cancelled"
                    continue
                exc = f.exception()
                if exc is not None:
                    m.status, m.message = "error", f"{type(exc).__name__}: {exc}"
                    continue
                res = f.result()
                m.status = res.get("status", "unknown")
                m.message = res.get("message", "")
                for k in ("epoch", "loss", "acc", "soft_acc", "duration"):
                    if res.get(k) is not None:
                        setattr(m, k, res[k])
                continue
            row = last_metrics(self.root / m.name)
            if row is not None:
                m.status = "running"
                m.epoch = row.get("epoch") or 0
                m.loss, m.acc, m.soft_acc = row.get("loss"), row.get("acc"), row.get("soft_acc")
                m.duration = row.get("wall")
        return self.members

    def wait(self, timeout: float | None = None,
             on_poll: Callable[[list[MemberState]], None] | None = None,
             interval: float = 0.5) -> list[MemberState]:
        """Block until done (or ``timeout``), calling ``on_poll`` every ``interval`` s."""
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.done:
            if on_poll is not None:
                on_poll(self.poll())
            if deadline is not None and time.monotonic() > deadline:
                break
            time.sleep(interval)
        members = self.poll()
        self.stop_file.unlink(missing_ok=True)
        return members
