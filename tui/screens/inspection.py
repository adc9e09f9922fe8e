"""The inspect screen: eight views of the shown run, one tab each.

    1 Boundary     ŷ over the input square, training points on top (m: discrete/continuous;
                   click a point: its back-propagation)
    2 Test         fresh, uniform or CSV test set (recorded with the run, reopened with
                   it), metrics, ground truth vs prediction, misclassified
    3 Predictions  every point with x0, x1, label, ŷ, right? (sortable; t: train/test;
                   enter on a training point: its back-propagation)
    4 Confusion    confusion matrices of the training and test sets
    5 Activation   the activation and its derivative; histograms of pre-activations
    6 Diagnosis    gradient norms and saturated units over time; the plateau verdict
    7 Network      layer sizes, weight statistics, small weight matrices
    8 Backprop     one training point's forward pass, backward pass, update and
                   gradient check (←/→ walk the points, click one, g index, s step-through)

The screen computes nothing from the network: it tells the run controller which views
the visible tab needs (renewed on its timer) and draws the small results the run's
analyst hands back — off the UI thread, at most about once a second.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from core.analysis.derived import TestSpec, ViewRequest
from tui.live.controller import ControllerError, RunController
from tui.widgets.inspect.backprop import BackpropView
from tui.widgets.inspect.plots import ActivationView, DiagnosisView
from tui.widgets.inspect.predictions import PredictionsTable
from tui.widgets.inspect.tables import ConfusionView, NetworkView
from tui.widgets.inspect.testpanel import TestPanel
from tui.widgets.run.boundary import BoundaryView
from tui.widgets.run.picker import PointPicker

__all__ = ["TABS", "InspectScreen"]

TABS = ("boundary", "test", "predictions", "confusion", "activation", "diagnosis", "network",
        "backprop")
REDRAW_SECONDS = 1.0
"""While a run trains, each view redraws at most this often: its drawing holds the GIL
the training thread needs between chunks (bench/views.py)."""
_TITLES = ("Boundary", "Test", "Predictions", "Confusion", "Activation", "Diagnosis",
           "Network", "Backprop")
_SHORT_TITLES = ("Bound.", "Test", "Points", "Conf.", "Activ.", "Diag.", "Net", "Backprop")
"""Below ``SHORT_BELOW`` columns: tab labels that all fit in 80 (no "7 Ne")."""
SHORT_BELOW = 92
_TAB_HELP = (
    "Boundary: ŷ over the input square, the training points on top",
    "Test: draw a test set (fresh or uniform points, or a CSV) and see how it fares",
    "Predictions: every point with x0, x1, label, ŷ and whether it is right",
    "Confusion: the confusion matrices of the training and test sets",
    "Activation: the activation, its derivative, histograms of pre-activations",
    "Diagnosis: gradient norms and saturated units over time; the plateau verdict",
    "Network: layer sizes, weight statistics, small weight matrices",
    "Backprop: one training point's forward pass, backward pass, update and gradient check",
)


class InspectScreen(Screen):
    """Tabs of views of the run a ``RunController`` shows."""

    BINDINGS = [
        Binding("escape,i", "close", "Back", id="inspect.close"),
        *(Binding(str(k + 1), f"tab('{t}')", _TITLES[k], show=False, id=f"inspect.tab-{t}",
                  tooltip=_TAB_HELP[k]) for k, t in enumerate(TABS)),
        Binding("m", "boundary_mode", "Mode", id="inspect.boundary-mode",
                tooltip="Boundary: two classes ↔ continuous ŷ"),
        Binding("d", "draw_test", "Draw test", id="inspect.draw-test"),
        Binding("u", "uniform_test", "Uniform test", show=False, id="inspect.uniform-test"),
        Binding("t", "table_set", "Train/test", id="inspect.table-set"),
        Binding("p,space", "pause", "Pause", show=False, id="inspect.pause"),
        Binding("question_mark,f1", "help", "Help", show=False, id="inspect.help"),
    ]

    def __init__(self, controller: RunController, fps: float = 4.0,
                 point: int | None = None) -> None:
        """Views of ``controller``'s run; with ``point``, open on that training point's
        back-propagation."""
        super().__init__()
        self.controller = controller
        self.point = point
        self.fps = fps
        self.table_source = "train"
        self._drawn: dict[str, tuple] = {}
        self._drawn_at: dict[str, float] = {}

    def compose(self) -> ComposeResult:
        """A title line, the tabs and the footer."""
        yield Static("", id="inspect-title", markup=False)
        with TabbedContent(id="inspect-tabs", initial="boundary"):
            for k, (tab, title) in enumerate(zip(TABS, _TITLES)):
                with TabPane(f"{k + 1} {title}", id=tab):
                    yield self._view(tab)
        yield Footer()

    @staticmethod
    def _view(tab: str):
        return {
            "boundary": lambda: PointPicker(id="boundary-view"),
            "test": lambda: TestPanel(id="test-panel"),
            "predictions": lambda: PredictionsTable(id="predictions-table"),
            "confusion": lambda: ConfusionView(id="confusion-view"),
            "activation": lambda: ActivationView(id="activation-view"),
            "diagnosis": lambda: DiagnosisView(id="diagnosis-view"),
            "network": lambda: NetworkView(id="network-view"),
            "backprop": lambda: BackpropView(id="backprop-view"),
        }[tab]()

    def on_resize(self) -> None:
        """Tab labels that fit the width: short ones on a narrow terminal."""
        titles = _SHORT_TITLES if self.size.width < SHORT_BELOW else _TITLES
        tabs = self.query_one("#inspect-tabs", TabbedContent)
        for k, (tab, title) in enumerate(zip(TABS, titles)):
            label = f"{k + 1} {title}"
            content_tab = tabs.get_tab(tab)
            if str(content_tab.label) != label:
                content_tab.label = label

    def on_mount(self) -> None:
        """Ask for the first views, then follow the run; the Test tab's fields show the
        test set asked for earlier (it survives closing this screen)."""
        spec = self.controller.test_spec
        if spec is not None:
            self.query_one("#test-panel", TestPanel).fill(spec)
        self.set_interval(1.0 / self.fps, self.tick, name="inspect-frame")
        if self.point is not None:
            self._show_point(self.point)
        else:  # the point chosen when inspect was last open
            self.query_one("#backprop-view", BackpropView).select(
                self.controller.backprop_point, announce=False)
        self.call_after_refresh(self.tick)

    @property
    def active(self) -> str:
        """The id of the visible tab."""
        return self.query_one("#inspect-tabs", TabbedContent).active or "boundary"

    # ------------------------------------------------------------ frames
    def request(self) -> ViewRequest:
        """What the visible tab needs from the analyst."""
        tab = self.active
        backprop = self.query_one("#backprop-view", BackpropView)
        boundary = self.query_one("#boundary-view", BoundaryView).wanted() \
            if tab == "boundary" else backprop.picker.wanted() if tab == "backprop" else None
        wants_test = tab in ("test", "confusion") or (
            tab == "predictions" and self.table_source == "test")
        spec = self.controller.test_request()
        return ViewRequest(boundary=boundary, measures=tab in ("activation", "diagnosis"),
                           layers=tab == "network",
                           test=spec if wants_test or (spec is not None and spec.every)
                           else None,
                           backprop=backprop.point if tab == "backprop" else None)

    def tick(self, force: bool = False) -> None:
        """Timer: renew the request; redraw the visible view if its inputs changed."""
        c = self.controller  # the dashboard below keeps pulling its frames
        c.want(self.request(), "inspect")
        tab = self.active
        key = (id(c.views), id(c.yhat), id(c.data), self.table_source, c.status)
        if not force and self._drawn.get(tab) == key:
            return
        now = time.monotonic()
        if not force and c.running and now - self._drawn_at.get(tab, -1e9) < REDRAW_SECONDS:
            return  # while training, a view redraws at most every REDRAW_SECONDS
        self._drawn[tab], self._drawn_at[tab] = key, now
        self._update_title()
        getattr(self, f"_show_{tab}")()

    def _update_title(self) -> None:
        c = self.controller
        s = c.state
        v = c.views
        parts = ["Inspect", s.run_name or "no run yet",
                 s.status.value + (f"  {s.verdict}" if s.verdict else ""), f"epoch {s.epoch}"]
        if v is None:
            parts.append("no views yet")
        elif v.epoch != s.epoch:  # the views lag the run while it trains
            parts.append(f"views of epoch {v.epoch}")
        self.query_one("#inspect-title", Static).update(Text(" · ".join(parts)))

    # ------------------------------------------------------------ views
    def _show_boundary(self) -> None:
        c, view = self.controller, self.query_one("#boundary-view", BoundaryView)
        if c.data is not None and view._X is not c.data[0]:
            view.set_points(*c.data)
        v = c.views
        shown = view._boundary
        if v is not None and v.boundary is not None and (
                v.epoch != view.epoch or shown is None or shown.shape != v.boundary.shape):
            view.set_boundary(v.boundary, v.epoch)  # a new epoch, or the size this view asked for

    def _test(self):
        v = self.controller.views
        return None if v is None else v.test

    def _show_test(self) -> None:
        panel, v = self.query_one("#test-panel", TestPanel), self.controller.views
        spec = self.controller.test_spec
        every = spec.every if spec else 0
        if v is not None and v.error:
            self.notify(v.error, title="Test set", severity="error", markup=False)
        t = self._test()
        if t is None:
            panel.show("", None, None, None, None, None, every)
            return
        panel.show(t.source, t.X, t.y, t.yhat, t.metrics, v.epoch, every)

    def _show_predictions(self) -> None:
        c, table = self.controller, self.query_one("#predictions-table", PredictionsTable)
        if self.table_source == "test":
            t = self._test()
            if t is None:
                table.show(None, None, None)
                table.border_title = "Test set: none yet (tab 2)"
                return
            X, y, yhat = t.X, t.y, t.yhat
        else:
            X, y = c.data if c.data is not None else (None, None)
            yhat = c.yhat
        table.show(X, y, yhat)
        where = "Training" if self.table_source == "train" else "Test"
        table.border_title = (f"{where} set: {len(table.rows_shown)} points, "
                              f"{table.wrong_count} wrong · sorted by {table.sort_column}"
                              f" · o sort, t train/test")

    def _show_confusion(self) -> None:
        c = self.controller
        train = (c.yhat, c.data[1]) if c.yhat is not None and c.data is not None else None
        t = self._test()
        test = (t.yhat, t.y) if t is not None else None
        self.query_one("#confusion-view", ConfusionView).show(train, test, c.state.epoch)

    def _show_activation(self) -> None:
        c, v = self.controller, self.controller.views
        m = v.measures if v is not None else None
        self.query_one("#activation-view", ActivationView).show(
            c.config.activation, m.saturation if m else None,
            v.histograms if v is not None else (), v.epoch if v is not None else None)

    def _show_diagnosis(self) -> None:
        c, v = self.controller, self.controller.views
        self.query_one("#diagnosis-view", DiagnosisView).show(
            v.diag_rows if v is not None else (), v.measures if v is not None else None,
            c.state.verdict, c.state.lr, v.epoch if v is not None else None)

    def _show_network(self) -> None:
        c, v = self.controller, self.controller.views
        self.query_one("#network-view", NetworkView).show(
            v.layers if v is not None else None, v.weights if v is not None else None,
            c.config.activation, v.epoch if v is not None else None,
            v.units if v is not None else None)

    def _show_backprop(self) -> None:
        c, v = self.controller, self.controller.views
        view = self.query_one("#backprop-view", BackpropView)
        X, y = c.data if c.data is not None else (None, None)
        view.set_points(X, y, c.yhat)
        if v is not None and v.boundary is not None:
            view.picker.set_boundary(v.boundary, v.epoch)
        view.show(v.backprop if v is not None else None,
                  v.error if v is not None and v.error.startswith("back-propagation") else "")

    # ------------------------------------------------------------ events and actions
    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        if self.active == "backprop":
            self.query_one("#backprop-view", BackpropView).focus()
        self.tick(force=True)

    @on(BackpropView.Chosen)
    def _point_chosen(self, event: BackpropView.Chosen) -> None:
        self.controller.backprop_point = event.index
        self.query_one("#boundary-view", PointPicker).choose(event.index)
        self.tick(force=True)  # ask the analyst for the chosen point at once

    @on(PointPicker.Picked, "#boundary-view")
    def _boundary_picked(self, event: PointPicker.Picked) -> None:
        self._show_point(event.index)

    @on(DataTable.RowSelected, "#predictions-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if self.table_source == "train" and event.row_key.value is not None:
            self._show_point(int(event.row_key.value))

    def _show_point(self, index: int) -> None:
        """The Backprop tab on training point ``index`` (a click on the boundary, enter
        on a row of the training set's predictions)."""
        self.query_one("#backprop-view", BackpropView).select(index)
        self.action_tab("backprop")

    @on(TestPanel.Requested)
    def _test_requested(self, event: TestPanel.Requested) -> None:
        if event.kind == "csv" and not event.path:
            self.notify("Type a CSV path first.", severity="warning")
            return
        self.controller.test_spec = TestSpec(event.kind, event.n, event.seed, event.path,
                                             event.every)
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
        """Draw fresh test points from the training distribution (the Test tab's n, seed)."""
        self.query_one("#test-panel", TestPanel).request("fresh")

    def action_uniform_test(self) -> None:
        """Draw test points uniform over the input square (the report's 10,000 on XOR)."""
        self.query_one("#test-panel", TestPanel).request("uniform")

    def action_table_set(self) -> None:
        """Predictions table: training set ↔ test set."""
        self.table_source = "test" if self.table_source == "train" else "train"
        self.action_tab("predictions")
        self.tick(force=True)

    def action_pause(self) -> None:
        """Pause / resume the run without leaving the views."""
        try:
            self.controller.toggle_pause()
        except ControllerError as exc:
            self.notify(str(exc), markup=False)

    def action_help(self) -> None:
        """The key list."""
        self.app.show_help(type(self))
