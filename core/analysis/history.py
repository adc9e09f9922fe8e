"""A bounded, decimated record of per-epoch metrics, for plotting.

`History` keeps at most ``2 * cap`` points however long a run lasts: when the store is
full it keeps every other point and doubles its stride, so a 1,000,000-epoch run costs as
much memory as a 1,000-epoch one. The first point ever appended and the newest one are
always kept. Pure Python + NumPy: no Textual here, so the trainer side may use it too.

Example::

    h = History(cap=500)
    h.append(0, loss=15.3, soft_acc=53.0, acc=51.0)
    h.append(1, loss=12.1, soft_acc=60.0, acc=64.0)
    epochs, losses = h.series("loss", max_points=80)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

__all__ = ["History", "thin", "thin_series"]

T = TypeVar("T")


class History:
    """Per-epoch metrics (e.g. loss, soft_acc, acc, lr, wall) with bounded memory.

    Points are stored when their append index is a multiple of the current stride; once
    ``2 * cap`` points are stored, every other one is dropped and the stride doubles. The
    newest point is held aside when the stride would drop it, so `series` always ends at
    the latest value.

    Attributes:
        cap: half the maximum number of stored points (the store holds cap..2*cap once
            decimation starts).
    """

    def __init__(self, cap: int = 1000) -> None:
        """Create an empty history keeping at most ``2 * cap`` points (cap >= 2)."""
        if cap < 2:
            raise ValueError(f"cap must be >= 2, got {cap}")
        self.cap = cap
        self.clear()

    # ------------------------------------------------------------------ recording
    def clear(self) -> None:
        """Forget every point (the version counter still moves on)."""
        self._epochs: list[int] = []
        self._values: dict[str, list[float]] = {}
        self._stride = 1
        self._count = 0  # number of append calls since the last clear
        self._pending: tuple[int, dict[str, float]] | None = None  # newest, not stored
        self._version = getattr(self, "_version", 0) + 1

    def append(self, epoch: int, **values: float) -> None:
        """Record the metrics of one epoch, e.g. ``append(250, loss=3.2, acc=0.85)``.

        A name missing from one call reads as NaN there; NaN points are left out of
        `series`. Epochs are expected to increase (call `clear` for a new run).
        """
        row = {name: float(v) for name, v in values.items()}
        index = self._count
        self._count += 1
        self._version += 1
        if index % self._stride == 0:
            self._store(int(epoch), row)
            self._pending = None
            if len(self._epochs) >= 2 * self.cap:
                self._decimate()
                if index % self._stride != 0:  # the newest point was thinned out
                    self._pending = (int(epoch), row)
        else:
            self._pending = (int(epoch), row)

    def _store(self, epoch: int, row: dict[str, float]) -> None:
        n = len(self._epochs)
        for name in row:
            if name not in self._values:
                self._values[name] = [math.nan] * n
        for name, column in self._values.items():
            column.append(row.get(name, math.nan))
        self._epochs.append(epoch)

    def _decimate(self) -> None:
        # Stored points have append index = k * stride; keep those with k even, so the
        # survivors are exactly the indices that are multiples of the doubled stride.
        self._epochs = self._epochs[::2]
        for name in self._values:
            self._values[name] = self._values[name][::2]
        self._stride *= 2

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        """Number of points held (stored ones plus the held-aside newest point)."""
        return len(self._epochs) + (self._pending is not None)

    @property
    def total(self) -> int:
        """How many times `append` was called since the last `clear`."""
        return self._count

    @property
    def stride(self) -> int:
        """Current spacing, in appends, between stored points."""
        return self._stride

    @property
    def version(self) -> int:
        """A counter that changes on every `append` and `clear` (cheap change test)."""
        return self._version

    @property
    def names(self) -> list[str]:
        """Metric names seen so far, in order of first appearance."""
        names = list(self._values)
        if self._pending is not None:
            names += [n for n in self._pending[1] if n not in self._values]
        return names

    @property
    def latest(self) -> tuple[int, dict[str, float]] | None:
        """``(epoch, values)`` of the newest point, or None when empty."""
        if self._pending is not None:
            epoch, row = self._pending
            return epoch, dict(row)
        if not self._epochs:
            return None
        return self._epochs[-1], {n: col[-1] for n, col in self._values.items()}

    def _points(self, name: str) -> tuple[list[int], list[float]]:
        column = self._values.get(name)
        epochs = list(self._epochs) if column is not None else []
        values = list(column) if column is not None else []
        if self._pending is not None:
            epoch, row = self._pending
            epochs.append(epoch)
            values.append(row.get(name, math.nan))
        keep = [i for i, v in enumerate(values) if not math.isnan(v)]
        if len(keep) != len(values):
            epochs = [epochs[i] for i in keep]
            values = [values[i] for i in keep]
        return epochs, values

    def series(self, name: str, max_points: int | None = None) -> tuple[list[int], list[float]]:
        """Epochs and values of one metric, down-sampled to at most ``max_points``.

        The picked points are spread evenly over the stored ones and always include the
        first and the latest. ``max_points=None`` returns every held point; values below
        2 are treated as 2. An unknown name gives two empty lists.
        """
        epochs, values = self._points(name)
        if max_points is None:
            return epochs, values
        keep = thin(range(len(epochs)), max_points)
        return [epochs[i] for i in keep], [values[i] for i in keep]

    def __repr__(self) -> str:
        return (
            f"History(cap={self.cap}, points={len(self)}, total={self._count}, "
            f"stride={self._stride}, names={self.names})"
        )


def thin(items: Sequence[T], most: int) -> Sequence[T]:
    """At most ``most`` of ``items`` (``most`` below 2 counts as 2), spread evenly, the
    first and the last always kept; ``items`` itself when it has no more. The one way a
    series is thinned: a chart's points, `History.series`, the metric rows a live run
    sends a viewer in one update (core.run.wire)."""
    k = max(most, 2)
    n = len(items)
    if n <= k:
        return items
    # k evenly spaced positions over 0..n-1, rounded; n > k spaces them over 1 apart,
    # so the k indices are distinct.
    return [items[i] for i in np.round(np.linspace(0, n - 1, k)).astype(int).tolist()]


def thin_series(xs: Sequence[float], ys: Sequence[float | None],
                most: int) -> tuple[list[float], list[float]]:
    """The finite (x, y) points of a series, `thin`ned to at most ``most``: a chart's."""
    pts = [(x, y) for x, y in zip(xs, ys) if y is not None and math.isfinite(y)
           and math.isfinite(x)]
    pts = thin(pts, most)
    return [p[0] for p in pts], [p[1] for p in pts]
