"""Why is a run stuck? Saturated units, gradient norms per layer, a plateau detector
and a plain-language verdict.

Pure NumPy (no Textual). The dashboard calls `measure` on a copy of the weights a few
times a second and `detect_plateau` on the loss history; `diagnose` turns both into
one line for the status bar.

Definitions
- A hidden unit is *saturated* on a point when its activation is in the flat part of
  its curve: sigmoid A < 0.01 or A > 0.99; tanh |A| > 0.99. For relu (and leaky-relu) a
  unit is *dead* when Z ≤ 0 on every point of the set. The output layer (always a
  sigmoid) is measured the same way as a sigmoid.
- ``saturation[l]`` is the share (0..1) of (point, unit) pairs of layer l that are
  saturated (relu: the share of units that are dead).
- ``grad_norms[l]`` is ‖∂loss/∂W_l‖ (Frobenius) of the summed loss over the whole set.
- A *plateau*: the best loss of the last ``window`` epochs is not lower than the best
  loss before them by more than ``rel`` (relative), i.e.
  best_before − best_recent ≤ rel · |best_before|.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.nn.losses import Loss
from core.nn.network import Network

__all__ = [
    "HIGH",
    "LOW",
    "Measures",
    "Plateau",
    "detect_plateau",
    "diagnose",
    "measure",
    "saturation_share",
]

LOW, HIGH = 0.01, 0.99
VANISHING = 1e-3  # a total gradient norm below this (per point) counts as vanishing


def saturation_share(A: np.ndarray, Z: np.ndarray, activation: str) -> float:
    """Share of saturated (or dead) units of one layer.

    A, Z: (n, units) activations and pre-activations of the layer on n points.
    sigmoid: mean of (A < LOW) | (A > HIGH); tanh: mean of |A| > HIGH;
    relu / leaky-relu: share of units with Z ≤ 0 on every point; none: 0.
    """
    A = np.asarray(A, dtype=float)
    if A.size == 0:
        return 0.0
    if activation == "sigmoid":
        return float(np.mean((A < LOW) | (A > HIGH)))
    if activation == "tanh":
        return float(np.mean(np.abs(A) > HIGH))
    if activation in ("relu", "leaky-relu"):
        return float(np.mean(np.all(np.asarray(Z) <= 0.0, axis=0)))
    return 0.0


@dataclass(frozen=True)
class Measures:
    """What `measure` found on one copy of the weights.

    saturation: one share (0..1) per layer, hidden layers then the output layer.
    grad_norms: ‖dW_l‖ per layer (same order), of the summed loss over the set.
    zs: the pre-activations Z_l (n, units) of each hidden layer (for histograms).
    """

    saturation: tuple[float, ...]
    grad_norms: tuple[float, ...]
    zs: tuple[np.ndarray, ...]
    n_points: int

    @property
    def hidden_saturation(self) -> float:
        """Mean saturation of the hidden layers (0 without hidden layers)."""
        hidden = self.saturation[:-1]
        return float(np.mean(hidden)) if hidden else 0.0

    @property
    def total_grad(self) -> float:
        """‖(dW_1, …, dW_L)‖ over all layers."""
        return float(np.sqrt(np.sum(np.square(self.grad_norms))))


def measure(net: Network, X: np.ndarray, y: np.ndarray, loss: Loss) -> Measures:
    """Saturation and gradient norms of ``net`` on X (n, 2), y (n, 1), one forward and
    one backward pass over the whole set (the network is not changed)."""
    with np.errstate(all="ignore"):
        _, cache = net.forward(X)
        dWs, _ = net.backward(cache, y, loss)
    L = net.n_layers
    sat = []
    for layer in range(1, L + 1):
        kind = "sigmoid" if layer == L else net.act.name
        sat.append(saturation_share(cache.As[layer], cache.Zs[layer], kind))
    norms = tuple(float(np.linalg.norm(d)) if np.all(np.isfinite(d)) else float("nan")
                  for d in dWs)
    return Measures(tuple(sat), norms, tuple(cache.Zs[1:L]), len(X))


@dataclass(frozen=True)
class Plateau:
    """A detected plateau: since ``since`` (epoch) the loss stayed within ``rel``."""

    since: int
    loss: float


def detect_plateau(
    epochs: Sequence[int], losses: Sequence[float], window: int = 500, rel: float = 1e-4
) -> Plateau | None:
    """A `Plateau` when the loss has not improved by a relative ``rel`` over the last
    ``window`` epochs, else None. Needs history reaching back at least ``window`` epochs
    before the newest one (earlier: None). ``epochs`` ascending, one loss per epoch."""
    if len(epochs) < 2:
        return None
    e = np.asarray(epochs, dtype=float)
    v = np.asarray(losses, dtype=float)
    newest = e[-1]
    start = newest - window
    if e[0] > start:
        return None
    before = v[e <= start]
    recent = v[e > start]
    if before.size == 0 or recent.size == 0 or not np.all(np.isfinite(v)):
        return None
    best_before = float(np.min(before))
    best_recent = float(np.min(recent))
    if best_before - best_recent > rel * abs(best_before):
        return None
    # Walk back to where the flat stretch began (first epoch within rel of the end).
    flat = np.abs(v - v[-1]) <= max(rel * abs(v[-1]), 1e-12)
    since = int(newest)
    for i in range(len(v) - 1, -1, -1):
        if not flat[i]:
            break
        since = int(e[i])
    return Plateau(since, float(v[-1]))


def diagnose(plateau: Plateau | None, m: Measures | None, lr: float,
             activation: str = "sigmoid") -> str:
    """One line: the plateau, its likely measurable cause and what to try ("" if none)."""
    if plateau is None:
        return ""
    head = f"stuck since epoch {plateau.since} at loss {plateau.loss:.4f}"
    if m is None:
        return f"{head}: try a larger lr or new initial weights (r)"
    sat = m.hidden_saturation
    out_sat = m.saturation[-1]
    per_point = m.total_grad / max(m.n_points, 1)
    dead = activation in ("relu", "leaky-relu")
    if sat >= 0.5:
        what = "dead" if dead else "saturated"
        return (f"{head}: {sat:.0%} of hidden units {what}, gradients vanish "
                f"(‖dW‖ {m.total_grad:.2g}); try xavier init, tanh/relu, or reset (r)")
    if out_sat >= 0.9:
        return (f"{head}: output saturated on {out_sat:.0%} of points "
                f"(‖dW‖ {m.total_grad:.2g}); try bce loss, xavier init, or reset (r)")
    if per_point < VANISHING:
        return (f"{head}: vanishing gradients (‖dW‖ {m.total_grad:.2g}); "
                "try xavier init or a larger lr (+)")
    if lr * m.total_grad < 1e-3:
        return (f"{head}: lr {lr:g} too small for ‖dW‖ {m.total_grad:.2g}; "
                "press + to double it")
    return f"{head}: a local minimum? try a larger lr (+) or new initial weights (r)"
