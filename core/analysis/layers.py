"""The layers of a network: rebuilt from its named arrays, and per-array statistics.

Pure NumPy (no Textual): the inspect views and ``bp-tui eval`` share it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LayerStats", "layer_stats"]


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
                out.append(
                    LayerStats(
                        key,
                        tuple(a.shape),
                        float(a.mean()),
                        float(a.std()),
                        float(a.min()),
                        float(a.max()),
                        float(np.linalg.norm(a)),
                    )
                )
    return out
