"""What a figure is drawn from: one run's settings, metric rows, points and network, all
read through ``core.records`` (the one reader).

No matplotlib here: loading a run costs nothing a figure does not need.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.config import RunConfig
from core.files import printable
from core.nn.network import Network
from core.records import layout, read_data, read_metrics, read_run, read_weights

__all__ = ["FigureSource", "SourceError", "load_source", "series"]


class SourceError(ValueError):
    """A run that cannot be drawn; the message is one line naming the run and why."""


@dataclass(frozen=True)
class FigureSource:
    """One run as its figures need it: ``rows`` of metrics.jsonl, the training points
    X (n, 2) and y (n, 1) and the trained network (None when the run has none)."""

    name: str
    path: Path
    config: RunConfig
    rows: list[dict[str, Any]]
    X: np.ndarray | None
    y: np.ndarray | None
    net: Network | None

    @property
    def can_draw_points(self) -> bool:
        """True when the points and the network are there (the picture figures)."""
        return self.X is not None and self.net is not None


def load_source(path: str | Path) -> FigureSource:
    """Read run ``path`` for its figures; SourceError if it is damaged or has no metrics.

    Missing or unreadable points or weights leave ``X`` / ``net`` None (the history
    figures are still drawn)."""
    path = Path(path)
    info = read_run(path)
    name = printable(path.name, 80)
    if info.damaged:
        raise SourceError(f"run {name} cannot be drawn: {info.damaged}")
    config = RunConfig.from_dict(info.config)
    rows = read_metrics(path)
    if not any(r.get("loss") is not None for r in rows):
        raise SourceError(f"run {name} has no metrics yet ({layout.METRICS} is empty)")
    try:
        X, y = read_data(path)
    except ValueError:
        X = y = None
    named = read_weights(path)
    net = None
    if named is not None:
        try:
            net = Network.from_params(named, config.activation)
        except (ValueError, KeyError):
            net = None
    return FigureSource(path.name, path, config, rows, X, y, net)


def series(rows: list[dict[str, Any]], key: str,
           most: int = 2000) -> tuple[list[int], list[float]]:
    """(epochs, values) of metric ``key`` in ``rows``, rows without it left out.

    Longer than ``most`` points, every k-th row is kept (k = ⌈n / most⌉) and the last
    one always: a figure never needs more points than its pixels."""
    kept = [r for r in rows if r.get(key) is not None]
    step = -(-len(kept) // most) if most > 0 else 1
    if step > 1:
        last = kept[-1]
        kept = kept[::step]
        if kept[-1] is not last:
            kept.append(last)
    return [int(r["epoch"]) for r in kept], [float(r[key]) for r in kept]
