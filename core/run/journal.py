"""What a live run tells its viewers: its state, and a journal of what it produced.

``LiveState`` is the small immutable state (status, epoch, lr, rate, latest metrics…)
of a run. ``Journal`` keeps, bounded, the log lines and metric rows the run produced and
its newest ŷ and derived views; a viewer keeps a ``Cursor`` and asks for everything
since it (``since``), so any number of viewers read one journal without the writer ever
waiting for them. Everything here round-trips through JSON for viewers on a socket.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from core.records.reader import as_float
from core.state import RunState

__all__ = ["Cursor", "Journal", "LiveState", "Row", "Update"]

MAX_LINES = 20_000
MAX_ROWS = 100_000

Row = tuple[int, float, float, float, float, float]
"""One evaluated epoch: (epoch, loss, soft_acc, acc, lr, elapsed)."""


@dataclass(frozen=True)
class LiveState:
    """A run's state as its viewers see it (a snapshot; a new one on every change)."""

    status: RunState = RunState.PREPARING
    epoch: int = 0
    epochs: int = 0
    lr: float = 0.0
    elapsed: float = 0.0
    rate: float = 0.0
    loss: float | None = None
    soft_acc: float | None = None
    acc: float | None = None
    run_name: str = ""
    message: str = ""
    verdict: str = ""
    lines: int = 0
    rows: int = 0

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["status"] = self.status.value
        for k in ("loss", "soft_acc", "acc", "lr", "elapsed", "rate"):
            d[k] = as_float(d[k])
        return d

    @classmethod
    def from_json(cls, d: Any) -> LiveState:
        """From a viewer's message; ValueError if it is not a state."""
        if not isinstance(d, dict):
            raise ValueError("not a state")
        try:
            return cls(
                status=RunState(d["status"]), epoch=int(d["epoch"]), epochs=int(d["epochs"]),
                lr=as_float(d.get("lr")) or 0.0, elapsed=as_float(d.get("elapsed")) or 0.0,
                rate=as_float(d.get("rate")) or 0.0, loss=as_float(d.get("loss")),
                soft_acc=as_float(d.get("soft_acc")), acc=as_float(d.get("acc")),
                run_name=str(d.get("run_name", "")), message=str(d.get("message", "")),
                verdict=str(d.get("verdict", "")), lines=int(d.get("lines", 0)),
                rows=int(d.get("rows", 0)),
            )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise ValueError(f"not a state: {exc}") from None

    def brief(self) -> str:
        """The words a run's objects show in their ``repr``:
        ``run='xor-1', epoch=600/600, status=finished``."""
        return (f"run={self.run_name!r}, epoch={self.epoch}/{self.epochs}, "
                f"status={self.status.value}")

    def __repr__(self) -> str:
        """``LiveState(run='xor-1', epoch=600/600, status=finished, lr=0.1, loss=0.0123)``
        (the message and the counts left out: one short line)."""
        loss = "" if self.loss is None else f", loss={self.loss:.4g}"
        return f"LiveState({self.brief()}, lr={self.lr:g}{loss})"


@dataclass(frozen=True)
class Cursor:
    """How far a viewer has read: lines and rows so far, versions of ŷ and the views."""

    lines: int = 0
    rows: int = 0
    yhat: int = -1
    views: int = -1


@dataclass(frozen=True)
class Update:
    """Everything new for a viewer since its cursor. ``skipped`` counts lines and rows
    it fell too far behind to get (the journal is bounded; the files have them all)."""

    state: LiveState
    cursor: Cursor
    lines: tuple[str, ...] = field(default=(), repr=False)
    rows: tuple[Row, ...] = field(default=(), repr=False)
    yhat: np.ndarray | None = field(default=None, repr=False)
    views: Any = field(default=None, repr=False)
    skipped: int = 0


def _tail(items: deque, k: int) -> tuple:
    """The last ``k`` items of a deque, read from its right end (cheap when few)."""
    if k <= 0:
        return ()
    if k >= len(items):
        return tuple(items)
    return tuple(reversed(tuple(itertools.islice(reversed(items), k))))


@dataclass
class Journal:
    """Thread-safe, bounded record of a live run, written by one run, read by many."""

    state: LiveState = field(default_factory=LiveState)
    _lines: deque = field(default_factory=lambda: deque(maxlen=MAX_LINES))
    _rows: deque = field(default_factory=lambda: deque(maxlen=MAX_ROWS))
    _yhat: np.ndarray | None = None
    _yhat_v: int = -1
    _views: Any = None
    _views_v: int = -1
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def set_state(self, **changes: Any) -> LiveState:
        with self._lock:
            self.state = replace(self.state, **changes)
            return self.state

    def add(self, lines=(), row: Row | None = None, yhat: np.ndarray | None = None,
            **changes: Any) -> LiveState:
        """Record lines, a metrics row, a fresh ŷ (never changed afterwards) and state."""
        with self._lock:
            self._lines.extend(lines)
            if row is not None:
                self._rows.append(row)
            if yhat is not None:
                self._yhat, self._yhat_v = yhat, self._yhat_v + 1
            s = self.state
            self.state = replace(s, lines=s.lines + len(lines),
                                 rows=s.rows + (row is not None), **changes)
            return self.state

    def add_many(self, lines, rows, yhat: np.ndarray | None = None, **changes: Any
                 ) -> LiveState:
        """``add`` for a whole chunk: its lines, its metric rows, its newest ŷ."""
        with self._lock:
            self._lines.extend(lines)
            self._rows.extend(rows)
            if yhat is not None:
                self._yhat, self._yhat_v = yhat, self._yhat_v + 1
            s = self.state
            self.state = replace(s, lines=s.lines + len(lines), rows=s.rows + len(rows),
                                 **changes)
            return self.state

    def set_views(self, views: Any) -> None:
        with self._lock:
            self._views, self._views_v = views, self._views_v + 1

    def since(self, cursor: Cursor) -> Update:
        """What is new since ``cursor`` (the whole bounded journal for ``Cursor()``)."""
        with self._lock:
            s = self.state
            first_line = s.lines - len(self._lines)
            first_row = s.rows - len(self._rows)
            skip_l = max(0, first_line - cursor.lines)
            skip_r = max(0, first_row - cursor.rows)
            lines = _tail(self._lines, s.lines - max(cursor.lines, first_line))
            rows = _tail(self._rows, s.rows - max(cursor.rows, first_row))
            yhat = self._yhat if self._yhat_v != cursor.yhat else None
            views = self._views if self._views_v != cursor.views else None
            new = Cursor(s.lines, s.rows, self._yhat_v, self._views_v)
        return Update(s, new, lines, rows, yhat, views, skip_l + skip_r)

    def __repr__(self) -> str:
        s = self.state
        return f"Journal({s.brief()}, lines={s.lines}, rows={s.rows})"
