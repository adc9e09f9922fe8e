"""Metrics of a network on a data set: summed loss and the two accuracies.

- ``loss``      Σ over points of the loss (the report prints a sum, not a mean)
- ``soft_acc``  (1 − mean |ŷ − y|) × 100, the report's "accuracy"
- ``acc``       share of points with (ŷ ≥ 0.5) == y, × 100
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.nn.losses import Loss

__all__ = ["Metrics", "evaluate", "score"]


@dataclass(frozen=True)
class Metrics:
    """Summed loss, soft accuracy (%) and threshold accuracy (%)."""

    loss: float
    soft_acc: float
    acc: float

    def accuracy(self, which: str) -> float:
        """The accuracy the log shows: "soft" (the report's) or "threshold"."""
        return self.soft_acc if which == "soft" else self.acc


def score(yhat: np.ndarray, y: np.ndarray, loss: Loss) -> Metrics:
    """Metrics of predictions ŷ (n, 1) against labels y (n, 1)."""
    y = np.asarray(y, dtype=float).reshape(-1, 1)
    with np.errstate(all="ignore"):
        value = loss.value(yhat, y)
        soft = (1.0 - float(np.mean(np.abs(yhat - y)))) * 100.0
        acc = float(np.mean((yhat >= 0.5) == (y >= 0.5))) * 100.0
    return Metrics(float(value), soft, acc)


def evaluate(net, X: np.ndarray, y: np.ndarray, loss: Loss) -> tuple[Metrics, np.ndarray]:
    """Forward the whole set once: (metrics, ŷ (n, 1)). ŷ is a fresh array."""
    with np.errstate(all="ignore"):
        yhat = net.predict(X)
    return score(yhat, y, loss), yhat
