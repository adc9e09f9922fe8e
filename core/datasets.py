"""2-D binary data sets: the lab's linear and XOR sets, TensorFlow-Playground-style
circle, spiral and gauss, and a CSV loader.

Every data set is ``X`` (n, 2) float64 and ``y`` (n, 1) float64 of 0.0/1.0. Random ones
draw only from the ``np.random.Generator`` they are given.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.files import FileRefused, printable, read_bounded

__all__ = [
    "ABOUT",
    "DATASETS",
    "DEFAULT_N",
    "MAX_CSV_BYTES",
    "DataError",
    "Dataset",
    "fresh_sample",
    "generate",
    "load_csv",
]

DATASETS = ("linear", "xor", "xor-grid", "circle", "spiral", "gauss")
DEFAULT_N = {"linear": 100, "xor": 21, "xor-grid": 70, "circle": 100, "spiral": 100, "gauss": 100}
ABOUT = {
    "linear": "uniform points split by the diagonal (the report's)",
    "xor": "the hand-out's 21 points on the two diagonals",
    "xor-grid": "the report's 69 XOR points (its 2020 template's grid, n = 70)",
    "circle": "a disc inside a ring (TensorFlow Playground's circle)",
    "spiral": "two interleaved spirals (TensorFlow Playground's)",
    "gauss": "two Gaussian blobs around (0.3, 0.3) and (0.7, 0.7)",
}
"""One line about each data set (the dashboard's form shows it under Data)."""
MAX_N = 1_000_000
MAX_CSV_BYTES = 128 * 1024**2
"""A CSV data file may be at most 128 MiB (a million rows take about 40 MiB)."""


class DataError(ValueError):
    """A data set cannot be made or read; the message says why (file, line, problem)."""


@dataclass(frozen=True)
class Dataset:
    """Points ``X`` (n, 2) with labels ``y`` (n, 1) and the name they came from."""

    name: str
    X: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.X)


def _make(name: str, points: list[tuple[float, float]], labels: list[int]) -> Dataset:
    X = np.array(points, dtype=float).reshape(-1, 2)
    y = np.array(labels, dtype=float).reshape(-1, 1)
    return Dataset(name, X, y)


def linear(n: int, rng: np.random.Generator) -> Dataset:
    """n uniform points in [0,1)²; label 0 if x0 > x1 else 1 (the hand-out's rule)."""
    X = rng.uniform(0.0, 1.0, size=(n, 2))
    y = (X[:, 0] <= X[:, 1]).astype(float).reshape(-1, 1)
    return Dataset("linear", X, y)


def xor_easy() -> Dataset:
    """The hand-out's 21 XOR points, in its order: (0.1i, 0.1i)→0, (0.1i, 1−0.1i)→1."""
    points, labels = [], []
    for i in range(11):
        points.append((0.1 * i, 0.1 * i))
        labels.append(0)
        if 0.1 * i == 0.5:
            continue
        points.append((0.1 * i, 1 - 0.1 * i))
        labels.append(1)
    return _make("xor", points, labels)


