"""Checkpoints: everything needed to continue a run exactly, inside its weights.npz.

Besides W1…WL, B1…BL and the config, a checkpoint holds the trainer's state — the epoch,
the training time, the learning rate in force and the log of lr changes, the shuffle
generator's ``bit_generator.state``, the optimiser's step count and state buffers — and
how far metrics.jsonl and log.txt had been written, so a resumed run drops what a killed
run wrote after it. Written atomically with the weights, so the two always agree.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.files import FileRefused, open_regular
from core.records import layout
from core.records.reader import RunInfo, read_data, read_run
from core.records.weights import WeightsError, load_weights

__all__ = ["CHECKPOINT_VERSION", "Checkpoint", "CheckpointError", "Resumable",
           "checkpoint_members", "read_checkpoint", "read_resumable"]

CHECKPOINT_VERSION = 1
_STATE_KEYS = ("epoch", "elapsed", "lr", "lr_changes", "shuffle", "metrics_bytes", "log_bytes")


class CheckpointError(ValueError):
    """A run cannot be resumed from its files; the message is one line."""


@dataclass(frozen=True)
class Checkpoint:
    """A run's checkpoint: its weights, trainer state (``Trainer.state()`` layout) and
    the byte lengths of metrics.jsonl and log.txt at that moment."""

    named: dict[str, np.ndarray]
    state: dict[str, Any]
    metrics_bytes: int
    log_bytes: int

    @property
    def epoch(self) -> int:
        return int(self.state["epoch"])


def checkpoint_members(state: dict[str, Any], metrics_bytes: int, log_bytes: int
                       ) -> dict[str, np.ndarray]:
    """The extra npz members of a checkpoint for ``Trainer.state()``'s ``state``."""
    opt = state["optimizer"]
    meta = {k: state[k] for k in ("epoch", "elapsed", "lr", "lr_changes", "shuffle")}
    meta.update(version=CHECKPOINT_VERSION, metrics_bytes=int(metrics_bytes),
                log_bytes=int(log_bytes))
    return {"checkpoint": np.array(json.dumps(meta)),
            "opt_t": np.asarray(opt["t"], dtype=np.int64),
            "opt_s1": np.asarray(opt["s1"], dtype=float),
            "opt_s2": np.asarray(opt["s2"], dtype=float)}


def read_checkpoint(run_dir: str | Path) -> Checkpoint:
    """The checkpoint in a run's weights.npz; CheckpointError with the reason."""
    path = Path(run_dir) / layout.WEIGHTS
    try:
        named, _ = load_weights(path, follow=False)
        with np.load(path, allow_pickle=False) as z:
            if "checkpoint" not in z.files:
                raise CheckpointError(f"{path.name} holds no checkpoint (a run recorded "
                                      "before checkpoints could be resumed)")
            meta = json.loads(str(z["checkpoint"]))
            opt = {"t": np.asarray(z["opt_t"], dtype=np.int64),
                   "s1": np.asarray(z["opt_s1"], dtype=float),
                   "s2": np.asarray(z["opt_s2"], dtype=float)}
    except WeightsError as exc:
        raise CheckpointError(f"{path.name}: {str(exc).removeprefix(f'{path}: ')}") from None
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        if isinstance(exc, CheckpointError):
            raise
        raise CheckpointError(f"{path.name}: the checkpoint is not readable "
                              f"({type(exc).__name__})") from None
    if not isinstance(meta, dict) or meta.get("version") != CHECKPOINT_VERSION:
        version = meta.get("version") if isinstance(meta, dict) else None
        raise CheckpointError(f"{path.name}: checkpoint format {version!r}, this bp-tui "
                              f"reads format {CHECKPOINT_VERSION}")
    if any(k not in meta for k in _STATE_KEYS):
        raise CheckpointError(f"{path.name}: the checkpoint lacks "
                              f"{', '.join(k for k in _STATE_KEYS if k not in meta)}")
    state = {k: meta[k] for k in ("epoch", "elapsed", "lr", "lr_changes", "shuffle")}
    state["optimizer"] = opt
    return Checkpoint(named, state, int(meta["metrics_bytes"]), int(meta["log_bytes"]))


@dataclass(frozen=True)
class Resumable:
    """Everything a resume reads from a run, all checked: its settings and summary
    (``info``), its checkpoint and its training points (X (n, 2), y (n, 1))."""

    info: RunInfo
    checkpoint: Checkpoint
    X: np.ndarray
    y: np.ndarray


def _check_appended(run_dir: Path, name: str, size: int) -> None:
    """CheckpointError unless the append-only file ``name`` is a regular file (not a
    link) holding at least the ``size`` bytes its checkpoint counted."""
    try:
        with open_regular(run_dir / name, 2**62) as fh:
            have = fh.seek(0, 2)
    except FileRefused as exc:
        raise CheckpointError(f"{name} {exc}") from None
    if not 0 <= size <= have:
        raise CheckpointError(f"{name} holds {have} bytes, fewer than the {size} its "
                              "checkpoint counted")


def read_resumable(run_dir: str | Path) -> Resumable:
    """Read and check every file a resume needs — config.json, summary.json,
    weights.npz (its checkpoint), data.npz, metrics.jsonl, log.txt — writing nothing;
    CheckpointError naming the first file at fault. The directory must not be a link."""
    run_dir = Path(run_dir)
    if run_dir.is_symlink():
        raise CheckpointError("the run directory is a symbolic link, which is not followed")
    info = read_run(run_dir)
    if info.damaged:
        raise CheckpointError(f"damaged: {info.damaged}")
    ckpt = read_checkpoint(run_dir)
    try:
        X, y = read_data(run_dir)
    except ValueError as exc:
        raise CheckpointError(str(exc)) from None
    _check_appended(run_dir, layout.METRICS, ckpt.metrics_bytes)
    _check_appended(run_dir, layout.LOG, ckpt.log_bytes)
    return Resumable(info, ckpt, X, y)
