"""Metrics of a network on a data set: summed loss and the two accuracies.

- ``loss``      Σ over points of the loss (the report prints a sum, not a mean)
- ``soft_acc``  (1 − mean |ŷ − y|) × 100, the report's "accuracy"
- ``acc``       share of points with (ŷ ≥ 0.5) == y, × 100

The threshold rule lives here once: `classes` (ŷ ≥ 0.5 is class 1), `misclassified`
and `wrong_count`, the complement of ``acc`` that every "wrong" count shows. (The
compiled kernel in core.train.kernels repeats it inside its numba loop.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.nn.losses import Loss

__all__ = ["Metrics", "classes", "evaluate", "misclassified", "score", "wrong_count"]


@dataclass(frozen=True)
class Metrics:
    """Summed loss, soft accuracy (%) and threshold accuracy (%)."""

    loss: float
    soft_acc: float
    acc: float

    def accuracy(self, which: str) -> float:
        """The accuracy the log shows: "soft" (the report's) or "threshold"."""
        return self.soft_acc if which == "soft" else self.acc


def classes(values: np.ndarray) -> np.ndarray:
    """The class of each value, same shape, bool: ŷ ≥ 0.5 is class 1 (NaN is class 0).
    Labels (0/1) and predicted classes pass through unchanged."""
    with np.errstate(invalid="ignore"):
        return np.asarray(values, dtype=float) >= 0.5


def misclassified(yhat: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mask (n,) of the points whose answered class differs from their label's: ŷ and
    y (n,) or (n, 1), either as values or as classes."""
    return classes(yhat).reshape(-1) != classes(y).reshape(-1)


def wrong_count(yhat: np.ndarray, y: np.ndarray) -> int:
    """How many points `misclassified` marks: n × (100 − ``acc``) / 100."""
    return int(np.count_nonzero(misclassified(yhat, y)))


def score(yhat: np.ndarray, y: np.ndarray, loss: Loss) -> Metrics:
    """Metrics of predictions ŷ (n, 1) against labels y (n, 1)."""
    y = np.asarray(y, dtype=float).reshape(-1, 1)
    with np.errstate(all="ignore"):
        value = loss.value(yhat, y)
        soft = (1.0 - float(np.mean(np.abs(yhat - y)))) * 100.0
        acc = float(np.mean(~misclassified(yhat, y))) * 100.0
    return Metrics(float(value), soft, acc)


def evaluate(net, X: np.ndarray, y: np.ndarray, loss: Loss) -> tuple[Metrics, np.ndarray]:
    """Forward the whole set once: (metrics, ŷ (n, 1)). ŷ is a fresh array."""
    with np.errstate(all="ignore"):
        yhat = net.predict(X)
    return score(yhat, y, loss), yhat
