"""The layers of a network: rebuilt from its named arrays, and per-array statistics.

Pure NumPy (no Textual): the inspect views and ``bp-tui eval`` share it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.nn.network import Network

__all__ = ["LayerStats", "layer_stats", "network_from_params"]


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
    net = Network(
        tuple(sizes[1:-1]), activation, "xavier", np.random.default_rng(0), n_inputs=sizes[0]
    )
    net.set_params(named)
    return net


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
