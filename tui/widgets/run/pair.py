""""Ground truth" beside "Predict result", on exactly the same grid.

The prediction side shows one of three pictures (`PICTURES`):

- ``boundary``: the network's ŷ over the input square as two classes (ŷ ≥ 0.5), the
  training points on top, misclassified ones marked — the decision boundary;
- ``continuous``: the same with ŷ shaded, so the network's confidence shows;
- ``scatter``: the report's own "Predict result" figure, the points by predicted class.

Both panels always get the same width (an odd column is left empty rather than given to
one of them), the same height and the same bounds, so a point lands in the same cell on
both sides. ``zoom`` shows one side alone at the pair's whole size (the dashboard's
``z``). The boundary is computed off the UI thread by the run's analyst; this widget
only draws what it is handed.
"""

from __future__ import annotations

import numpy as np
from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widget import Widget

from core.analysis.boundary import Bounds, data_bounds
from core.nn.metrics import classes
from tui.widgets.run.boundary import BoundaryView
from tui.widgets.run.picker import PointPicker
from tui.widgets.run.scatter import ScatterPanel, column

__all__ = ["PICTURES", "ScatterPair"]

PICTURES = ("boundary", "continuous", "scatter")
"""The prediction panel's pictures, in the order the dashboard's key cycles them."""


