"""Looking inside a trained network: the decision boundary on a grid, fresh test sets,
per-point predictions, the confusion matrix and per-layer weight statistics.

Pure NumPy (no Textual). Every function takes a ``Network`` (or its named arrays) and
plain arrays, so the views and ``bp-tui eval`` share one implementation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.datasets import Dataset, fresh_sample
from core.network import Network

__all__ = [
    "MAX_TEST_N",
    "LayerStats",
    "Prediction",
    "boundary_field",
    "confusion",
    "fast_predict",
    "fresh_test_set",
    "grid_points",
    "layer_stats",
    "network_from_params",
    "predictions",
]

MAX_TEST_N = 10_000

Bounds = tuple[float, float, float, float]


def network_from_params(named: dict[str, np.ndarray], activation: str = "sigmoid") -> Network:
    """A Network whose sizes are read off ``named`` (W1 (2, h1), …, WL (hk, 1)) holding
    copies of those arrays. Raises ValueError for missing or inconsistent arrays."""
    n_layers = sum(1 for k in named if k.startswith("W"))
    if n_layers < 1:
        raise ValueError("no weight arrays W1…")
    sizes = [int(np.shape(named["W1"])[0])]
    for i in range(1, n_layers + 1):
        if f"W{i}" not in named:
            raise ValueError(f"missing array W{i}")
        sizes.append(int(np.shape(named[f"W{i}"])[1]))
    net = Network(tuple(sizes[1:-1]), activation, "xavier", np.random.default_rng(0),
                  n_inputs=sizes[0])
    net.set_params(named)
    return net


def grid_points(width: int, height: int, bounds: Bounds = (0.0, 1.0, 0.0, 1.0)) -> np.ndarray:
    """Centres of a width×height pixel grid over ``bounds``, row-major from the top row.

    Returns X (height·width, 2): row r, column c is the point
    (xmin + (c + ½)·dx, ymax − (r + ½)·dy), dx = (xmax − xmin)/width, dy likewise.
    """
    xmin, xmax, ymin, ymax = bounds
    width, height = max(int(width), 1), max(int(height), 1)
    xs = xmin + (np.arange(width) + 0.5) * (xmax - xmin) / width
    ys = ymax - (np.arange(height) + 0.5) * (ymax - ymin) / height
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def boundary_field(
    net: Network, width: int, height: int, bounds: Bounds = (0.0, 1.0, 0.0, 1.0)
) -> np.ndarray:
    """ŷ of ``net`` on the pixel grid of `grid_points`: an array (height, width) in [0, 1].

    Row 0 is the top edge (ymax), so the array reads like the screen. Non-finite
    outputs (a diverged network) become 0.5.
    """
    X = grid_points(width, height, bounds)
    yhat = fast_predict(net, X).reshape(max(int(height), 1), max(int(width), 1))
    return np.where(np.isfinite(yhat), yhat, 0.5)


def _sigmoid_tanh(Z: np.ndarray) -> np.ndarray:
    """σ(Z) = ½(1 + tanh(Z/2)): one ufunc pass, no overflow, equal to σ within ~1e-16."""
    out = np.multiply(Z, 0.5)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def fast_predict(net: Network, X: np.ndarray) -> np.ndarray:
    """ŷ (n, 1) of ``net`` for X (n, 2), like ``net.predict`` but about twice as fast on
    large grids (sigmoids through tanh, no cache kept); for views, not for training."""
    A = np.asarray(X, dtype=float)
    last = net.n_layers - 1
    with np.errstate(all="ignore"):
        for i, (W, B) in enumerate(zip(net.Ws, net.Bs)):
            Z = A @ W
            Z += B
            A = _sigmoid_tanh(Z) if i == last or net.act.name == "sigmoid" else net.act.forward(Z)
    return A


def fresh_test_set(name: str, n: int, seed: int, noise: float = 0.0) -> Dataset:
    """``n`` fresh points (1 ≤ n ≤ MAX_TEST_N) from data set ``name``'s distribution,
    drawn from ``default_rng(seed)`` only: the same seed gives the same points."""
    n = int(n)
    if not 1 <= n <= MAX_TEST_N:
        raise ValueError(f"n must be from 1 to {MAX_TEST_N}, got {n}")
    return fresh_sample(name, n, noise, np.random.default_rng(seed))


def confusion(yhat: np.ndarray, y: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Counts (2, 2) int: ``C[t, p]`` = points of true class t predicted p (ŷ ≥ threshold
    is class 1). C[0,0] true negatives, C[0,1] false positives, C[1,0] false negatives,
    C[1,1] true positives."""
    t = (np.asarray(y, dtype=float).reshape(-1) >= 0.5).astype(int)
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
    lab = (np.asarray(y, dtype=float).reshape(-1) >= 0.5).astype(int)
    yh = np.asarray(yhat, dtype=float).reshape(-1)
    pred = (yh >= 0.5).astype(int)
    return [
        Prediction(i, float(X[i, 0]), float(X[i, 1]), int(lab[i]), float(yh[i]), int(pred[i]))
        for i in range(len(X))
    ]


@dataclass(frozen=True)
class LayerStats:
    """Summary of one array: name, shape and mean, std, min, max, Frobenius norm."""

    name: str
    shape: tuple[int, ...]
    mean: float
    std: float
    min: float
    max: float
    norm: float


def layer_stats(named: dict[str, np.ndarray]) -> list[LayerStats]:
    """`LayerStats` of every array in ``named``, in the order W1, B1, W2, B2, …"""
    n_layers = sum(1 for k in named if k.startswith("W"))
    out = []
    for i in range(1, n_layers + 1):
        for key in (f"W{i}", f"B{i}"):
            if key not in named:
                continue
            a = np.asarray(named[key], dtype=float)
            with np.errstate(all="ignore"):
                out.append(LayerStats(
                    key, tuple(a.shape), float(a.mean()), float(a.std()), float(a.min()),
                    float(a.max()), float(np.linalg.norm(a)),
                ))
    return out
