"""Weights files: ``.npz`` with arrays W1…WL, B1…BL and, optionally, the run's config.

Loading never unpickles (``allow_pickle=False``); a truncated, foreign or misshapen file
raises ``WeightsError`` with a one-line reason.
"""

from __future__ import annotations

import json
import re
import zipfile
from itertools import pairwise
from pathlib import Path

import numpy as np

from core.records.atomic import atomic_open

__all__ = ["WeightsError", "check_shapes", "load_weights", "save_weights"]

_NAME = re.compile(r"^[WB](\d+)$")


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


def load_weights(path: str | Path) -> tuple[dict[str, np.ndarray], dict | None]:
    """Read W1…WL, B1…BL (float64) and the config (or None) from an ``.npz`` file."""
    path = Path(path)
    if not path.exists():
        raise WeightsError(f"{path}: no such file")
    if path.is_dir():
        raise WeightsError(f"{path}: is a directory, not a .npz file")
    try:
        with open(path, "rb") as fh:
            magic = fh.read(2)
    except OSError as exc:
        raise WeightsError(f"{path}: cannot read ({exc.strerror})") from None
    if magic != b"PK":  # np.load would return a bare array (.npy) or try unpickling
        raise WeightsError(f"{path}: not a .npz file (a zip archive of arrays W1, B1, …)")
    try:
        with np.load(path, allow_pickle=False) as data:
            files = dict(data.items())
    except (zipfile.BadZipFile, EOFError):
        raise WeightsError(
            f"{path}: not a readable .npz file (truncated or another format)"
        ) from None
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise WeightsError(f"{path}: holds pickled objects, which are refused") from None
        raise WeightsError(f"{path}: not a readable .npz file ({exc})") from None
    except OSError as exc:
        raise WeightsError(f"{path}: cannot read ({exc})") from None
    if not isinstance(files, dict) or not files:
        raise WeightsError(f"{path}: not an .npz archive of arrays")
    config = None
    if "config" in files:
        try:
            config = json.loads(str(files.pop("config")))
        except (ValueError, TypeError):
            config = None
    named: dict[str, np.ndarray] = {}
    for key, arr in files.items():
        if not _NAME.match(key):
            continue
        if arr.dtype.kind not in "fiu":
            raise WeightsError(f"{path}: array {key} is not numeric ({arr.dtype})")
        named[key] = arr.astype(float)
    layers = sorted(int(_NAME.match(k).group(1)) for k in named if k.startswith("W"))
    if not layers:
        raise WeightsError(f"{path}: no arrays W1, W2, … found")
    if layers != list(range(1, len(layers) + 1)):
        raise WeightsError(f"{path}: weight arrays must be W1…W{len(layers)} without gaps")
    for i in layers:
        if f"B{i}" not in named:
            raise WeightsError(f"{path}: W{i} has no matching B{i}")
        if not np.isfinite(named[f"W{i}"]).all() or not np.isfinite(named[f"B{i}"]).all():
            raise WeightsError(f"{path}: W{i} or B{i} holds NaN or infinite values")
    return named, config


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
        if B.reshape(-1).shape != (fan_out,):
            raise WeightsError(f"{path}: B{i} has shape {B.shape}, expected {(fan_out,)}")
