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

from core.records import layout
from core.records.weights import WeightsError, load_weights

__all__ = ["CHECKPOINT_VERSION", "Checkpoint", "CheckpointError", "checkpoint_members",
           "read_checkpoint"]

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
        named, _ = load_weights(path)
        with np.load(path, allow_pickle=False) as z:
            if "checkpoint" not in z.files:
                raise CheckpointError(f"{path.name} holds no checkpoint (a run recorded "
                                      "before checkpoints could be resumed)")
            meta = json.loads(str(z["checkpoint"]))
            opt = {"t": np.asarray(z["opt_t"], dtype=np.int64),
                   "s1": np.asarray(z["opt_s1"], dtype=float),
                   "s2": np.asarray(z["opt_s2"], dtype=float)}
    except WeightsError as exc:
        raise CheckpointError(str(exc)) from None
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
