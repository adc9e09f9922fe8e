"""The inspect screen: seven views of the current network, one tab each.

    1 Boundary     ŷ over the input square, training points on top (m: discrete/continuous)
    2 Test         fresh or CSV test set, metrics, ground truth vs prediction, misclassified
    3 Predictions  every point with x0, x1, label, ŷ, right? (sortable; t: train/test)
    4 Confusion    confusion matrices of the training and test sets
    5 Activation   the activation and its derivative; histograms of pre-activations
    6 Diagnosis    gradient norms and saturated units over time; the plateau verdict
    7 Network      layer sizes, weight statistics, small weight matrices

The screen never touches the training worker. It reads the dashboard's `LiveInspector`
(fed from weight snapshots, at most a few per second) on a timer and redraws only the
visible view, and only when the snapshot changed.
"""

from __future__ import annotations

import time

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static, TabbedContent, TabPane

from core.analysis.points import MAX_TEST_N, fresh_test_set
from core.datasets import DataError, load_csv
from tui.live.inspector import TestSet
from tui.widgets.inspect.boundary import BoundaryView
from tui.widgets.inspect.plots import ActivationView, DiagnosisView
from tui.widgets.inspect.predictions import PredictionsTable
from tui.widgets.inspect.tables import ConfusionView, NetworkView
from tui.widgets.inspect.testpanel import TestPanel

__all__ = ["TABS", "InspectScreen"]

TABS = ("boundary", "test", "predictions", "confusion", "activation", "diagnosis", "network")
_TITLES = ("Boundary", "Test", "Predictions", "Confusion", "Activation", "Diagnosis",
           "Network")
# While a run trains, each view is redrawn at most this often (seconds): enough to watch
# it learn, cheap enough for the trainer (see bench/views.py).
MIN_INTERVAL = {"boundary": 1.0, "test": 1.0, "predictions": 1.0, "confusion": 1.0,
                "activation": 1.0, "diagnosis": 1.0, "network": 1.0}


