"""One recorded run, shown again exactly as it was — or followed live while it runs.

Curves come from metrics.jsonl, the log from log.txt, the prediction scatter from the
run's latest weights.npz applied to its data.npz. A timer re-reads only what grew (the
append-only files from the last offset; the weights when their mtime changes), so a run
trained by ``bp-tui train`` on a server can be watched from any SSH session. The view
only reads: leaving it never disturbs the run.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Log, Static

from core.nn.network import Network
from core.records import TailReader, layout, read_data, read_weights
from core.records.compare import fmt_duration
from core.records.index import read_row
from core.records.reader import parse_metrics_line, printable
from tui.live.history import History
from tui.widgets.run.curves import CurvesPanel
from tui.widgets.run.epoch_log import EpochLog
from tui.widgets.run.scatter import ScatterPair

__all__ = ["RunViewScreen", "predict_run"]

POLL_SECONDS = 0.5


def predict_run(path: Path, config: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(X, y, ŷ) of a run: its data.npz and its latest weights (ŷ None if unusable).
    ValueError with the reason if data.npz is unusable."""
    X, y = read_data(path)
    named = read_weights(path)
    if named is None:
        return X, y, None
    try:
        net = Network(tuple(config["hidden"]), config.get("activation", "sigmoid"))
        net.set_params(named)
    except (ValueError, KeyError, TypeError):
        return X, y, None
    return X, y, net.predict(X)


class RunViewScreen(Screen):
    """Curves, log and ground truth vs prediction of one recorded run."""

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="view.back"),
        Binding("l", "toggle_log", "log loss", id="view.log-loss"),
        Binding("f", "follow", "Follow log", show=False, id="view.follow"),
    ]

    def __init__(self, path: str | Path, poll: float = POLL_SECONDS) -> None:
        super().__init__()
        self.path = Path(path)
        self.poll_seconds = poll
        self.history = History(cap=1000)
        self.metrics = TailReader(self.path / layout.METRICS)
        self.log_tail = TailReader(self.path / layout.LOG)
        self._weights_mtime: int | None = None
        self._data_loaded = False
        self.row = read_row(self.path)

    def compose(self) -> ComposeResult:
        """Same panels as the dashboard, without the form."""
        yield Header(show_clock=False)
        with Vertical(id="view-main"):
            yield CurvesPanel(acc_scale=1.0, id="view-curves")
            with Horizontal(id="view-bottom"):
                yield ScatterPair(id="view-scatter")
                yield EpochLog(id="view-log", max_lines=20_000, auto_scroll=True)
        yield Static("", id="view-status")
        yield Footer()

    def on_mount(self) -> None:
        """Read everything so far, then follow if the run is live."""
        self.query_one("#view-log", Log).border_title = "Epoch log"
        self.sub_title = printable(self.path.name, 80)
        self.refresh_view()
        self.set_interval(self.poll_seconds, self.refresh_view, name="view-poll")

    def refresh_view(self) -> None:
        """Pull whatever the run wrote since the last call."""
        rows = [r for r in map(parse_metrics_line, self.metrics.read()) if r is not None]
        for r in rows:  # numbers are finite floats or None (the reader's promise)
            vals = {k: r[k] for k in ("loss", "soft_acc", "acc", "wall")
                    if r.get(k) is not None}
            self.history.append(r["epoch"], **vals)
        if rows or self.history.total == 0:
            self.query_one("#view-curves", CurvesPanel).set_history(self.history)
        lines = self.log_tail.read()  # printable already
        if lines:
            self.query_one("#view-log", Log).write_lines(lines)
        self._refresh_prediction()
        self.row = read_row(self.path)
        self._show_status()

    def _refresh_prediction(self) -> None:
        try:
            mtime = os.lstat(self.path / layout.WEIGHTS).st_mtime_ns
        except OSError:
            mtime = None
        if self._data_loaded and mtime == self._weights_mtime:
            return
        self._weights_mtime = mtime
        scatter = self.query_one("#view-scatter", ScatterPair)
        try:
            X, y, yhat = predict_run(self.path, self.row.config)
        except ValueError:
            return
        if not self._data_loaded:
            scatter.set_data(X, y)
            self._data_loaded = True
        if yhat is not None and len(yhat) == len(X):
            scatter.set_prediction(yhat)

    def _show_status(self) -> None:
        r = self.row
        parts = [f"● {r.status}", printable(r.name, 80)]
        if r.damaged:
            parts.append(f"damaged: {r.damaged}")
        else:
            parts += [f"{r.data} hidden {r.hidden} {r.activation} {r.optimizer}",
                      f"lr {r.lr:g}" if r.lr is not None else "",
                      f"epoch {r.epoch or 0:,}/{r.epochs or 0:,}",
                      f"loss {r.loss:.4f}" if r.loss is not None else "",
                      f"acc {r.soft_acc:.2f}% / {r.acc:.2f}%"
                      if r.soft_acc is not None and r.acc is not None else "",
                      fmt_duration(r.duration)]
        if r.status == "running":
            parts.append("(following live)")
        status = self.query_one("#view-status", Static)
        status.update(Text("  ".join(p for p in parts if p)))  # file text is never markup
        status.set_class(r.status in ("damaged", "dead"), "-bad")

    def action_toggle_log(self) -> None:
        """Loss on a log10 axis, on/off."""
        curves = self.query_one("#view-curves", CurvesPanel)
        curves.log_loss = not curves.log_loss

    def action_follow(self) -> None:
        """Scroll the log to its end and keep following it."""
        log = self.query_one("#view-log", Log)
        log.auto_scroll = True
        log.scroll_end(animate=False)

    def action_back(self) -> None:
        """Back to the previous screen (the run itself is untouched)."""
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.app.exit(0)