class ScatterPair(Widget):
    """The report's comparison figure: "Ground truth" beside "Predict result".

    Attributes down: `set_data` once per data set, `set_prediction` whenever ŷ at the
    points arrives, `set_boundary` whenever the analyst's boundary arrives; `picture` picks
    the prediction side's picture and `mark_wrong` flags misclassified points in the
    scatter picture (the boundary marks them always). `wanted` is the boundary size to ask for.
    """

    DEFAULT_CSS = """
    ScatterPair {
        layout: horizontal;
        height: 1fr;
        width: 1fr;
    }
    ScatterPair > BoundaryView {
        min-width: 12;
        border: round $primary-muted;
        border-title-color: $foreground;
        border-title-style: bold;
    }
    """

    TRUTH_TITLE = "Ground truth"
    PREDICT_TITLE = "Predict result"

    mark_wrong: reactive[bool] = reactive(False)
    """Flag misclassified points (upper case, bold reverse) in the scatter picture."""
    picture: reactive[str] = reactive("scatter")
    """One of `PICTURES`."""
    zoom: reactive[str] = reactive("")
    """"truth" or "predict": that side alone, at the pair's whole size ("" both)."""

    def __init__(self, *, picture: str = "scatter", name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        """An empty pair; data may be set before or after mounting."""
        super().__init__(name=name, id=id, classes=classes)
        self._X: np.ndarray | None = None
        self._y: np.ndarray | None = None
        self._pred: np.ndarray | None = None
        self._bounds: Bounds = (0.0, 1.0, 0.0, 1.0)
        self.set_reactive(ScatterPair.picture, picture)

    def compose(self) -> ComposeResult:
        yield ScatterPanel(self.TRUTH_TITLE, id="truth")
        yield ScatterPanel(self.PREDICT_TITLE, id="predict")
        yield PointPicker(id="boundary")

    def on_mount(self) -> None:
        """Show whatever was set before mounting."""
        self.boundary_view.show_epoch = False
        self.predict_panel.mark_wrong = self.mark_wrong
        self.truth_panel.set_points(self._X, self._y, bounds=self._bounds)
        self.boundary_view.set_points(self._X, self._y, self._bounds)
        self._show_prediction()
        self._apply_picture()

    def on_resize(self) -> None:
        """Equal sizes: the same point lands in the same cell on both sides (side by
        side, or one above the other when the layout is vertical)."""
        stacked = self.styles.layout is not None and self.styles.layout.name == "vertical"
        width, height = self.size
        for child in (self.truth_panel, self.predict_panel, self.boundary_view):
            if self.zoom:
                child.styles.width, child.styles.height = width, height
            elif stacked:
                child.styles.width, child.styles.height = width, max(height // 2, 1)
            else:
                child.styles.width, child.styles.height = max(width // 2, 1), height

    # ------------------------------------------------------------ parts
    @property
    def truth_panel(self) -> ScatterPanel:
        return self.query_one("#truth", ScatterPanel)

    @property
    def predict_panel(self) -> ScatterPanel:
        return self.query_one("#predict", ScatterPanel)

    @property
    def boundary_view(self) -> BoundaryView:
        return self.query_one("#boundary", BoundaryView)

    @property
    def shows_boundary(self) -> bool:
        return self.picture != "scatter"

    def wanted(self) -> tuple[int, int] | None:
        """(width, pixel rows) of the boundary to ask the analyst for (None: not shown)."""
        return self.boundary_view.wanted() if self.shows_boundary and self.is_mounted else None

    # ------------------------------------------------------------ attributes down
    def set_data(self, X: np.ndarray, y: np.ndarray) -> None:
        """Show a data set: X (n, 2) points, y (n,) or (n, 1) labels 0/1. Clears the
        prediction and the boundary."""
        X = np.array(X, dtype=float).reshape(-1, 2)
        self._y = column(y, X.shape[0], "y")
        self._X = X
        self._pred = None
        self._bounds = data_bounds(X)
        if self.is_mounted:
            self.truth_panel.set_points(X, self._y, bounds=self._bounds)
            self.boundary_view.set_points(X, self._y, self._bounds)
            self.boundary_view.set_boundary(None)
            self._show_prediction()

    def set_prediction(self, yhat: np.ndarray | None) -> None:
        """Show predicted probabilities ŷ (n, 1) or (n,) as classes ŷ ≥ 0.5; None clears
        (the boundary too: a new run has no network yet).

        Raises ValueError when ŷ's length differs from the data set's.
        """
        if yhat is None:
            self._pred = None
            if self.is_mounted:
                self.boundary_view.set_boundary(None)
        else:
            p = np.asarray(yhat, dtype=float).reshape(-1)
            n = 0 if self._X is None else self._X.shape[0]
            if p.shape[0] != n:
                raise ValueError(f"yhat has {p.shape[0]} values for {n} points")
            pred = classes(p).astype(int)
            if self._pred is not None and np.array_equal(pred, self._pred):
                return  # same classes: nothing to redraw (ŷ arrives every frame)
            self._pred = pred
        if self.is_mounted:
            self._show_prediction()

    def set_boundary(self, boundary: np.ndarray | None, epoch: int | None) -> None:
        """The analyst's ŷ on a pixel grid over the data's bounds."""
        if self.is_mounted:
            self.boundary_view.set_boundary(boundary, epoch)

    def _show_prediction(self) -> None:
        truth = self._y if self._pred is not None else None
        self.predict_panel.set_points(self._X, self._pred, truth=truth, bounds=self._bounds)
        self.boundary_view.set_prediction(self._pred)

    # ------------------------------------------------------------ watchers
    def watch_mark_wrong(self, value: bool) -> None:
        if self.is_mounted:
            self.predict_panel.mark_wrong = value

    def watch_picture(self, picture: str) -> None:
        """Show the picture asked for on the prediction side."""
        if picture not in PICTURES:
            raise ValueError(f"picture must be one of {', '.join(PICTURES)}")
        if self.is_mounted:
            self._apply_picture()

    def watch_zoom(self, zoom: str) -> None:
        """One side alone at full size, or both again."""
        if zoom not in ("", "truth", "predict"):
            raise ValueError("zoom must be '', 'truth' or 'predict'")
        if self.is_mounted:
            self._apply_picture()
            self.on_resize()

    def _apply_picture(self) -> None:
        picture, boundary, zoom = self.picture, self.boundary_view, self.zoom
        self.truth_panel.display = zoom != "predict"
        boundary.display = picture != "scatter" and zoom != "truth"
        self.predict_panel.display = picture == "scatter" and zoom != "truth"
        boundary.continuous = picture == "continuous"
        boundary.border_title = self.PREDICT_TITLE
