"""The run controller: the one owner of the run a screen shows. No Textual here.

It starts runs (each in a ``RunHost`` of this process) or is handed a link to another
process's run or to a run's files, and maps every action — start, pause, resume, step,
stop, reset, restart with new settings, lr — onto that link. A screen calls ``pull()``
on its frame timer and renders the ``Frame`` it gets: only what changed, in small
immutable pieces. Tests drive the controller directly.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.analysis.derived import TestSpec, ViewRequest, Views
from core.analysis.history import History
from core.config import RunConfig, clip_lr
from core.records.testset import has_test_set
from core.run.host import RunHost
from core.run.journal import LiveState
from core.run.links import HostLink, LinkError
from core.run.session import build_data, seeded_rngs
from core.state import RunState
from core.train.warmup import KernelWarmup

__all__ = ["ControllerError", "Frame", "RunController"]


class ControllerError(ValueError):
    """An action that cannot be carried out now; the message is one line."""


@dataclass(frozen=True)
class Frame:
    """What changed since the last ``pull``."""

    state: LiveState
    message: str = ""
    lines: tuple[str, ...] = ()
    history_changed: bool = False
    yhat: np.ndarray | None = None
    views: Views | None = None
    started: bool = False
    ended: RunState | None = None
    data_changed: bool = False

    def __repr__(self) -> str:
        """``Frame(run='xor-1', epoch=30/600, status=running, lines=3, yhat, history)``:
        the state's words, then what the frame carries (never the arrays or text)."""
        news = [f"lines={len(self.lines)}"] if self.lines else []
        news += [name for name, present in (
            ("message", self.message), ("yhat", self.yhat is not None),
            ("views", self.views is not None), ("history", self.history_changed),
            ("started", self.started), ("data", self.data_changed)) if present]
        if self.ended is not None:
            news.append(f"ended={self.ended.value}")
        return f"Frame({', '.join([self.state.brief(), *news])})"


