"""A run's test set, recorded beside it: ``test.npz`` holds X (n, 2), y (n, 1) and the
one-line ``source`` that says what it is ("10000 uniform points over the input square
(seed 7)"). Written whole (temporary file, then a rename) by the run's analyst when a
test set is drawn or loaded; read with the same checks as ``data.npz`` (headers before
data, no pickles, at most 10⁶ points). The next test set replaces it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.files import printable
from core.records import layout
from core.records.atomic import atomic_open
from core.records.npz import NpzError, open_npz

__all__ = ["MAX_SOURCE", "has_test_set", "read_test_set", "write_test_set"]

MAX_SOURCE = 200
"""The source line is cut to this many characters."""


def has_test_set(run_dir: str | Path) -> bool:
    """True if the run directory holds a test set file (not checked further)."""
    return (Path(run_dir) / layout.TEST).is_file()


def write_test_set(run_dir: str | Path, X: np.ndarray, y: np.ndarray, source: str) -> None:
    """Record the test set (X (n, 2), y (n,) or (n, 1)) with the run; OSError if the
    directory is not writable (the caller says so in one line)."""
    with atomic_open(Path(run_dir) / layout.TEST, "wb") as fh:
        np.savez(fh, X=np.asarray(X, float).reshape(-1, 2),
                 y=np.asarray(y, float).reshape(-1, 1),
                 source=np.array(printable(source, MAX_SOURCE)))


def read_test_set(run_dir: str | Path) -> tuple[np.ndarray, np.ndarray, str]:
    """The recorded test set: X (n, 2), y (n, 1), its source line; ValueError with a
    one-line reason ("test.npz is missing", "test.npz member X …") otherwise."""
    try:
        with open_npz(Path(run_dir) / layout.TEST, budget=3 * layout.MAX_DATA_POINTS) as npz:
            X = npz.read("X", ndim=2)
            y = npz.read("y")
            try:
                source = str(npz.read("source", kinds="U", ndim=0, max_bytes=4 * MAX_SOURCE))
            except NpzError as exc:
                if not exc.missing:
                    raise
                source = "the recorded test set"
    except NpzError as exc:
        raise ValueError(printable(f"{layout.TEST} {exc}", 240)) from None
    if X.shape[1] != 2 or not 1 <= X.shape[0] <= layout.MAX_DATA_POINTS:
        raise ValueError(f"{layout.TEST} holds X of shape {X.shape}, not (n, 2) points")
    if y.size != X.shape[0] or y.ndim > 2:
        raise ValueError(f"{layout.TEST} holds X {X.shape} and y {y.shape}, which do not fit")
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise ValueError(f"{layout.TEST} holds NaN or infinite values")
    return X, y.reshape(-1, 1), printable(source, MAX_SOURCE)
