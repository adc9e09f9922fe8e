"""The run host: the one owner of a live run — its session, its training thread, its
controls, its journal and its analyst. No Textual here.

Whether the run is paused is one fact, held by its ``Controls`` (the channel the trainer
obeys). The journal records the run's course (preparing, running, how it ended); the
state viewers get (``state``, ``poll``) reads ``paused`` from the controls as it is
handed out, so nothing copies it into the journal and nothing has to keep two in step.

The dashboard makes a host for each run it starts (training in a thread of its own
process); ``bp-tui train`` and sweep members make one too. Viewers read the journal
(``poll``) and drive the run through ``command``: in the same process directly, from
other processes through the control endpoint (``core.run.endpoint``). The training
thread never waits for a viewer.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from core.analysis.derived import Deriver, ViewRequest
from core.config import LR_MAX, RunConfig, clip_lr
from core.files import printable
from core.run.analyst import Analyst
from core.run.journal import Cursor, Journal, LiveState, Update
from core.run.session import Session, SetupError, stderr_notify
from core.state import RunState
from core.threads import name_os_thread
from core.train.controls import Controls
from core.train.trainer import Progress

__all__ = ["COMMANDS", "RunHost", "checked_lr"]

COMMANDS = ("pause", "resume", "step", "stop", "lr")


def checked_lr(value: Any) -> float:
    """A live lr change's value as the form takes it: a JSON number (not a bool, not a
    string) above 0 and at most ``LR_MAX``, finite; below ``LR_MIN`` it is raised to it.
    ValueError (one line) for anything else — 10**400, NaN, "0.1", [0.1] included."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("lr needs a number")
    try:
        lr = float(value)
    except OverflowError:
        lr = math.inf
    if not (math.isfinite(lr) and 0 < lr <= LR_MAX):
        raise ValueError(f"lr must be a number above 0 and at most {LR_MAX:g}")
    return clip_lr(lr)


