"""A recorded run's state as the back-propagation of one point needs it: the network at
its saved weights (the latest checkpoint), its optimiser with the saved state, the epoch,
the learning rate in force and the training points — read through ``core.records``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.analysis.backprop import PointBackprop, backprop_point, optimizer_with_state
from core.config import RunConfig
from core.nn.network import Network
from core.nn.optimizers import Optimizer
from core.records import layout, read_data, read_run
from core.records.checkpoint import CheckpointError, read_checkpoint
from core.records.reader import as_float, as_int, printable, read_weights_or_raise

__all__ = ["SavedRun", "load_saved_run", "saved_weights"]


@dataclass(frozen=True)
class SavedRun:
    """What a run's files hold for ``backprop_point``; ``optimizer`` None when the run
    recorded no optimiser state (weights without a checkpoint)."""

    config: RunConfig
    net: Network
    optimizer: Optimizer | None
    epoch: int
    lr: float
    X: np.ndarray
    y: np.ndarray

    def backprop(self, point: int) -> PointBackprop:
        """The back-propagation of training point ``point``; IndexError if outside."""
        return backprop_point(self.net, self.X, self.y, point, self.config.loss,
                              self.optimizer, epoch=self.epoch, lr=self.lr,
                              optimizer_name=self.config.optimizer)


def saved_weights(run_dir: str | Path) -> tuple[dict[str, np.ndarray], dict[str, Any] | None]:
    """A run's latest weights and, when they are a checkpoint, the trainer's state
    (``Trainer.state()`` layout: epoch, lr, optimizer…); ValueError "weights.npz: …"."""
    named = read_weights_or_raise(run_dir)  # refuses a symbolic link, names the problem
    try:
        ckpt = read_checkpoint(run_dir)
    except CheckpointError:
        return named, None  # weights of an older run, or a checkpoint of another format
    return ckpt.named, ckpt.state


def load_saved_run(run_dir: str | Path) -> SavedRun:
    """The run in ``run_dir`` at its saved weights; ValueError with one line naming what
    is wrong (damaged, no weights, no training points)."""
    path = Path(run_dir)
    info = read_run(path)
    if info.damaged:
        raise ValueError(f"damaged: {info.damaged}")
    config = RunConfig.from_dict(info.config)
    named, state = saved_weights(path)
    try:
        net = Network.from_params(named, config.activation)
    except (ValueError, KeyError) as exc:
        raise ValueError(f"{layout.WEIGHTS}: {printable(str(exc), 200)}") from None
    X, y = read_data(path)
    if net.sizes[0] != X.shape[1]:
        raise ValueError(f"the network has {net.sizes[0]} inputs, the points {X.shape[1]}")
    if state is None:
        epoch = as_int(info.summary.get("epoch"), 0) or 0
        lr = as_float(info.summary.get("lr")) or config.lr
        return SavedRun(config, net, None, epoch, lr, X, y)
    opt = optimizer_with_state(config.optimizer, float(state["lr"]), config.momentum,
                               net.layout.size, state["optimizer"])
    return SavedRun(config, net, opt, int(state["epoch"]), float(state["lr"]), X, y)
