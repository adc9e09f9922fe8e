"""The hand-over point between the training worker and the UI.

The worker ``put``s every trainer report without ever waiting for the UI; the UI
``drain``s what arrived since its last frame. Everything is bounded, so a UI that falls
behind loses only old detail (the full record is on disk), never memory.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from core.train.trainer import Progress

__all__ = ["Drained", "Mailbox"]

MAX_LINES = 5_000
MAX_ROWS = 100_000
SNAPSHOT_SECONDS = 0.25  # weights are copied for the views at most this often


@dataclass
class Drained:
    """What arrived since the last drain."""

    lines: list[str] = field(default_factory=list)
    rows: list[tuple[int, float, float, float, float, float]] = field(default_factory=list)
    latest: Progress | None = None
    yhat: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)
    snapshot: tuple[int, dict[str, np.ndarray]] | None = None


class Mailbox:
    """Thread-safe, bounded, newest-wins store of a run's reports."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lines: deque[str] = deque(maxlen=MAX_LINES)
        self._rows: deque = deque(maxlen=MAX_ROWS)
        self._notes: deque[str] = deque(maxlen=100)
        self._latest: Progress | None = None
        self._yhat: np.ndarray | None = None
        self._snapshot: tuple[int, dict[str, np.ndarray]] | None = None
        self._snapshot_at = -1e9

    def snapshot_due(self) -> bool:
        """Worker side: True when the views should get a fresh copy of the weights."""
        return time.monotonic() - self._snapshot_at >= SNAPSHOT_SECONDS

    def put_snapshot(self, epoch: int, params: dict[str, np.ndarray]) -> None:
        """Worker side: a copy of the weights after ``epoch`` (the caller copies)."""
        with self._lock:
            self._snapshot = (epoch, params)
            self._snapshot_at = time.monotonic()

    def put(self, p: Progress) -> None:
        """Worker side: O(1), never blocks on the UI beyond a short lock."""
        with self._lock:
            if p.lines:
                self._lines.extend(p.lines)
            if p.metrics is not None:
                m = p.metrics
                self._rows.append((p.epoch, m.loss, m.soft_acc, m.acc, p.lr, p.elapsed))
                self._yhat = p.yhat
            self._latest = p

    def note(self, message: str) -> None:
        """Worker side: a one-line note for the user (e.g. compiling)."""
        with self._lock:
            self._notes.append(message)

    def drain(self) -> Drained:
        """UI side: everything new since the last call."""
        with self._lock:
            out = Drained(
                list(self._lines), list(self._rows), self._latest, self._yhat,
                list(self._notes), self._snapshot,
            )
            self._snapshot = None
            self._lines.clear()
            self._rows.clear()
            self._notes.clear()
            self._latest = None
            self._yhat = None
        return out
