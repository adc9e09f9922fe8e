"""One sweep member, in whatever worker runs it, and the worker's parent-death watch.

``run_member`` trains one config as a normal recorded run. It is top-level and
picklable and takes and returns plain values, so any executor can run it (a local
process pool, a thread pool, Dask). While it trains, a watcher thread stops it cleanly
(summary "stopped") at the next chunk when any of these happens:

- the sweep's stop file ``<control>/stop`` appears (the sweep was cancelled), or its
  control folder is gone (the sweep ended and cleaned up);
- ``parent_pid`` is given (a local pool: the worker is the sweep process's child) and
  the worker's parent is no longer that process (it died, even by SIGKILL);
- no ``parent_pid`` (a remote worker): the sweep's heartbeat file ``<control>/alive``
  has not changed for ``HEARTBEAT_TIMEOUT`` seconds of this worker's own clock.

A local pool's workers also run ``init_worker``: they ignore Ctrl-C (the sweep process
cancels), and a watchdog thread ends the worker process within ``PARENT_GRACE`` seconds
of its parent's death — at once when idle, after the running member has recorded
itself otherwise — so no queued member starts and nothing outlives the sweep.

A *stuck* member is one whose network, at its last epoch, answers the same class for
every training point (every ŷ < 0.5, or every ŷ ≥ 0.5): the report's constant-answer
plateau (on the 69-point XOR, loss 34.00 when every point is answered 0, 35.00 when
every point is answered 1).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from core.config import RunConfig
from core.files import streams_to
from core.nn.metrics import classes

__all__ = [
    "HEARTBEAT",
    "HEARTBEAT_TIMEOUT",
    "STOP",
    "init_worker",
    "is_stuck",
    "run_member",
]

STOP = "stop"
HEARTBEAT = "alive"
STOP_POLL = 0.2  # seconds between two looks at the stop file and the parent
HEARTBEAT_TIMEOUT = 60.0  # a remote member stops when the sweep's heartbeat is this old
PARENT_GRACE = 3.0  # a running member gets this long to record itself once orphaned

_parent_gone = threading.Event()  # set only by init_worker's watchdog (local pool workers)
_member_running = threading.Event()


def is_stuck(yhat: np.ndarray) -> bool:
    """True when every prediction falls in one class (all ŷ < 0.5, or all ŷ ≥ 0.5)."""
    yhat = np.asarray(yhat, dtype=float).reshape(-1)
    if yhat.size == 0 or not np.all(np.isfinite(yhat)):
        return False
    ones = classes(yhat)
    return bool(ones.all() or not ones.any())


# ------------------------------------------------------------------ local pool workers
def _orphaned(parent_pid: int) -> bool:
    return os.getppid() != parent_pid


def _watchdog(parent_pid: int) -> None:
    while not _orphaned(parent_pid):
        time.sleep(STOP_POLL)
    _parent_gone.set()
    deadline = time.monotonic() + PARENT_GRACE
    while _member_running.is_set() and time.monotonic() < deadline:
        time.sleep(0.05)
    os._exit(0)


def _hung_up(signum, frame) -> None:
    """The sweep's terminal went away: the member trains on, its stderr to /dev/null."""
    streams_to(None, fds=(2,))


