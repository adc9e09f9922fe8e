"""The decision boundary: the network's ŷ on a pixel grid over the input square.

Pure NumPy (no Textual): the boundary views and ``bp-tui reproduce`` share it.
"""

from __future__ import annotations

import numpy as np

from core.nn.network import Network

__all__ = ["Bounds", "boundary_of", "cell_index", "data_bounds", "grid_points"]

Bounds = tuple[float, float, float, float]
"""(xmin, xmax, ymin, ymax) of a plot or a boundary."""


def data_bounds(X: np.ndarray, margin: float = 0.05) -> Bounds:
    """Axis ranges ``(xmin, xmax, ymin, ymax)`` for the points X (n, 2).

    Data inside the unit square (within ``margin``) gets exactly 0..1 on both axes, so
    toy problems always sit on the same frame; other data gets its own range widened by
    ``margin`` of its span on each side. A flat axis is widened by 0.5 each way.
    """
    X = np.asarray(X, dtype=float).reshape(-1, 2)
    if X.shape[0] == 0:
        return 0.0, 1.0, 0.0, 1.0
    lo = X.min(axis=0)
    hi = X.max(axis=0)
    if np.all(lo >= -margin) and np.all(hi <= 1.0 + margin):
        return 0.0, 1.0, 0.0, 1.0
    span = hi - lo
    pad = np.where(span > 0, span * margin, 0.5)
    lo, hi = lo - pad, hi + pad
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])


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


def cell_index(X: np.ndarray, width: int, height: int,
               bounds: Bounds = (0.0, 1.0, 0.0, 1.0)) -> tuple[np.ndarray, np.ndarray]:
    """Row and column (each (n,) int) of every point of X (n, 2) on a width×height grid
    over ``bounds`` — the cell of `grid_points` the point falls in.

    Column 0 is the left edge (xmin); row 0 is the top (ymax), so y grows upwards. A cell
    holds its lower x and y edges (column c: xmin + c·dx ≤ x < xmin + (c + 1)·dx). Points
    on or beyond an edge of the picture land in the edge cell.
    """
    X = np.asarray(X, dtype=float).reshape(-1, 2)
    xmin, xmax, ymin, ymax = bounds
    fx = (X[:, 0] - xmin) / (xmax - xmin)
    fy = (X[:, 1] - ymin) / (ymax - ymin)
    col = np.clip(np.floor(fx * width), 0, width - 1).astype(int)
    row = np.clip(height - 1 - np.floor(fy * height), 0, height - 1).astype(int)
    return row, col


def boundary_of(
    net: Network, width: int, height: int, bounds: Bounds = (0.0, 1.0, 0.0, 1.0)
) -> np.ndarray:
    """ŷ of ``net`` on the pixel grid of `grid_points`: an array (height, width) in [0, 1].

    Row 0 is the top edge (ymax), so the array reads like the screen. Non-finite
    outputs (a diverged network) become 0.5.
    """
    X = grid_points(width, height, bounds)
    yhat = net.predict(X).reshape(max(int(height), 1), max(int(width), 1))
    return np.where(np.isfinite(yhat), yhat, 0.5)
