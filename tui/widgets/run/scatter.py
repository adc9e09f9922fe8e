"""ASCII scatter plots of 2-D points by class (the report's "Predict result" figure).

The report's comparison figure, drawn on a character grid. Class 0 is drawn as ``o`` in
the theme's error colour (red), class 1 as ``x`` in blue, so the plot reads without
colour too. When several points share a cell the majority class wins (a tie shows class
1). With ``mark_wrong`` on, a cell holding a misclassified point is drawn in upper case
(``O`` / ``X``), bold and reversed.

The grid maths (`scatter_grid`, with `data_bounds` and `cell_index` from
`core.analysis.boundary`) is plain NumPy and tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from core.analysis.boundary import Bounds, cell_index, data_bounds
from core.nn.metrics import misclassified, wrong_count

__all__ = [
    "EMPTY",
    "MARKERS",
    "ScatterGrid",
    "ScatterPanel",
    "cell_index",
    "column",
    "scatter_grid",
]

EMPTY = -1
"""Grid value of a cell without points."""
UNKNOWN = 2
"""Grid value of a cell holding points whose class is not known (no prediction yet)."""
MARKERS = {0: "o", 1: "x"}
"""Marker character of each class; misclassified cells use the upper-case form."""
_UNKNOWN_MARK = "·"



@dataclass(frozen=True)
class ScatterGrid:
    """What each cell of a scatter panel shows.

    Attributes:
        cls: (height, width) int8; EMPTY, 0, 1 (majority class) or UNKNOWN.
        wrong: (height, width) bool; the cell holds at least one misclassified point.
    """

    cls: np.ndarray
    wrong: np.ndarray


def scatter_grid(X: np.ndarray, labels: np.ndarray | None, width: int, height: int,
                 bounds: Bounds, truth: np.ndarray | None = None) -> ScatterGrid:
    """Place points on a width×height character grid.

    Args:
        X: (n, 2) points.
        labels: (n,) or (n, 1) class (0/1) to show per point, or None (cells become
            UNKNOWN).
        width, height: grid size in cells (>= 1).
        bounds: ``(xmin, xmax, ymin, ymax)``, e.g. from `data_bounds`.
        truth: optional (n,) or (n, 1) true class; a cell is `wrong` when any of its
            points is `misclassified` (its label's class is not its truth's).

    Returns:
        The majority class per cell (ties go to class 1) and the wrong mask.
    """
    width, height = max(int(width), 1), max(int(height), 1)
    cls = np.full((height, width), EMPTY, dtype=np.int8)
    wrong = np.zeros((height, width), dtype=bool)
    X = np.asarray(X, dtype=float).reshape(-1, 2)
    if X.shape[0] == 0:
        return ScatterGrid(cls, wrong)
    row, col = cell_index(X, width, height, bounds)
    if labels is None:
        cls[row, col] = UNKNOWN
        return ScatterGrid(cls, wrong)
    lab = np.asarray(labels).reshape(-1).astype(int)
    _vote(cls, row, col, lab)
    if truth is not None:
        miss = misclassified(labels, truth)
        np.logical_or.at(wrong, (row[miss], col[miss]), True)
    return ScatterGrid(cls, wrong)


def _vote(cls: np.ndarray, row: np.ndarray, col: np.ndarray, lab: np.ndarray) -> None:
    """Write into ``cls`` the majority class (0/1, ties to 1) of the points in each cell."""
    ones = np.zeros(cls.shape, dtype=np.int64)
    total = np.zeros(cls.shape, dtype=np.int64)
    np.add.at(total, (row, col), 1)
    np.add.at(ones, (row, col), lab == 1)
    filled = total > 0
    cls[filled] = np.where(2 * ones[filled] >= total[filled], 1, 0)


class ScatterPanel(Widget):
    """One bordered ASCII scatter plot of 2-D points coloured by class.

    Set its contents with `set_points`; the title is the border title. The last content
    row is a legend line. Styles come from component classes, so the app stylesheet can
    recolour them: ``scatter-panel--class-0``, ``--class-1``, ``--wrong``,
    ``--unknown``, ``--legend``.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "scatter-panel--class-0",
        "scatter-panel--class-1",
        "scatter-panel--wrong",
        "scatter-panel--unknown",
        "scatter-panel--legend",
    }

    DEFAULT_CSS = """
    ScatterPanel {
        width: 1fr;
        height: 1fr;
        min-width: 12;
        min-height: 5;
        border: round $primary-muted;
        border-title-color: $foreground;
        border-title-style: bold;
        padding: 0 0;
    }
    ScatterPanel > .scatter-panel--class-0 { color: $error; }
    ScatterPanel > .scatter-panel--class-1 { color: dodgerblue; }
    ScatterPanel > .scatter-panel--wrong { text-style: bold reverse; }
    ScatterPanel > .scatter-panel--unknown { color: $foreground-muted; }
    ScatterPanel > .scatter-panel--legend { color: $foreground-muted; }
    """

    mark_wrong: reactive[bool] = reactive(False)
    """Draw cells holding misclassified points as ``O``/``X`` (needs `truth`)."""

    def __init__(
        self,
        title: str = "",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Create an empty panel titled ``title``."""
        super().__init__(name=name, id=id, classes=classes)
        self.border_title = title
        self._X: np.ndarray | None = None
        self._labels: np.ndarray | None = None
        self._truth: np.ndarray | None = None
        self._bounds: Bounds = (0.0, 1.0, 0.0, 1.0)
        self._cache: tuple[tuple[int, int, bool], ScatterGrid] | None = None

    def set_points(
        self,
        X: np.ndarray | None,
        labels: np.ndarray | None = None,
        truth: np.ndarray | None = None,
        bounds: Bounds | None = None,
    ) -> None:
        """Show points X (n, 2) with class ``labels`` (n,)/(n, 1), or unclassified dots.

        ``truth`` (same shape as labels) enables misclassification marks; ``bounds``
        defaults to `data_bounds(X)`. ``X=None`` empties the panel. Arrays are copied.
        """
        if X is None:
            self._X = self._labels = self._truth = None
        else:
            X = np.array(X, dtype=float).reshape(-1, 2)
            n = X.shape[0]
            self._X = X
            self._labels = column(labels, n, "labels")
            self._truth = column(truth, n, "truth")
            self._bounds = bounds if bounds is not None else data_bounds(X)
        self._cache = None
        self.refresh()

    def watch_mark_wrong(self) -> None:
        """Redraw with or without the misclassification marks."""
        self._cache = None
        self.refresh()

    @property
    def wrong_count(self) -> int:
        """Number of points whose label differs from the truth (0 without both)."""
        if self._labels is None or self._truth is None:
            return 0
        return wrong_count(self._labels, self._truth)

    def grid(self, width: int, height: int) -> ScatterGrid:
        """The cell grid for a plot area of width×height (cached per size)."""
        key = (width, height, self.mark_wrong)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        truth = self._truth if self.mark_wrong else None
        X = self._X if self._X is not None else np.empty((0, 2))
        grid = scatter_grid(X, self._labels, width, height, self._bounds, truth)
        self._cache = (key, grid)
        return grid

    def _legend(self, width: int) -> Text:
        styles = {c: self.get_component_rich_style(f"scatter-panel--class-{c}") for c in (0, 1)}
        dim = self.get_component_rich_style("scatter-panel--legend")
        wrong = self.get_component_rich_style("scatter-panel--wrong")
        long = width >= 22
        legend = Text(no_wrap=True, overflow="crop")
        for c in (0, 1):
            if c:
                legend.append("  ")
            legend.append(MARKERS[c], styles[c])
            legend.append(f" class {c}" if long else f" {c}", dim)
        if self.mark_wrong and self._truth is not None and self._labels is not None:
            legend.append("  ")
            legend.append("O", wrong + styles[0])
            legend.append(" ")
            legend.append("X", wrong + styles[1])
            legend.append(" wrong" if long else "!", dim)
        return legend

    def render(self) -> Text:
        """Draw the grid (all rows but the last) and the legend line."""
        width, height = self.content_size.width, self.content_size.height
        if width <= 0 or height <= 0:
            return Text("")
        plot_h = max(height - 1, 1)
        if self._X is None or self._X.shape[0] == 0:
            text = self._no_data(width, plot_h)
        else:
            text = self._plot(self.grid(width, plot_h))
        if height > 1:
            text.append("\n")
            text.append_text(self._legend(width))
        return text

    def _no_data(self, width: int, plot_h: int) -> Text:
        """``plot_h`` empty rows with "no data" in the middle one."""
        lines = ["" for _ in range(plot_h)]
        lines[plot_h // 2] = "no data".center(width)
        return Text("\n".join(lines),
                    style=self.get_component_rich_style("scatter-panel--legend"),
                    no_wrap=True, overflow="crop")

    def _mark_styles(self) -> dict[tuple[int, bool], Style]:
        """The style of each (class, wrong) cell."""
        wrong_style = self.get_component_rich_style("scatter-panel--wrong")
        styles: dict[tuple[int, bool], Style] = {}
        for c in (0, 1):
            base = self.get_component_rich_style(f"scatter-panel--class-{c}")
            styles[(c, False)] = base
            styles[(c, True)] = wrong_style + base
        return styles

    def _plot(self, grid: ScatterGrid) -> Text:
        """The grid's rows as text, one character per cell."""
        styles = self._mark_styles()
        unknown = self.get_component_rich_style("scatter-panel--unknown")
        text = Text(no_wrap=True, overflow="crop")
        for r in range(grid.cls.shape[0]):
            if r:
                text.append("\n")
            for v, w, run in _runs(grid.cls[r], grid.wrong[r]):
                if v == EMPTY:
                    text.append(" " * run)
                elif v == UNKNOWN:
                    text.append(_UNKNOWN_MARK * run, unknown)
                else:
                    mark = MARKERS[v].upper() if w else MARKERS[v]
                    text.append(mark * run, styles[(v, w)])
        return text


def _runs(cls: np.ndarray, wrong: np.ndarray) -> list[tuple[int, bool, int]]:
    """One grid row as runs of identical cells: (class, wrong, length), left to right
    (appending runs keeps the Text short)."""
    runs: list[tuple[int, bool, int]] = []
    width, c0 = len(cls), 0
    while c0 < width:
        v, w = int(cls[c0]), bool(wrong[c0])
        c1 = c0 + 1
        while c1 < width and cls[c1] == v and wrong[c1] == w:
            c1 += 1
        runs.append((v, w, c1 - c0))
        c0 = c1
    return runs


def column(a: np.ndarray | None, n: int, what: str) -> np.ndarray | None:
    """Flatten an (n,) or (n, 1) array to (n,) int, checking its length."""
    if a is None:
        return None
    flat = np.asarray(a).reshape(-1)
    if flat.shape[0] != n:
        raise ValueError(f"{what} has {flat.shape[0]} values for {n} points")
    return flat.astype(int)