def xor_grid(n: int) -> Dataset:
    """The 2020 template's XOR: for x in linspace(0, 1, n // 2): (x, x)→0, (x, 1−x)→1."""
    points, labels = [], []
    for x in np.linspace(0, 1, n // 2):
        x = float(x)
        points.append((x, x))
        labels.append(0)
        if x == 1 - x:
            continue
        points.append((x, 1 - x))
        labels.append(1)
    return _make("xor-grid", points, labels)


def xor_diagonals(n: int, rng: np.random.Generator, name: str) -> Dataset:
    """Fresh points from the XOR sets' distribution: t ~ U[0,1] on either diagonal."""
    t = rng.uniform(0.0, 1.0, size=n)
    label = rng.integers(0, 2, size=n)
    X = np.column_stack([t, np.where(label == 0, t, 1.0 - t)])
    return Dataset(name, X, label.astype(float).reshape(-1, 1))


def circle(n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Playground's circle in the unit square: class 1 inside r < 0.25, class 0 on a ring
    0.35 ≤ r ≤ 0.5 around (0.5, 0.5); noise shifts points by up to ±noise·0.5 and the
    label follows the shifted point."""
    radius = 0.5
    n1 = n // 2
    r = np.concatenate([
        rng.uniform(0.0, radius * 0.5, size=n1),
        rng.uniform(radius * 0.7, radius, size=n - n1),
    ])
    angle = rng.uniform(0.0, 2 * math.pi, size=n)
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    X += rng.uniform(-radius, radius, size=(n, 2)) * noise
    y = (np.hypot(X[:, 0], X[:, 1]) < radius * 0.5).astype(float).reshape(-1, 1)
    return Dataset("circle", X + 0.5, y)


def spiral(n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Playground's two interleaved spirals, scaled into the unit square."""
    n1 = n // 2
    points, labels = [], []
    for label, count, delta in ((1, n1, 0.0), (0, n - n1, math.pi)):
        i = np.arange(count)
        r = i / max(count, 1) * 0.45
        t = 1.75 * i / max(count, 1) * 2 * math.pi + delta
        pts = np.column_stack([r * np.sin(t), r * np.cos(t)])
        pts += rng.uniform(-0.5, 0.5, size=(count, 2)) * noise
        points.append(pts)
        labels.append(np.full(count, label))
    X = np.concatenate(points) + 0.5
    return Dataset("spiral", X, np.concatenate(labels).astype(float).reshape(-1, 1))


def gauss(n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Two Gaussian blobs: class 1 around (0.7, 0.7), class 0 around (0.3, 0.3);
    standard deviation 0.05 + 0.25·noise."""
    n1 = n // 2
    sd = 0.05 + 0.25 * noise
    X = np.concatenate([
        rng.normal(0.7, sd, size=(n1, 2)),
        rng.normal(0.3, sd, size=(n - n1, 2)),
    ])
    y = np.concatenate([np.ones(n1), np.zeros(n - n1)]).reshape(-1, 1)
    return Dataset("gauss", X, y)


def generate(name: str, n: int | None, noise: float, rng: np.random.Generator) -> Dataset:
    """The training set called ``name`` with n points (None: the set's default)."""
    if name not in DEFAULT_N:
        raise DataError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    n = DEFAULT_N[name] if n is None else int(n)
    if name == "linear":
        return linear(n, rng)
    if name == "xor":
        return xor_easy()
    if name == "xor-grid":
        return xor_grid(n)
    if name == "circle":
        return circle(n, noise, rng)
    if name == "spiral":
        return spiral(n, noise, rng)
    if name == "gauss":
        return gauss(n, noise, rng)
    raise DataError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")


def fresh_sample(name: str, n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """n new points from the same distribution as ``name`` (for testing a trained net).

    The XOR sets are fixed grids; their fresh points fall uniformly on the same diagonals.
    """
    if name in ("xor", "xor-grid"):
        return xor_diagonals(n, rng, name)
    return generate(name, n, noise, rng)


def load_csv(path: str | Path) -> Dataset:
    """Points from a CSV file of rows ``x0,x1,label`` (label 0 or 1), header optional.

    UTF-8 with or without a BOM, any line endings, blank lines skipped; a header is a
    non-numeric first line. Only a regular file of at most ``MAX_CSV_BYTES`` is read
    (a FIFO or a device is refused before reading). Raises DataError naming the file,
    the line and the problem.
    """
    shown = printable(str(path), 200)
    try:
        raw = read_bounded(path, MAX_CSV_BYTES, follow=True)
    except FileRefused as exc:
        raise DataError(f"{shown}: {'no such file' if str(exc) == 'is missing' else exc}") \
            from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{shown}: not a text file (expected UTF-8 CSV)") from None
    points: list[tuple[float, float]] = []
    labels: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            point = _csv_row(shown, reader.line_num, row, header_ok=not points)
            if point is not None:
                points.append(point[:2])
                labels.append(point[2])
                if len(points) > MAX_N:
                    raise DataError(f"{shown}: more than {MAX_N:,} rows")
    except csv.Error as exc:
        raise DataError(f"{shown}:{reader.line_num}: {printable(exc, 80)}") from None
    if len(points) < 2:
        raise DataError(f"{shown}: needs at least 2 data rows, found {len(points)}")
    return _make(Path(path).stem, points, labels)


def _csv_row(shown: str, lineno: int, row: list[str], header_ok: bool):
    """(x0, x1, label) of one CSV row; None for a blank line or the header."""
    if not row or all(not cell.strip() for cell in row):
        return None
    if len(row) != 3:
        raise DataError(f"{shown}:{lineno}: expected 3 columns x0,x1,label, got {len(row)}")
    cells = [c.strip() for c in row]
    try:
        x0, x1, label = float(cells[0]), float(cells[1]), float(cells[2])
    except ValueError:
        if lineno == 1 and header_ok:
            return None  # a header row
        raise DataError(f"{shown}:{lineno}: not a number in "
                        f"{printable(','.join(cells), 60)!r}") from None
    if not (math.isfinite(x0) and math.isfinite(x1)):
        raise DataError(f"{shown}:{lineno}: coordinates must be finite numbers")
    if label not in (0.0, 1.0):
        raise DataError(f"{shown}:{lineno}: label must be 0 or 1, got "
                        f"{printable(cells[2], 40)!r}")
    return x0, x1, int(label)
