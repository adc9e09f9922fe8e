"""The readable training step: the one the compiled kernel and the NumPy engine are held
to, and the one the back-propagation view shows.

One step on the rows ``X`` (k, 2), ``y`` (k, 1) — a single point in per-point training —
is the readable network's forward and backward pass and the optimiser's rule:

    g = ∂L/∂θ  (Network.gradient: forward, then backward, laid out like θ)
    θ ← optimiser.step(θ, g)

``train_orders`` repeats it point by point over epochs of shuffled orders, exactly as an
engine's ``train_chunk`` does with batch size 1.
"""

from __future__ import annotations

import numpy as np

from core.nn.losses import Loss
from core.nn.network import Network
from core.nn.optimizers import Optimizer

__all__ = ["point_loss", "train_orders", "train_step"]


def train_step(net: Network, X: np.ndarray, y: np.ndarray, opt: Optimizer, loss: Loss) -> None:
    """One update of ``net.theta`` (and ``opt``'s state) from the summed ``loss`` on the
    rows X (k, 2), y (k, 1)."""
    opt.step(net.theta, net.gradient(X, y, loss))


def train_orders(net: Network, X: np.ndarray, y: np.ndarray, orders: np.ndarray,
                 opt: Optimizer, loss: Loss) -> None:
    """Per-point training: for every epoch's order (epochs, n) of row indices, one
    ``train_step`` per point, in that order."""
    for order in orders:
        for k in order:
            train_step(net, X[k : k + 1], y[k : k + 1], opt, loss)


def point_loss(net: Network, x: np.ndarray, y: float, loss: Loss) -> float:
    """The loss of one point x (2,) with label y at ``net``'s current weights."""
    yhat = net.predict(np.asarray(x, dtype=float).reshape(1, -1))
    return loss.value(yhat, np.array([[float(y)]]))
