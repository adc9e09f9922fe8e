"""What the inspect views know about the running network, kept by the dashboard.

`LiveInspector` is fed from the dashboard's frame timer (`on_frame`) with the newest
weights snapshot; only when the snapshot changed (at most a few times a second) does it
rebuild a Network from the copy, measure saturation and gradient norms on the training
set, evaluate the test set when due, and check the loss history for a plateau. All of
it runs in the UI thread on copies: the training worker is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.analysis.diagnosis import Measures, Plateau, detect_plateau, diagnose, measure
from core.analysis.layers import network_from_params
from core.datasets import Dataset
from core.nn.losses import get_loss
from core.nn.metrics import Metrics, evaluate
from core.nn.network import Network
from core.train.history import History

__all__ = ["PLATEAU_WINDOW", "LiveInspector", "TestSet"]

PLATEAU_WINDOW = 500  # epochs without a relative 1e-4 improvement count as a plateau
PLATEAU_REL = 1e-4


@dataclass(frozen=True)
class TestSet:
    """A test set and where it came from (e.g. "200 fresh points, seed 7")."""

    data: Dataset
    source: str


class LiveInspector:
    """Derived state of the current run for the inspect views and the status line.

    Attributes (read by the views):
        net: a Network built from the newest snapshot (None before a run).
        epoch: the snapshot's epoch.
        measures: saturation and gradient norms on the training set at that epoch.
        diag: History of ``g1..gL`` (‖dW_l‖) and ``s1..sL`` (saturated share).
        test: the test set, or None; test_metrics / test_yhat its latest evaluation.
        test_history: History of the test metrics (loss, soft_acc, acc in percent).
        test_every: evaluate the test set during training every this many epochs (0: off).
        plateau / message: the plateau detector's finding and its one-line diagnosis.
    """

    def __init__(self) -> None:
        self.test: TestSet | None = None
        self.test_every = 0
        self.test_history = History(cap=500)
        self.diag = History(cap=500)
        self.reset()

    def reset(self) -> None:
        """Forget the previous run (the test set and its interval are kept)."""
        self._snapshot: object | None = None
        self.net: Network | None = None
        self.epoch: int | None = None
        self.measures: Measures | None = None
        self.test_metrics: Metrics | None = None
        self.test_yhat: np.ndarray | None = None
        self._last_test_epoch: int | None = None
        self._tested_epoch: int | None = None
        self.plateau: Plateau | None = None
        self.message = ""
        self.version = 0
        self.test_history.clear()
        self.diag.clear()

    # ------------------------------------------------------------ per frame
    def on_frame(self, snapshot, config, data: Dataset | None, history: History) -> bool:
        """Take the dashboard's newest ``snapshot`` (epoch, weights copy); True when
        something new was computed. Cheap when the snapshot did not change."""
        if snapshot is None or snapshot is self._snapshot or config is None:
            return False
        self._snapshot = snapshot
        epoch, named = snapshot
        try:
            self.net = network_from_params(named, config.activation)
        except ValueError:
            return False
        self.epoch = int(epoch)
        loss = get_loss(config.loss)
        if data is not None:
            self.measures = measure(self.net, data.X, data.y, loss)
            row = {f"g{i + 1}": g for i, g in enumerate(self.measures.grad_norms)}
            row.update({f"s{i + 1}": s for i, s in enumerate(self.measures.saturation)})
            self.diag.append(self.epoch, **row)
        if self.test is not None and self._test_due():
            self.evaluate_test(config)
        epochs, losses = history.series("loss")
        self.plateau = detect_plateau(epochs, losses, PLATEAU_WINDOW, PLATEAU_REL)
        latest = history.latest
        solved = latest is not None and latest[1].get("acc", 0.0) >= 100.0
        lr = latest[1].get("lr", config.lr) if latest else config.lr
        if self.plateau is not None and solved:
            self.message = f"converged: loss {self.plateau.loss:.4f}, every point right"
        else:
            self.message = diagnose(self.plateau, self.measures, lr, config.activation)
        self.version += 1
        return True

    def test_stale(self) -> bool:
        """True when the test metrics are not of the current network's epoch."""
        return self.test is not None and self.net is not None and (
            self.test_metrics is None or self._tested_epoch != self.epoch)

    def _test_due(self) -> bool:
        if self.test_metrics is None or self._last_test_epoch is None:
            return True
        return self.test_every > 0 and self.epoch - self._last_test_epoch >= self.test_every

    # ------------------------------------------------------------ test set
    def set_test(self, test: TestSet | None, config=None) -> None:
        """Use ``test`` from now on (evaluated at once when a network is known)."""
        self.test = test
        self.test_metrics = self.test_yhat = None
        self._last_test_epoch = self._tested_epoch = None
        self.test_history.clear()
        if test is not None and self.net is not None and config is not None:
            self.evaluate_test(config)
        self.version += 1

    def evaluate_test(self, config, record: bool = True) -> Metrics | None:
        """Evaluate the current network on the test set; ``record``: also append it to
        test_history (the curves' test overlay)."""
        if self.test is None or self.net is None:
            return None
        data = self.test.data
        self.test_metrics, self.test_yhat = evaluate(self.net, data.X, data.y,
                                                     get_loss(config.loss))
        m = self.test_metrics
        if record and self._last_test_epoch != self.epoch:
            self.test_history.append(self.epoch, loss=m.loss, soft_acc=m.soft_acc, acc=m.acc)
            self._last_test_epoch = self.epoch
        self._tested_epoch = self.epoch
        return m