class RunController:
    """The run shown by one screen; ``config`` is what the next start uses."""

    def __init__(self, config: RunConfig, runs_dir: str | Path | None = None,
                 record: bool = True, timer: Callable[[], float] = time.perf_counter,
                 warmup: KernelWarmup | None = None) -> None:
        self.config = config
        self.runs_dir, self.record, self.timer, self.warmup = runs_dir, record, timer, warmup
        self.link = None
        self.host: RunHost | None = None
        self.run_config: RunConfig | None = None
        self.state = LiveState(RunState.READY, epochs=config.epochs, lr=config.lr)
        self.history = History(cap=1000)
        self.test_history = History(cap=500)
        self.data: tuple[np.ndarray, np.ndarray] | None = None
        self.yhat: np.ndarray | None = None
        self.views: Views | None = None
        self.test_size = 1
        """How many points the tracked test losses are sums over."""
        self.message = ""
        self.test_spec: TestSpec | None = None
        """The test set asked for in inspect (kept while inspect is closed)."""
        self.backprop_point = 0
        """The training point last chosen in inspect's Backprop tab (kept likewise)."""
        self._looked_for_test: Path | None = None  # the run directory last looked in
        self._pending: RunConfig | None = None
        self._started = self._data_changed = False
        self._ended_seen = True

    # ------------------------------------------------------------ what it is
    @property
    def status(self) -> RunState:
        return self.state.status

    @property
    def running(self) -> bool:
        """True while the shown run trains (or prepares, or is paused)."""
        return self.link is not None and self.state.status.live

    @property
    def owns_run(self) -> bool:
        """True while this process trains the shown run (quitting would end it)."""
        return self.host is not None and self.running

    @property
    def read_only(self) -> bool:
        return self.link is not None and self.link.read_only

    @property
    def run_dir(self) -> Path | None:
        return None if self.link is None else self.link.run_dir

    # ------------------------------------------------------------ starting
    def preview(self, config: RunConfig) -> tuple[np.ndarray, np.ndarray]:
        """The training points ``config`` makes (shown before a run starts)."""
        data = build_data(config, seeded_rngs(config.data_seed_or_seed)[0])
        return data.X, data.y

    def start(self, config: RunConfig) -> None:
        """Start a run of ``config`` in this process (the previous one must be over)."""
        if self.running:
            raise ControllerError("a run is going: stop it first, or restart")
        if self.read_only:
            raise ControllerError(f"read-only: {self.link.reason}")
        self._reset_panels()
        self.host = RunHost(config, self.runs_dir, self.record, notify=self._note,
                            timer=self.timer).start()
        self.link = HostLink(self.host)
        self.run_config, self.config = config, config
        self.state = self.host.state
        self._started, self._ended_seen = True, False

    def attach(self, link) -> None:
        """Show the run behind ``link`` (another process's run, or a run's files)."""
        self._reset_panels()
        self.link, self.host = link, None
        self.run_config = self.config = link.config
        self.data = link.data()
        self._started, self._ended_seen, self._data_changed = True, False, True

    def restart(self, config: RunConfig) -> None:
        """Stop the run and start ``config`` once it has ended."""
        if self.running:
            self._pending = config
            try:
                self.stop()
                return
            except ControllerError:  # it ended meanwhile: start at once
                self._pending = None
                self.state = self.link.poll().state if self.link else self.state
        self.start(config)

    def reset(self) -> None:
        """Stop the run (if any) and clear the panels, back to "ready"."""
        self._pending = None
        if self.running:
            with contextlib.suppress(ControllerError):  # it may have just ended
                self.stop()
        if self.link is not None and self.host is not None:
            self.host.close()
        self.link = self.host = self.run_config = None
        self._reset_panels()
        self.state = LiveState(RunState.READY, epochs=self.config.epochs, lr=self.config.lr)

    def test_request(self) -> TestSpec | None:
        """The test set to show: the one asked for, else the one recorded with the run
        (it reopens with it), else None."""
        run_dir = self.run_dir
        if self.test_spec is None and run_dir is not None and run_dir != self._looked_for_test:
            self._looked_for_test = run_dir  # once per run, not a file check every frame
            if has_test_set(run_dir):
                self.test_spec = TestSpec("run")
        return self.test_spec

    def _reset_panels(self) -> None:
        if self.test_spec is not None and self.test_spec.kind == "run":
            self.test_spec = None  # the previous run's own test set
        self.history.clear()
        self.test_history.clear()
        self.yhat, self.views, self.data, self.message = None, None, None, ""

    def _note(self, message: str) -> None:
        self.message = message

    # ------------------------------------------------------------ controls
    def _command(self, name: str, value=None) -> LiveState:
        if self.link is None or not self.running:
            raise ControllerError("no run is going")
        try:
            self.state = self.link.command(name, value)
        except LinkError as exc:
            raise ControllerError(str(exc)) from None
        return self.state

    def toggle_pause(self) -> RunState:
        """Pause a running run, resume a paused one; the new status."""
        paused = self.state.status == RunState.PAUSED
        return self._command("resume" if paused else "pause").status

    def step(self) -> None:
        """One more epoch, then hold (pauses a running run first)."""
        self._command("step")

    def stop(self) -> None:
        """End the run at the next epoch boundary; its records are kept."""
        self._command("stop")

    def set_lr(self, lr: float) -> float:
        """Use ``lr`` (clipped to [1e-12, 1e6]) from the next epoch — live when a run is
        going, else for the next start. Returns the lr set."""
        lr = clip_lr(lr)
        if self.running:
            self._command("lr", lr)
            self.run_config = self.run_config.with_changes(lr=lr)
        self.config = self.config.with_changes(lr=lr)
        return lr

    def scale_lr(self, factor: float, next_lr: float | None = None) -> float:
        """lr × ``factor``: the lr in force when running, else the next run's
        (``next_lr`` when the screen holds a newer one than the config)."""
        current = self.state.lr if self.running else (
            self.config.lr if next_lr is None else next_lr)
        return self.set_lr(current * factor)

    def want(self, request: ViewRequest, viewer: str = "screen") -> None:
        """The derived views ``viewer`` (a screen) shows now; renew every second or so.
        The run's analyst computes what all viewers need, merged."""
        if self.link is not None:
            self.link.want(request, viewer)

    # ------------------------------------------------------------ frames
    def pull(self) -> Frame:
        """Everything that changed since the last call."""
        started, self._started = self._started, False
        data_changed, self._data_changed = self._data_changed, False
        if self.link is None:
            return Frame(self.state, self._status_message(), started=started,
                         data_changed=data_changed)
        u = self.link.poll()
        self.state = u.state
        if self.data is None:
            self.data = self.link.data()
            data_changed = data_changed or self.data is not None
        for e, loss, soft, acc, lr, wall in u.rows:
            latest = self.history.latest
            if latest is None or e > latest[0]:  # a hostile file may repeat or go back
                self.history.append(e, loss=loss, soft_acc=soft, acc=acc, lr=lr, wall=wall)
        if u.yhat is not None:
            self.yhat = u.yhat
        if u.views is not None:
            self.views = u.views
            self._track_test(u.views)
        ended = None
        if self.state.status.ended and not self._ended_seen:
            self._ended_seen, ended = True, self.state.status
        frame = Frame(self.state, self._status_message(), u.lines, bool(u.rows), u.yhat,
                      u.views, started, ended, data_changed)
        if ended is not None and self._pending is not None:
            pending, self._pending = self._pending, None
            self.start(pending)
        return frame

    def _track_test(self, views: Views) -> None:
        if views.test is not None:
            self.test_size = len(views.test.y)
        for e, loss, soft, acc in views.test_rows:
            latest = self.test_history.latest
            if latest is None or e > latest[0]:
                self.test_history.append(e, loss=loss, soft_acc=soft, acc=acc)

    def _status_message(self) -> str:
        warm = self.warmup.describe() if self.warmup is not None else ""
        if warm and (self.state.status in (RunState.READY, RunState.PREPARING)):
            return warm if self.state.status == RunState.READY else f"waiting: {warm}"
        return self.state.message or self.message or self.state.verdict

    def close(self) -> None:
        """Forget the link (a run this process trains goes on until it ends)."""
        if self.link is not None:
            self.link.close()

    def __repr__(self) -> str:
        link = type(self.link).__name__ if self.link is not None else None
        return f"RunController({self.state.brief()}, link={link})"
