"""The sweep's side: reserve a name, submit the members, follow them, cancel, clean up.

``SweepRunner`` submits its configs to any ``concurrent.futures``-style executor (a
``LocalPool``, a ``ThreadPoolExecutor``, Dask's ``client.get_executor()``…), reads their
progress from their run directories and cancels them through a stop file that every
member polls, so cancelling needs no shared memory and works wherever the runs directory
is shared.

Each sweep owns a control folder ``<runs>/.sweeps/<name>/`` (its stop file and its
heartbeat), created atomically when the name is reserved: two sweeps started at once
into one runs root never share a name, runs or a stop file. ``close`` removes the folder
(members still running stop when it goes); the folder of a sweep killed before it could
(SIGKILL) goes at the next sweep's start, once its heartbeat is ``STALE_SECONDS`` old.
No Textual here.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from core.config import RunConfig
from core.records import default_runs_root
from core.records.index import last_metrics
from core.records.layout import SWEEPS_DIR
from core.records.reader import read_run
from core.state import RunState
from core.sweep.executors import signals_blocked
from core.sweep.member import HEARTBEAT, HEARTBEAT_TIMEOUT, STOP, run_member
from core.sweep.spec import SweepError, SweepSpec

__all__ = ["HEARTBEAT_SECONDS", "STALE_SECONDS", "MemberState", "SweepRunner",
           "clean_stale_sweeps", "prepare", "reserve_name"]

HEARTBEAT_SECONDS = 1.0
STALE_SECONDS = HEARTBEAT_TIMEOUT
"""A control folder whose heartbeat is this old belongs to no live sweep."""


def _free(root: Path, name: str, suffixes: Sequence[str]) -> bool:
    return not any((root / f"{name}-{s}").exists() for s in suffixes)


def clean_stale_sweeps(root: str | Path, now: float | None = None) -> list[str]:
    """Remove the control folders ``<root>/.sweeps/<name>/`` that no sweep keeps: their
    heartbeat (or, before the first beat, the folder itself) is older than
    ``STALE_SECONDS`` — the sweep's process was killed (SIGKILL) or its machine went.
    A live sweep beats every ``HEARTBEAT_SECONDS``, wherever it runs. The names removed."""
    sweeps = Path(root) / SWEEPS_DIR
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(sweeps))
    except OSError:
        return removed
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False):
            continue
        try:
            beat = os.lstat(os.path.join(entry.path, HEARTBEAT)).st_mtime
        except OSError:
            try:
                beat = entry.stat(follow_symlinks=False).st_mtime
            except OSError:
                continue
        if now - beat > STALE_SECONDS:
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.name)
    return removed


def reserve_name(root: str | Path, name: str, count: int,
                 suffixes: Sequence[str] | None = None) -> str:
    """``name``, or ``name-2``, ``name-3``…: the first whose control folder this call
    creates (atomically) and whose runs ``<name>-1 … <name>-<count>`` (or
    ``<name>-<suffix>`` for each of ``suffixes``) do not exist."""
    root = Path(root)
    suffixes = [str(i) for i in range(1, count + 1)] if suffixes is None else suffixes
    clean_stale_sweeps(root)
    sweeps = root / SWEEPS_DIR
    try:
        sweeps.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SweepError("runs-dir", f"cannot create {sweeps}: {exc.strerror}") from None
    for k in range(1, 1000):
        candidate = name if k == 1 else f"{name}-{k}"
        if not _free(root, candidate, suffixes):
            continue
        try:
            (sweeps / candidate).mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise SweepError("runs-dir", f"cannot create {sweeps}: {exc.strerror}") from None
        return candidate
    raise SweepError("name", f"no free sweep name like {name!r}")


def prepare(spec: SweepSpec, root: str | Path | None = None) -> SweepRunner:
    """A runner for ``spec`` under a freshly reserved name (SweepError if impossible)."""
    root = Path(root) if root is not None else default_runs_root()
    name = reserve_name(root, spec.name, spec.size)
    try:
        return SweepRunner(name, spec.configs(name), root)
    except BaseException:
        shutil.rmtree(root / SWEEPS_DIR / name, ignore_errors=True)
        raise


class Wake(Protocol):
    """What ``SweepRunner.wait`` needs of its ``wake``: a ``threading.Event``'s reading half."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


@dataclass
class MemberState:
    """What the sweep tables show for one member."""

    name: str
    config: RunConfig
    status: RunState = RunState.QUEUED
    epoch: int = 0
    loss: float | None = None
    acc: float | None = None
    soft_acc: float | None = None
    duration: float | None = None
    stuck: bool = False
    message: str = ""
    future: Future | None = field(default=None, repr=False)

    @property
    def ms_per_epoch(self) -> float | None:
        """Training time per epoch in milliseconds (None before the first epoch)."""
        if not self.duration or not self.epoch:
            return None
        return 1000.0 * self.duration / self.epoch

    def take(self, result: dict[str, Any]) -> None:
        """Copy a finished member's result in."""
        self.status = RunState.parse(result.get("status"))
        self.message = str(result.get("message", "") or "")
        self.stuck = bool(result.get("stuck", False))
        for k in ("epoch", "loss", "acc", "soft_acc", "duration"):
            if result.get(k) is not None:
                setattr(self, k, result[k])