class RunHost:
    """Owns one run from ``config``; ``start()`` trains it in a thread, ``run()`` in
    the calling thread. ``session_factory`` builds the session (resume passes its own)."""

    def __init__(
        self,
        config: RunConfig,
        runs_root: str | Path | None = None,
        record: bool = True,
        notify: Callable[[str], None] = stderr_notify,
        timer: Callable[[], float] = time.perf_counter,
        session_factory: Callable[..., Session] | None = None,
        serve: bool = True,
    ) -> None:
        self.config = config
        self.controls = Controls()
        self.journal = Journal(LiveState(RunState.PREPARING, epochs=config.epochs,
                                         lr=config.lr))
        self.session: Session | None = None
        self.analyst: Analyst | None = None
        self._notify_user = notify
        self._make_session = session_factory or (lambda **kw: Session(config, **kw))
        self._session_args = {"runs_root": runs_root, "record": record, "timer": timer}
        self._thread: threading.Thread | None = None
        self._listeners: list[Callable[[Progress], None]] = []
        self.serve = serve  # offer a control endpoint in the run directory
        self.endpoint = None
        self.done = threading.Event()

    @classmethod
    def for_session(cls, session: Session, serve: bool = True) -> RunHost:
        """A host for a session already built (the CLI builds it first, to name the flag
        at fault when it cannot be)."""
        host = cls(session.config, session_factory=lambda **_kw: session, serve=serve)
        host.controls = session.controls
        return host

    # ------------------------------------------------------------ lifecycle
    def start(self) -> RunHost:
        """Train in a (non-daemon) thread of its own: the run outlives its viewers."""
        self._thread = threading.Thread(target=self.run, name="bp-tui-train")
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the run to end; True if it has."""
        return self.done.wait(timeout)

    @property
    def state(self) -> LiveState:
        """The run's state now, as viewers see it (paused read from the controls)."""
        return self._shown(self.journal.state)

    def _shown(self, state: LiveState) -> LiveState:
        """``state`` as viewers see it: a running run whose controls hold it is paused."""
        if state.status == RunState.RUNNING and self.controls.paused:
            return replace(state, status=RunState.PAUSED)
        return state

    def on_report(self, listener: Callable[[Progress], None]) -> None:
        """Call ``listener(progress)`` in the training thread for every report (the CLI
        prints lines this way); keep it quick."""
        self._listeners.append(listener)

    def note(self, message: str) -> None:
        """A one-line note for viewers (and the ``notify`` callback)."""
        self.journal.set_state(message=message)
        self._notify_user(message)

    def run(self, reraise: bool = False) -> LiveState:
        """Build the session and train to the end; returns the final state. ``reraise``:
        an exception that ended the run (a failed write, a listener's error) is raised
        again once the state says so (the CLI reports it on its own terms)."""
        if threading.current_thread() is self._thread:
            name_os_thread()
        try:
            try:
                self.session = self._make_session(controls=self.controls, notify=self.note,
                                                  **self._session_args)
            except SetupError as exc:
                return self.journal.set_state(status=RunState.ERROR, message=str(exc))
            self._serve()
            self._train()
        except Exception as exc:  # a failed write, or a bug: end the run, keep the records
            message = str(exc) if isinstance(exc, OSError) else \
                f"training failed: {type(exc).__name__}: {exc}"
            if self.session is not None and self.session.status == RunState.RUNNING:
                with contextlib.suppress(OSError):
                    self.session.finish(RunState.ERROR, message)
            self.journal.set_state(status=RunState.ERROR, message=message)
            if reraise:
                raise
        finally:
            self._unserve()
            self.done.set()
        return self.state

    def _serve(self) -> None:
        s = self.session
        if not self.serve or s.recorder is None:
            return
        from core.run.endpoint import Endpoint, EndpointError

        try:
            self.endpoint = Endpoint(self, s.recorder.dir).start()
        except (EndpointError, OSError) as exc:  # the run goes on, just not attachable
            self.note(f"bp-tui: no control socket for this run ({exc})")

    def _unserve(self) -> None:
        if self.endpoint is not None:
            self.endpoint.close()  # its last push round gives viewers the final state

    def _train(self) -> None:
        s = self.session
        self.analyst = Analyst(
            Deriver(s.data, s.config.loss, s.config.activation, s.config.noise,
                    "linear" if s.config.data_file else s.config.data, s.config.optimizer,
                    s.config.momentum,
                    run_dir=s.recorder.dir if s.recorder is not None else None),
            self.journal, s.net).start()
        self.controls.on_idle = self._offer_snapshot
        self.journal.set_state(status=RunState.RUNNING, run_name=s.run_name, message="")
        for p in s.iterate():
            self._publish(p)
            for listener in self._listeners:
                listener(p)
            self._offer_snapshot()
        self.analyst.offer(s.trainer.epoch, s.net.theta.copy(), s.trainer.lr, force=True,
                           opt_state=s.trainer.optimizer.state())

    def _offer_snapshot(self) -> None:
        """Hand the analyst a copy of the parameters and of the optimiser's state (a
        point's back-propagation shows the update it makes) when it is due."""
        s, a = self.session, self.analyst
        if s is not None and a is not None and a.wants_snapshot():
            a.offer(s.trainer.epoch, s.net.theta.copy(), s.trainer.lr,
                    opt_state=s.trainer.optimizer.state())

    def _publish(self, p: Progress) -> None:
        """One journal update per report (a chunk of epochs: ~50 a second)."""
        status = RunState.parse(p.status, RunState.ERROR)
        lr = self.controls.pending_lr or p.lr  # a change asked for mid-chunk still shows
        changes: dict[str, Any] = {"status": status, "epoch": p.epoch, "lr": lr,
                                   "elapsed": p.elapsed, "rate": p.epochs_per_s}
        rows = [(e, m.loss, m.soft_acc, m.acc, p.lr, t) for e, m, t in p.evaluations]
        if p.evaluations:
            m = p.evaluations[-1][1]
            changes.update(loss=m.loss, soft_acc=m.soft_acc, acc=m.acc)
        if p.done:
            changes["message"] = p.message
        self.journal.add_many(p.lines, rows, p.yhat, **changes)

    # ------------------------------------------------------------ viewers
    def poll(self, cursor: Cursor) -> Update:
        """Everything new since ``cursor`` (see ``Journal.since``), its state as
        viewers see it."""
        update = self.journal.since(cursor)
        return replace(update, state=self._shown(update.state))

    def want(self, viewer: str, request: ViewRequest) -> None:
        """``viewer`` needs these derived views (renew every few seconds)."""
        if self.analyst is not None:
            self.analyst.want(viewer, request)

    def command(self, name: str, value: Any = None) -> LiveState:
        """pause / resume / step / stop / lr VALUE; ValueError for anything else. The
        state returned already shows the change (paused, the new lr…)."""
        if name not in COMMANDS:
            raise ValueError(f"unknown command {printable(name, 40)!r}; choose one of "
                             f"{', '.join(COMMANDS)}")
        if name != "lr" and value is not None:
            raise ValueError(f"{name} takes no value")
        status = self.journal.state.status
        if not status.live:
            raise ValueError(f"the run has ended ({status.value})")
        if name == "lr":
            lr = checked_lr(value)
            self.controls.set_lr(lr)
            self.journal.set_state(lr=lr, message=f"lr → {lr:g} from the next epoch")
            return self.state
        getattr(self.controls, name)()
        return self.state

    def close(self) -> None:
        """Stop the run (if live) and the analyst; returns at once."""
        self.controls.stop()
        if self.analyst is not None:
            self.analyst.close()

    def __repr__(self) -> str:
        return f"RunHost({self.state.brief()})"
