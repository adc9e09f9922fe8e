"""Weights files: ``.npz`` with arrays W1…WL, B1…BL and, optionally, the run's config.

Loading never unpickles and reads only the members W1…WL, B1…BL and config, each
``.npy`` header checked before its data (``core.records.npz``); a truncated, foreign,
oversized or misshapen file raises ``WeightsError`` with a one-line reason naming the file
and the member.
"""

from __future__ import annotations

import json
import re
from itertools import pairwise
from pathlib import Path

import numpy as np

from core.files import parse_json
from core.records import layout
from core.records.atomic import atomic_open
from core.records.npz import NpzArchive, NpzError, open_npz

__all__ = ["WeightsError", "check_shapes", "load_weights", "save_weights"]

_W = re.compile(r"^W([1-9][0-9]{0,2})$")


class WeightsError(ValueError):
    """A weights file cannot be used; the message names the file and the problem."""


def save_weights(
    path: str | Path, named: dict[str, np.ndarray], config: dict | None = None,
    extra: dict[str, np.ndarray] | None = None,
) -> None:
    """Write ``named`` arrays (the config as JSON text, and any ``extra`` members, e.g. a
    checkpoint's) atomically to ``path``."""
    path = Path(path)
    arrays = {k: np.asarray(v, dtype=float) for k, v in named.items()}
    if config is not None:
        arrays["config"] = np.array(json.dumps(config))
    arrays.update(extra or {})
    with atomic_open(path, "wb") as fh:
        np.savez(fh, **arrays)


def load_weights(
    path: str | Path, follow: bool = True
) -> tuple[dict[str, np.ndarray], dict | None]:
    """Read W1…WL, B1…BL (float64) and the config (or None) from an ``.npz`` file.

    Only those members are read, each header checked before its data is (see
    ``core.records.npz``). The arrays must form a network: Wi 2-D (fan_in, fan_out),
    Bi 1-D (fan_out,), each Wi's fan_in the previous fan_out, all finite.
    ``follow=False`` refuses a symbolic link (a run's own weights.npz).
    """
    path = Path(path)
    try:
        with open_npz(path, follow) as archive:
            layers = _layer_count(archive)
            named: dict[str, np.ndarray] = {}
            for i in range(1, layers + 1):
                named[f"W{i}"] = archive.read(f"W{i}", ndim=2)
                if f"B{i}" not in archive.members:
                    raise WeightsError(f"{path}: W{i} has no matching B{i}")
                named[f"B{i}"] = archive.read(f"B{i}", ndim=1)
            config = _config(archive)
    except NpzError as exc:
        reason = "no such file" if exc.missing and "member" not in str(exc) else str(exc)
        raise WeightsError(f"{path}: {reason}") from None
    _check_network(path, named)
    return named, config


def _layer_count(archive: NpzArchive) -> int:
    numbers = sorted(int(m.group(1)) for k in archive.members if (m := _W.match(k)))
    if not numbers:
        raise NpzError("no arrays W1, W2, … found")
    if numbers[-1] > layout.MAX_WEIGHT_LAYERS:
        raise NpzError(f"more than {layout.MAX_WEIGHT_LAYERS} weight layers (W{numbers[-1]})")
    missing = [i for i in range(1, numbers[-1] + 1) if i not in numbers]
    if missing:
        raise NpzError(f"no array W{missing[0]} (weight arrays must be W1…W{numbers[-1]} "
                       "without gaps)")
    return len(numbers)


def _config(archive: NpzArchive) -> dict | None:
    """The config stored beside the arrays, or None if absent or not a JSON object."""
    if "config" not in archive.members:
        return None
    try:
        text = archive.read("config", kinds="U", ndim=0, max_bytes=4 * layout.MAX_JSON_BYTES)
        config = parse_json(str(text[()]))
    except ValueError:
        return None
    return config if isinstance(config, dict) else None


def _check_network(path: Path, named: dict[str, np.ndarray]) -> None:
    fan_in = None
    for i in range(1, len(named) // 2 + 1):
        W, B = named[f"W{i}"], named[f"B{i}"]
        if min(W.shape) < 1:
            raise WeightsError(f"{path}: W{i} has shape {W.shape}, with no weights")
        if fan_in is not None and W.shape[0] != fan_in:
            raise WeightsError(f"{path}: W{i} has shape {W.shape}, but W{i - 1} has "
                               f"{fan_in} outputs")
        if B.shape != (W.shape[1],):
            raise WeightsError(f"{path}: B{i} has shape {B.shape}, expected ({W.shape[1]},)")
        if not np.isfinite(W).all() or not np.isfinite(B).all():
            raise WeightsError(f"{path}: W{i} or B{i} holds NaN or infinite values")
        fan_in = W.shape[1]


def check_shapes(path: str | Path, named: dict[str, np.ndarray], sizes: tuple[int, ...]) -> None:
    """Raise WeightsError unless ``named`` fits a network of layer ``sizes`` (2, …, 1)."""
    want = len(sizes) - 1
    have = sum(1 for k in named if k.startswith("W"))
    if have != want:
        hidden = " ".join(str(s) for s in sizes[1:-1])
        raise WeightsError(
            f"{path}: holds {have} weight layers, the network (hidden {hidden}) needs {want}"
        )
    for i, (fan_in, fan_out) in enumerate(pairwise(sizes), start=1):
        W, B = named[f"W{i}"], named[f"B{i}"]
        if W.shape != (fan_in, fan_out):
            raise WeightsError(f"{path}: W{i} has shape {W.shape}, expected {(fan_in, fan_out)}")
        if B.shape != (fan_out,):
            raise WeightsError(f"{path}: B{i} has shape {B.shape}, expected {(fan_out,)}")
