"""Plain-text maps of the unit square: a model's classes over many points, and points
in their classes (the report's "Ground truth" / "Predict result" panels).

Characters (a legend goes with every map): ``.`` a cell the model answers 0, ``#`` 1,
``:`` mixed; points ``o`` class 0, ``x`` class 1, ``@`` misclassified.
"""

from __future__ import annotations

import numpy as np

from core.analysis.boundary import cell_index
from core.nn.metrics import classes

__all__ = ["LEGEND", "class_map", "point_map", "side_by_side"]

LEGEND = ("`.` answered 0 · `#` answered 1 · `:` mixed · `o` a point of class 0 · "
          "`x` of class 1 · `@` a misclassified point")


def _frame(grid: list[list[str]]) -> list[str]:
    width = len(grid[0])
    lines = ["1 +" + "-" * width + "+"]
    lines += ["  |" + "".join(r) + "|" for r in grid]
    lines.append("0 +" + "-" * width + "+")
    lines.append("  0" + " " * (width - 1) + "1")
    return lines


def class_map(X: np.ndarray, yhat: np.ndarray, width: int = 60, height: int = 24,
              points: np.ndarray | None = None, labels: np.ndarray | None = None,
              wrong: np.ndarray | None = None) -> list[str]:
    """The model's answer over the square, cell by cell, from its predictions ``yhat``
    (n,) on the points X (n, 2); ``points`` with ``labels`` (and a ``wrong`` mask) drawn
    on top."""
    row, col = cell_index(X, width, height)
    ones = np.zeros((height, width))
    count = np.zeros((height, width))
    np.add.at(ones, (row, col), classes(yhat).reshape(-1).astype(float))
    np.add.at(count, (row, col), 1.0)
    share = np.divide(ones, count, out=np.full_like(ones, np.nan), where=count > 0)
    grid = [[" " if np.isnan(s) else "." if s < 0.25 else "#" if s > 0.75 else ":"
             for s in r] for r in share]
    if points is not None and labels is not None:
        _draw(grid, points, labels, wrong)
    return _frame(grid)


def _draw(grid: list[list[str]], points: np.ndarray, labels: np.ndarray,
          wrong: np.ndarray | None) -> None:
    height, width = len(grid), len(grid[0])
    row, col = cell_index(points, width, height)
    labels = np.asarray(labels).reshape(-1)
    bad = np.zeros(len(labels), bool) if wrong is None else np.asarray(wrong).reshape(-1)
    for c, r, lab, w in zip(col, row, labels, bad):
        grid[r][c] = "@" if w else ("x" if lab >= 0.5 else "o")


def point_map(points: np.ndarray, labels: np.ndarray, width: int = 36,
              height: int = 16, wrong: np.ndarray | None = None) -> list[str]:
    """Points in their classes (``o`` / ``x``; ``@`` where ``wrong``) on an empty square."""
    grid = [[" "] * width for _ in range(height)]
    _draw(grid, points, labels, wrong)
    return _frame(grid)


def side_by_side(left: list[str], right: list[str], titles: tuple[str, str],
                 gap: int = 4) -> list[str]:
    """Two maps next to each other under their titles."""
    w = max(len(s) for s in left)
    head = titles[0].center(w) + " " * gap + titles[1]
    return [head.rstrip(), *(f"{a.ljust(w)}{' ' * gap}{b}".rstrip()
                             for a, b in zip(left, right))]
