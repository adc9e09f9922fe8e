"""Points seen through a network: fresh test sets, per-point predictions, confusion.

Pure NumPy (no Textual): the inspect views and ``bp-tui eval`` share it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.datasets import Dataset, fresh_sample
from core.nn.metrics import classes

__all__ = [
    "MAX_TEST_N",
    "Prediction",
    "confusion",
    "fresh_test_set",
    "predictions",
    "uniform_test_set",
]

MAX_TEST_N = 10_000
NEIGHBOURS_MAX = 4096
"""Uniform points are labelled by their nearest of at most this many training points."""


def fresh_test_set(name: str, n: int, seed: int, noise: float = 0.0) -> Dataset:
    """``n`` fresh points (1 ≤ n ≤ MAX_TEST_N) from data set ``name``'s distribution,
    drawn from ``default_rng(seed)`` only: the same seed gives the same points."""
    n = int(n)
    if not 1 <= n <= MAX_TEST_N:
        raise ValueError(f"n must be from 1 to {MAX_TEST_N}, got {n}")
    return fresh_sample(name, n, noise, np.random.default_rng(seed))


def uniform_test_set(train: Dataset, n: int, seed: int,
                     bounds: tuple[float, float, float, float]) -> Dataset:
    """``n`` points uniform over the input square ``bounds`` (xmin, xmax, ymin, ymax) —
    the report's 10,000 random points fed to its XOR model — drawn from
    ``default_rng(seed)`` only. Each is labelled like its nearest training point, so
    every data set gets a ground truth off its own points (for the XOR diagonals: the
    four quadrants). Training sets above NEIGHBOURS_MAX points are thinned evenly."""
    n = int(n)
    if not 1 <= n <= MAX_TEST_N:
        raise ValueError(f"n must be from 1 to {MAX_TEST_N}, got {n}")
    x0, x1, y0, y1 = bounds
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    ref, labels = train.X, train.y.reshape(-1)
    if len(ref) > NEIGHBOURS_MAX:
        keep = np.linspace(0, len(ref) - 1, NEIGHBOURS_MAX).astype(int)
        ref, labels = ref[keep], labels[keep]
    y = np.empty(n)
    for start in range(0, n, 1024):  # (1024, m) distances at a time
        d = ((X[start:start + 1024, None, :] - ref[None, :, :]) ** 2).sum(axis=2)
        y[start:start + 1024] = labels[d.argmin(axis=1)]
    return Dataset(train.name, X, (y >= 0.5).astype(float).reshape(-1, 1))


def confusion(yhat: np.ndarray, y: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Counts (2, 2) int: ``C[t, p]`` = points of true class t predicted p (ŷ ≥ threshold
    is class 1). C[0,0] true negatives, C[0,1] false positives, C[1,0] false negatives,
    C[1,1] true positives."""
    t = classes(y).reshape(-1).astype(int)
    p = (np.asarray(yhat, dtype=float).reshape(-1) >= threshold).astype(int)
    C = np.zeros((2, 2), dtype=int)
    np.add.at(C, (t, p), 1)
    return C


@dataclass(frozen=True)
class Prediction:
    """One point of a predictions table."""

    index: int
    x0: float
    x1: float
    label: int
    yhat: float
    predicted: int

    @property
    def right(self) -> bool:
        """True when the rounded prediction equals the label."""
        return self.predicted == self.label


def predictions(X: np.ndarray, y: np.ndarray, yhat: np.ndarray) -> list[Prediction]:
    """One `Prediction` per point of X (n, 2), y (n, 1), ŷ (n, 1); predicted = ŷ ≥ 0.5."""
    X = np.asarray(X, dtype=float).reshape(-1, 2)
    lab = classes(y).reshape(-1).astype(int)
    yh = np.asarray(yhat, dtype=float).reshape(-1)
    pred = classes(yh).astype(int)
    return [
        Prediction(i, float(X[i, 0]), float(X[i, 1]), int(lab[i]), float(yh[i]), int(pred[i]))
        for i in range(len(X))
    ]