class SweepRunner:
    """Runs a sweep's configs on an executor (anything with ``submit`` → Future)."""

    def __init__(self, name: str, configs: Sequence[RunConfig],
                 root: str | Path | None = None) -> None:
        self.name = name
        self.root = Path(root) if root is not None else default_runs_root()
        self.control = self.root / SWEEPS_DIR / name
        self.control.mkdir(parents=True, exist_ok=True)
        self.stop_file = self.control / STOP
        self.stop_file.unlink(missing_ok=True)
        self.members = [MemberState(c.name or f"{name}-{i}", c) for i, c in enumerate(configs, 1)]
        self.cancelled = False
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._beat()
        threading.Thread(target=self._heartbeat, name="bp-tui-sweep-heartbeat",
                         daemon=True).start()

    def _beat(self) -> None:
        with self._lock, contextlib.suppress(OSError):  # a full disk: remote members time out
            if not self._closed.is_set():
                (self.control / HEARTBEAT).write_text(f"{os.getpid()} {time.time():.0f}\n")

    def _heartbeat(self) -> None:
        while not self._closed.wait(HEARTBEAT_SECONDS):
            self._beat()

    def submit(self, executor: Executor) -> None:
        """Submit every member (returns at once). A ``LocalPool``'s workers are told this
        process's pid, so they end if it dies."""
        parent_pid = getattr(executor, "parent_pid", None)
        with signals_blocked():
            for m in self.members:
                m.future = executor.submit(run_member, m.config.to_dict(), str(self.root),
                                           self.name, str(self.control), parent_pid)

    def cancel(self) -> None:
        """Stop running members at their next chunk (through the stop file: they end
        and record themselves); drop the ones not started."""
        self.cancelled = True
        with contextlib.suppress(OSError):
            self.stop_file.touch()
        for m in self.members:
            started = m.status == RunState.RUNNING or (self.root / m.name).exists()
            if m.future is not None and not m.future.done() and not started:
                m.future.cancel()  # Dask would cancel a running task's future too

    @property
    def done(self) -> bool:
        """True once every member has ended (finished, stopped, cancelled, failed)."""
        return all(m.future is None or m.future.done() for m in self.members)

    def poll(self) -> list[MemberState]:
        """Update every member's state from its future and its run directory."""
        for m in self.members:
            f = m.future
            if f is not None and f.done():
                self._ended(m, f)
            elif not m.status.ended:
                self._progress(m)
        return self.members

    def _ended(self, m: MemberState, f: Future) -> None:
        if m.status.ended:
            return
        if f.cancelled():
            run = self.root / m.name
            if run.is_dir():  # it had started (a race with Dask's cancel): it stops itself
                self._progress(m)
                m.status = RunState.parse(read_run(run).summary.get("status"),
                                          RunState.STOPPED)
            else:
                m.status = RunState.CANCELLED
            return
        exc = f.exception()
        if exc is not None:
            text = str(exc).splitlines()[0] if str(exc) else ""
            m.status, m.message = RunState.ERROR, f"{type(exc).__name__}: {text}".rstrip(": ")
            return
        m.take(f.result())

    def _progress(self, m: MemberState) -> None:
        row = last_metrics(self.root / m.name)
        if row is not None:
            m.status = RunState.RUNNING if m.status == RunState.QUEUED else m.status
            m.epoch = row.get("epoch") or 0
            m.loss, m.acc, m.soft_acc = row.get("loss"), row.get("acc"), row.get("soft_acc")
            m.duration = row.get("wall")

    def wait(self, timeout: float | None = None,
             on_poll: Callable[[list[MemberState]], None] | None = None,
             interval: float = 0.5, wake: Wake | None = None) -> list[MemberState]:
        """Block until done (or ``timeout``), calling ``on_poll`` every ``interval`` s;
        ``wake`` (set from elsewhere, e.g. a signal handler: not a threading.Event
        there, see ``tui.process.HandlerEvent``) returns early. Cleans up
        (``close``) once every member has ended."""
        deadline = None if timeout is None else time.monotonic() + timeout
        wake = wake or threading.Event()
        while not self.done and not wake.is_set():
            if on_poll is not None:
                on_poll(self.poll())
            if deadline is not None and time.monotonic() > deadline:
                break
            wake.wait(interval)
        members = self.poll()
        if self.done:
            self.close()
        return members

    def close(self) -> None:
        """Stop the heartbeat and remove the control folder (stop file included);
        members still running stop at their next look."""
        with self._lock:
            self._closed.set()
            shutil.rmtree(self.control, ignore_errors=True)

    @property
    def failed(self) -> list[MemberState]:
        """Members that could not run (status "error")."""
        return [m for m in self.members if m.status == RunState.ERROR]
