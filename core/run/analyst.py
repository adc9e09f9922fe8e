"""The analyst: computes a live run's derived views in a thread of its own.

The training thread never computes views: between chunks (and every 0.1 s while
paused) it asks ``wants_snapshot()`` and, when the analyst is idle and due, hands over a
copy of the parameters and of the optimiser's state (``offer``; a memcpy). The analyst
then computes — off the training thread and off the UI thread — the plateau verdict and
whatever its viewers asked for (``want``), and publishes small immutable results in the
run's journal. It computes at most every ``interval`` seconds and keeps its busy share
of a core under ``budget`` (a 0.3 s boundary field waits 1.5 s before the next), so
views cost the trainer nothing and the UI thread little.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from core.analysis.derived import Deriver, ViewRequest
from core.analysis.history import History
from core.nn.network import Network
from core.run.journal import Cursor, Journal
from core.threads import name_os_thread

__all__ = ["Analyst"]

REQUEST_TTL = 5.0  # a viewer's request lapses unless renewed within this many seconds
Snapshot = tuple[int, np.ndarray, float, dict[str, np.ndarray] | None]
"""(epoch, theta, lr, the optimiser's state or None) handed over by ``offer``."""


class Analyst:
    """Derived views of the run recorded in ``journal``, for a network shaped like
    ``template`` (its parameters come from ``offer``)."""

    def __init__(self, deriver: Deriver, journal: Journal, template: Network,
                 interval: float = 1.0, budget: float = 0.2,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.deriver, self.journal = deriver, journal
        self.net = Network(template.hidden, template.act.name, "xavier",
                           np.random.default_rng(0), n_inputs=template.sizes[0])
        self.interval, self.budget, self.clock = interval, budget, clock
        self.history = History(cap=2000)
        self._cursor = Cursor()
        self._wants: dict[str, tuple[float, ViewRequest]] = {}
        self._snapshot: Snapshot | None = None
        self._due = 0.0
        self._fresh = False  # a snapshot or a request arrived since the last computation
        self._busy = False
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="bp-tui-analyst", daemon=True)
        self.computed = 0
        """How many times views were computed (for tests and benchmarks)."""

    def start(self) -> Analyst:
        self._thread.start()
        return self

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # ------------------------------------------------------------ viewers
    def want(self, viewer: str, request: ViewRequest) -> None:
        """``viewer`` needs ``request`` (renew at least every REQUEST_TTL seconds)."""
        with self._cond:
            old = self._wants.get(viewer)
            self._wants[viewer] = (self.clock(), request)
            if old is None or old[1] != request:
                self._due, self._fresh = 0.0, True  # something new was asked: compute soon
                self._cond.notify_all()

    def request(self) -> ViewRequest:
        """What the viewers need now (their requests merged)."""
        now = self.clock()
        with self._cond:
            for key, (at, _req) in list(self._wants.items()):
                if now - at > REQUEST_TTL:
                    del self._wants[key]
            return ViewRequest.merge_all(req for _at, req in self._wants.values())

    # ------------------------------------------------------------ the training thread
    def wants_snapshot(self) -> bool:
        """True when the analyst is idle and due (cheap: the trainer asks often)."""
        return not self._busy and self._snapshot is None and self.clock() >= self._due

    def offer(self, epoch: int, theta: np.ndarray, lr: float, force: bool = False,
              opt_state: dict[str, np.ndarray] | None = None) -> None:
        """A copy of the parameters after ``epoch`` (the caller copies; ``force``: even
        when not due, e.g. the final network) and, if known, of the optimiser's state."""
        with self._cond:
            if force or self.wants_snapshot():
                self._snapshot, self._fresh = (epoch, theta, lr, opt_state), True
                if force:
                    self._due = 0.0
                self._cond.notify_all()

    # ------------------------------------------------------------ the analyst's thread
    def _loop(self) -> None:
        name_os_thread()
        last: Snapshot | None = None
        while True:
            with self._cond:
                while not self._closed and (self.clock() < self._due or not self._fresh or (
                        self._snapshot is None and last is None)):
                    self._cond.wait(0.1)
                if self._closed:
                    return
                snap, self._snapshot = self._snapshot, None
                self._busy, self._fresh = True, False
            last = snap if snap is not None else last
            t0 = self.clock()
            try:
                self._compute(*last)
            finally:
                cost = self.clock() - t0
                with self._cond:
                    self._busy = False
                    self._due = self.clock() + max(self.interval, cost / self.budget)

    def _compute(self, epoch: int, theta: np.ndarray, lr: float,
                 opt_state: dict[str, np.ndarray] | None) -> None:
        update = self.journal.since(self._cursor)
        self._cursor = update.cursor
        for e, loss, soft, acc, _lr, _wall in update.rows:
            self.history.append(e, loss=loss, soft_acc=soft, acc=acc)
        self.net.theta[...] = theta
        with np.errstate(all="ignore"):
            verdict = self.deriver.verdict(self.net, self.history, lr)
            request = self.request()
            views = None if request.empty else self.deriver.compute(self.net, epoch, request,
                                                                    lr, opt_state)
        if update.state.verdict != verdict:
            self.journal.set_state(verdict=verdict)
        if views is not None:
            self.journal.set_views(views)
        self.computed += 1

    def __repr__(self) -> str:
        with self._cond:
            viewers, closed, busy = sorted(self._wants), self._closed, self._busy
        state = "closed" if closed else "busy" if busy else "idle"
        return f"Analyst({state}, computed={self.computed}, viewers={viewers})"
