"""The test-set panel: draw fresh points from the training distribution or uniform
points over the input square (n, seed), or load a CSV; set how often to track test
metrics while training, and see ground truth vs prediction with the misclassified
points marked.

The panel only collects the user's request and posts `TestPanel.Requested`; the
inspect screen makes the test set and calls `show` with the evaluation.
"""

from __future__ import annotations

import numpy as np
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from core.labels import RIGHT, SOFT_ACC
from core.nn.metrics import Metrics, wrong_count
from tui.widgets.fields import FieldInput
from tui.widgets.run.pair import ScatterPair

__all__ = ["NO_TEST_SET", "TestPanel"]

NO_TEST_SET = ("no test set: Draw (d) fresh points from the training distribution, "
               "Uniform (u) points over the input square, or load a CSV")


class TestPanel(Vertical):
    """Controls, a metrics line and a ScatterPair with ``mark_wrong`` on."""

    class Requested(Message):
        """The user asked for a test set: ``kind`` is "fresh" or "uniform" (n, seed) or
        "csv" (path);
        ``every`` is the tracking interval in epochs (0: off)."""

        def __init__(self, kind: str, n: int, seed: int, path: str, every: int) -> None:
            super().__init__()
            self.kind, self.n, self.seed, self.path, self.every = kind, n, seed, path, every

    def compose(self) -> ComposeResult:
        """One row of controls, the metrics line, the scatter pair."""
        with Horizontal(id="test-controls"):
            yield Label("n")
            yield FieldInput("200", placeholder="n", id="test-n", type="integer",
                        tooltip="number of fresh points (1..10000)")
            yield Label("seed")
            yield FieldInput("7", placeholder="seed", id="test-seed", type="integer",
                        tooltip="seed of the fresh points")
            yield Button("Draw", id="test-draw", compact=True,
                         tooltip="fresh points from the training distribution (d)")
            yield Button("Uniform", id="test-uniform", compact=True,
                         tooltip="points uniform over the input square (u)")
            yield FieldInput("", placeholder="or FILE.csv", id="test-file")
            yield Button("Load", id="test-load", compact=True)
            yield Label("every")
            yield FieldInput("0", placeholder="every", id="test-every", type="integer",
                        tooltip="track test metrics every E epochs while training (0: off)")
        yield Static(NO_TEST_SET,
                     id="test-metrics", markup=False)
        pair = ScatterPair(id="test-scatter")
        yield pair

    def on_mount(self) -> None:
        """Misclassified points are always marked here."""
        self.query_one("#test-scatter", ScatterPair).mark_wrong = True

    def fill(self, spec) -> None:
        """Show an earlier request's n, seed, file and interval (a ``TestSpec``)."""
        for fid, value in (("test-n", str(spec.n)), ("test-seed", str(spec.seed)),
                           ("test-every", str(spec.every))):
            self.query_one(f"#{fid}", Input).value = value
        if spec.kind == "csv":
            self.query_one("#test-file", Input).value = spec.path

    def _int(self, field: str, default: int) -> int:
        try:
            return int(self.query_one(f"#{field}", Input).value)
        except ValueError:
            return default

    def request(self, kind: str) -> None:
        """Post a Requested message from the current field values."""
        self.post_message(self.Requested(
            kind, self._int("test-n", 200), self._int("test-seed", 7),
            self.query_one("#test-file", Input).value.strip(),
            max(self._int("test-every", 0), 0)))

    @on(Button.Pressed, "#test-draw")
    def _draw(self) -> None:
        self.request("fresh")

    @on(Button.Pressed, "#test-uniform")
    def _uniform(self) -> None:
        self.request("uniform")

    @on(Button.Pressed, "#test-load")
    def _load(self) -> None:
        self.request("csv")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.request("csv" if event.input.id == "test-file" else "fresh")

    def show(self, source: str, X: np.ndarray | None, y: np.ndarray | None,
             yhat: np.ndarray | None, m: Metrics | None, epoch: int | None,
             every: int) -> None:
        """Show the test set (X (n, 2), y (n, 1)), its ŷ (n, 1) and metrics."""
        pair = self.query_one("#test-scatter", ScatterPair)
        line = self.query_one("#test-metrics", Static)
        if X is None:
            pair.set_data(np.empty((0, 2)), np.empty((0, 1)))
            line.update(NO_TEST_SET)
            return
        pair.set_data(X, y)
        pair.set_prediction(yhat)
        track = f"; tracked every {every} epochs" if every else ""
        if m is None:
            line.update(f"{source}: no network yet{track}")
            return
        wrong = wrong_count(yhat, y)
        line.update(f"{source} @ epoch {epoch}: loss {m.loss:.4f}  {SOFT_ACC} "
                    f"{m.soft_acc:.2f}  {RIGHT} {m.acc:.2f}  {wrong} wrong{track}")
