"""Losses on the sigmoid output ŷ = σ(Z_out), summed over points.

Each loss gives its value (a sum over the points, as the report's log prints) and the
gradient with respect to the output pre-activation ``Z_out`` for one point or a batch,
so the output sigmoid and the loss are differentiated together, stably.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LOSSES", "Loss", "get_loss"]

_EPS = 1e-12


class Loss:
    """``value(yhat, y) -> float`` (sum) and ``dZ(yhat, y) -> (n, 1)`` for ŷ = σ(Z)."""

    name = "loss"
    code = -1

    def value(self, yhat: np.ndarray, y: np.ndarray) -> float:
        raise NotImplementedError

    def dyhat(self, yhat: np.ndarray, y: np.ndarray) -> np.ndarray:
        """∂L/∂ŷ per point, shape of ``yhat``."""
        raise NotImplementedError

    def dZ(self, yhat: np.ndarray, y: np.ndarray) -> np.ndarray:
        """∂L/∂Z_out per point = ∂L/∂ŷ · ŷ(1 − ŷ)."""
        return self.dyhat(yhat, y) * yhat * (1.0 - yhat)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class SquaredError(Loss):
    """L = Σ (y − ŷ)²; ∂L/∂ŷ = 2(ŷ − y) (not halved, as in the report)."""

    name, code = "mse", 0

    def value(self, yhat, y):
        return float(np.sum((y - yhat) ** 2))

    def dyhat(self, yhat, y):
        return 2.0 * (yhat - y)


class BinaryCrossEntropy(Loss):
    """L = −Σ [y log ŷ + (1 − y) log(1 − ŷ)]; ∂L/∂Z_out = ŷ − y."""

    name, code = "bce", 1

    def value(self, yhat, y):
        p = np.clip(yhat, _EPS, 1.0 - _EPS)
        return float(-np.sum(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))

    def dyhat(self, yhat, y):
        p = np.clip(yhat, _EPS, 1.0 - _EPS)
        return (p - y) / (p * (1.0 - p))

    def dZ(self, yhat, y):
        return yhat - y


LOSSES: dict[str, type[Loss]] = {cls.name: cls for cls in (SquaredError, BinaryCrossEntropy)}


def get_loss(name: str) -> Loss:
    """The loss called ``name`` (one of ``LOSSES``); KeyError otherwise."""
    return LOSSES[name]()