class InspectScreen(Screen):
    """Tabs of views of the dashboard's current run."""

    BINDINGS = [
        Binding("escape,i", "close", "Back", id="inspect.close"),
        *(Binding(str(k + 1), f"tab('{t}')", _TITLES[k], show=False, id=f"inspect.tab-{t}")
          for k, t in enumerate(TABS)),
        Binding("m", "boundary_mode", "Mode", id="inspect.boundary-mode"),
        Binding("d", "draw_test", "Draw test", id="inspect.draw-test"),
        Binding("t", "table_set", "Train/test", id="inspect.table-set"),
        Binding("p,space", "pause", "Pause", show=False, id="inspect.pause"),
        Binding("question_mark,f1", "help", "Help", show=False, id="inspect.help"),
    ]

    def __init__(self, dashboard, fps: float = 4.0) -> None:
        """``dashboard``: the DashboardScreen whose run is shown."""
        super().__init__()
        self.dash = dashboard
        self.fps = fps
        self.table_source = "train"
        self._drawn: dict[str, tuple] = {}
        self._drawn_at: dict[str, float] = {}

    def compose(self) -> ComposeResult:
        """A title line, the tabs and the footer."""
        yield Static("", id="inspect-title")
        with TabbedContent(id="inspect-tabs", initial="boundary"):
            for k, (tab, title) in enumerate(zip(TABS, _TITLES)):
                with TabPane(f"{k + 1} {title}", id=tab):
                    yield self._view(tab)
        yield Footer()

    @staticmethod
    def _view(tab: str):
        return {
            "boundary": lambda: BoundaryView(id="boundary-view"),
            "test": lambda: TestPanel(id="test-panel"),
            "predictions": lambda: PredictionsTable(id="predictions-table"),
            "confusion": lambda: ConfusionView(id="confusion-view"),
            "activation": lambda: ActivationView(id="activation-view"),
            "diagnosis": lambda: DiagnosisView(id="diagnosis-view"),
            "network": lambda: NetworkView(id="network-view"),
        }[tab]()

    def on_mount(self) -> None:
        """Draw now, then follow the run."""
        self.set_interval(1.0 / self.fps, self.tick, name="inspect-frame")
        self.call_after_refresh(self.tick)

    # ------------------------------------------------------------ state
    @property
    def active(self) -> str:
        """The id of the visible tab."""
        return self.query_one("#inspect-tabs", TabbedContent).active or "boundary"

    @property
    def config(self):
        return self.dash.run_config or self.dash.config

    @property
    def train_data(self):
        """The run's training set, or None before a run."""
        return self.dash.session.data if self.dash.session is not None else None

    def _key(self, tab: str) -> tuple:
        insp = self.dash.inspector
        extra: tuple = ()
        if tab == "predictions":
            extra = (self.table_source,)
        elif tab == "boundary":
            extra = (id(self.train_data),)
        return (insp.version, id(insp.test), *extra)

    def tick(self, force: bool = False) -> None:
        """Timer: redraw the visible view if the network (or its inputs) changed."""
        insp = self.dash.inspector
        if insp.net is None and self.dash.snapshot is not None:
            self.dash.inspect_frame()
        tab = self.active
        key = self._key(tab)
        if not force and self._drawn.get(tab) == key:
            return
        now = time.monotonic()
        if not force and self.dash.running and (
                now - self._drawn_at.get(tab, -1e9) < MIN_INTERVAL[tab]):
            return
        self._drawn_at[tab] = now
        self._drawn[tab] = key
        self._update_title()
        getattr(self, f"_show_{tab}")()

    def _update_title(self) -> None:
        insp = self.dash.inspector
        name = self.dash.session.run_name if self.dash.session else "no run yet"
        epoch = f"epoch {insp.epoch}" if insp.epoch is not None else "not trained"
        state = self.dash.state
        msg = f"  {insp.message}" if insp.message else ""
        self.query_one("#inspect-title", Static).update(
            f"Inspect · {name} · {epoch} · {state}{msg}")

    def _test_current(self):
        """(X, y, ŷ, metrics) of the test set for the current network (evaluated if stale)."""
        insp = self.dash.inspector
        if insp.test is None:
            return None
        if insp.test_stale():
            insp.evaluate_test(self.config, record=False)
        return insp.test.data.X, insp.test.data.y, insp.test_yhat, insp.test_metrics

    def _train_yhat(self):
        insp, data = self.dash.inspector, self.train_data
        if insp.net is None or data is None:
            return None
        return insp.net.predict(data.X)

    # ------------------------------------------------------------ views
    def _show_boundary(self) -> None:
        view = self.query_one("#boundary-view", BoundaryView)
        data = self.train_data
        if data is not None and view._X is not data.X:
            view.set_points(data.X, data.y)
        insp = self.dash.inspector
        view.set_network(insp.net, insp.epoch)

    def _show_test(self) -> None:
        insp = self.dash.inspector
        panel = self.query_one("#test-panel", TestPanel)
        current = self._test_current()
        if current is None:
            panel.show("", None, None, None, None, None, insp.test_every)
            return
        X, y, yhat, m = current
        panel.show(insp.test.source, X, y, yhat, m, insp.epoch, insp.test_every)

    def _show_predictions(self) -> None:
        table = self.query_one("#predictions-table", PredictionsTable)
        if self.table_source == "test":
            current = self._test_current()
            if current is None:
                table.show(None, None, None)
                table.border_title = "Test set: none yet (tab 2)"
                return
            X, y, yhat, _ = current
        else:
            data = self.train_data
            yhat = self._train_yhat()
            X, y = (data.X, data.y) if data is not None else (None, None)
        table.show(X, y, yhat)
        where = "Training" if self.table_source == "train" else "Test"
        table.border_title = (f"{where} set: {len(table.rows_shown)} points, "
                              f"{table.wrong_count} wrong · sorted by {table.sort_column}"
                              f" · o sort, t train/test")

    def _show_confusion(self) -> None:
        data, yhat = self.train_data, self._train_yhat()
        train = (yhat, data.y) if yhat is not None else None
        current = self._test_current()
        test = (current[2], current[1]) if current is not None else None
        self.query_one("#confusion-view", ConfusionView).show(
            train, test, self.dash.inspector.epoch)

    def _show_activation(self) -> None:
        insp = self.dash.inspector
        self.query_one("#activation-view", ActivationView).show(
            self.config.activation, insp.measures, insp.epoch)

    def _show_diagnosis(self) -> None:
        insp = self.dash.inspector
        latest = self.dash.history.latest
        lr = latest[1].get("lr", self.config.lr) if latest else self.config.lr
        self.query_one("#diagnosis-view", DiagnosisView).show(
            insp.diag, insp.measures, insp.message, lr, insp.epoch)

    def _show_network(self) -> None:
        insp = self.dash.inspector
        named = self.dash.snapshot[1] if self.dash.snapshot is not None else None
        self.query_one("#network-view", NetworkView).show(
            named, self.config.activation, insp.epoch)

    # ------------------------------------------------------------ events and actions
    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        self.tick(force=True)

    @on(TestPanel.Requested)
    def _test_requested(self, event: TestPanel.Requested) -> None:
        insp = self.dash.inspector
        insp.test_every = event.every
        cfg = self.config
        if event.kind == "csv":
            if not event.path:
                self.notify("Type a CSV path first.", severity="warning")
                return
            try:
                data = load_csv(event.path)
            except DataError as exc:
                self.notify(str(exc), title="Cannot load", severity="error")
                return
            source = f"{event.path} ({len(data)} points)"
        else:
            if not 1 <= event.n <= MAX_TEST_N:
                self.notify(f"n must be from 1 to {MAX_TEST_N}", severity="error")
                return
            name = "linear" if cfg.data_file else cfg.data
            data = fresh_test_set(name, event.n, event.seed, cfg.noise)
            source = f"{event.n} fresh {name} points (seed {event.seed})"
        insp.set_test(TestSet(data, source), cfg)
        self.tick(force=True)

    def action_tab(self, tab: str) -> None:
        """Show the tab ``tab``."""
        self.query_one("#inspect-tabs", TabbedContent).active = tab

    def action_close(self) -> None:
        """Back to the dashboard."""
        self.app.pop_screen()

    def action_boundary_mode(self) -> None:
        """Discrete classes ↔ continuous ŷ in the boundary view."""
        view = self.query_one("#boundary-view", BoundaryView)
        view.continuous = not view.continuous

    def action_draw_test(self) -> None:
        """Draw a fresh test set with the Test tab's n and seed."""
        self.query_one("#test-panel", TestPanel).request("fresh")

    def action_table_set(self) -> None:
        """Predictions table: training set ↔ test set."""
        self.table_source = "test" if self.table_source == "train" else "train"
        self.action_tab("predictions")
        self.tick(force=True)

    def action_pause(self) -> None:
        """Pause / resume the run without leaving the views."""
        self.dash.action_pause()

    def action_help(self) -> None:
        """The key list."""
        from tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())