def init_worker(parent_pid: int, quiet: bool = False) -> None:
    """Initializer of a local pool's worker process (see the module docstring).

    ``quiet`` also sends the worker's stderr to /dev/null (under the dashboard, a stray
    warning would draw over the screen); its stdout always goes there.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, _hung_up)
    streams_to(None, fds=(1, 2) if quiet else (1,))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGHUP})
    threading.Thread(target=_watchdog, args=(parent_pid,), name="bp-tui-parent-watch",
                     daemon=True).start()


# ------------------------------------------------------------------ the member
class _Watch:
    """Stops ``controls`` when the sweep is cancelled, ended, or its parent is gone."""

    def __init__(self, control: Path, controls, parent_pid: int | None) -> None:
        self.control = control
        self.controls = controls
        self.parent_pid = parent_pid
        self.done = threading.Event()
        self.reason = ""
        self._beat: tuple[int, float] | None = None

    def should_stop(self) -> str:
        """Why the member must stop now ("" to go on)."""
        if (self.control / STOP).exists():
            return "the sweep was cancelled"
        if not self.control.is_dir():
            return "the sweep has ended"
        if self.parent_pid is not None:
            return "the sweep's process ended" if _orphaned(self.parent_pid) else ""
        return self._heartbeat_stale()

    def _heartbeat_stale(self) -> str:
        try:
            stamp = (self.control / HEARTBEAT).stat().st_mtime_ns
        except OSError:
            stamp = -1
        now = time.monotonic()
        if self._beat is None or self._beat[0] != stamp:
            self._beat = (stamp, now)
            return ""
        if now - self._beat[1] > HEARTBEAT_TIMEOUT:
            return "the sweep's process stopped beating"
        return ""

    def run(self) -> None:
        """Thread body: look every STOP_POLL seconds until the member ends."""
        while not self.done.wait(STOP_POLL):
            self.reason = self.should_stop()
            if self.reason:
                self.controls.stop()
                return


def _result(name: str, status: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "status": status, "epoch": 0, **extra}


def run_member(config: dict[str, Any], root: str, sweep: str, control: str,
               parent_pid: int | None = None) -> dict[str, Any]:
    """Train one sweep member and record it under ``root``; runs in a worker.

    ``control`` is the sweep's control folder (stop file, heartbeat); ``parent_pid`` the
    sweep process's pid when the worker is its child (see the module docstring).
    Returns {"name", "status", "epoch", "loss", "soft_acc", "acc", "duration", "stuck",
    "message"}; "status" is the run's ("finished", "stopped", "diverged"), "cancelled"
    if it never started, or "error" with a one-line "message".
    """
    from core.train.controls import Controls

    cfg = RunConfig.from_dict(config)
    name = cfg.name or sweep
    controls = Controls()
    controls.link(_parent_gone)
    watch = _Watch(Path(control), controls, parent_pid)
    reason = watch.should_stop()
    if reason:
        return _result(name, "cancelled", message=reason)
    _member_running.set()
    try:
        return _train(cfg, root, sweep, controls, watch)
    finally:
        _member_running.clear()
        if _parent_gone.is_set():
            os._exit(0)  # orphaned local worker: the member is recorded, take no other


def _train(cfg: RunConfig, root: str, sweep: str, controls, watch: _Watch) -> dict[str, Any]:
    """Build the member's session, record it as part of ``sweep``, train, summarise."""
    from core.run.session import Session, SetupError

    try:
        session = Session(cfg, runs_root=root, controls=controls, notify=lambda _m: None)
    except SetupError as exc:
        return _result(cfg.name or sweep, "error", message=str(exc))
    rec = session.recorder
    name = rec.name if rec is not None else (cfg.name or sweep)
    if rec is not None:
        rec.add_to_config(sweep=sweep)
    watcher = threading.Thread(target=watch.run, name="bp-tui-member-watch", daemon=True)
    watcher.start()
    from core.run.host import RunHost

    host = RunHost.for_session(session)  # attachable while it trains (bp-tui attach)
    reports: list = []
    host.on_report(lambda p: reports.__setitem__(slice(None), [p]))
    try:
        host.run()
    finally:
        watch.done.set()
    last = reports[-1] if reports else None
    if last is None:
        return _result(name, "error", message="the run produced no report")
    m = last.metrics
    stuck = is_stuck(session.net.predict(session.data.X))
    return _result(name, last.status, epoch=last.epoch, duration=last.elapsed,
                   loss=m.loss if m else None, soft_acc=m.soft_acc if m else None,
                   acc=m.acc if m else None, stuck=stuck,
                   message=watch.reason or last.message)
