"""The predictions table: every point with x0, x1, label, ŷ and whether it is right.

The report's "SimpleNet Predicted Probabilities" column made readable. Sortable by any
column (click a header, or ``o`` to cycle the sort key, ``O`` to reverse); wrong rows
are drawn in the error colour, bold.
"""

from __future__ import annotations

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from core.analysis.points import Prediction, predictions
from tui.theme import theme_color

__all__ = ["COLUMNS", "PredictionsTable"]

COLUMNS = ("#", "x0", "x1", "label", "ŷ", "pred", "right")
_SORT_KEYS = {
    "#": lambda p: p.index, "x0": lambda p: p.x0, "x1": lambda p: p.x1,
    "label": lambda p: (p.label, p.index), "ŷ": lambda p: p.yhat,
    "pred": lambda p: (p.predicted, p.index), "right": lambda p: (p.right, p.index),
}


class PredictionsTable(DataTable):
    """A DataTable of `core.analysis.points.Prediction` rows, rebuilt by `show`."""

    BINDINGS = [
        Binding("o", "cycle_sort", "Sort", id="predictions.sort"),
        Binding("O", "reverse_sort", "Reverse", show=False, id="predictions.reverse"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        """An empty table sorted by index."""
        super().__init__(id=id, zebra_stripes=True, cursor_type="row")
        self.sort_column = "#"
        self.sort_reverse = False
        self.rows_shown: list[Prediction] = []

    def on_mount(self) -> None:
        """Add the columns."""
        for name in COLUMNS:
            self.add_column(name, key=name)

    def show(self, X: np.ndarray | None, y: np.ndarray | None, yhat: np.ndarray | None) -> None:
        """Rebuild the rows for X (n, 2), y (n, 1), ŷ (n, 1) (None clears)."""
        rows = [] if X is None or yhat is None else predictions(X, y, yhat)
        rows.sort(key=_SORT_KEYS[self.sort_column], reverse=self.sort_reverse)
        self.rows_shown = rows
        wrong = Style(color=theme_color(self.app, "error", "red").hex, bold=True)
        self.clear()
        for p in rows:
            style = Style() if p.right else wrong
            cells = (str(p.index), f"{p.x0:.4f}", f"{p.x1:.4f}", str(p.label),
                     f"{p.yhat:.8f}", str(p.predicted), "✓" if p.right else "✗ wrong")
            self.add_row(*(Text(c, style=style, justify="right" if i < 6 else "left")
                           for i, c in enumerate(cells)), key=str(p.index))

    @property
    def wrong_count(self) -> int:
        """Rows shown that are misclassified."""
        return sum(not p.right for p in self.rows_shown)

    def _resort(self) -> None:
        """Re-sort the shown rows and move DataTable's rows into the same order."""
        self.rows_shown.sort(key=_SORT_KEYS[self.sort_column], reverse=self.sort_reverse)
        order = {str(p.index): i for i, p in enumerate(self.rows_shown)}
        self.sort("#", key=lambda cell: order[cell.plain])

    def action_cycle_sort(self) -> None:
        """Sort by the next column."""
        i = COLUMNS.index(self.sort_column)
        self.sort_column = COLUMNS[(i + 1) % len(COLUMNS)]
        self._resort()
        self.notify(f"sorted by {self.sort_column}", timeout=2)

    def action_reverse_sort(self) -> None:
        """Reverse the sort order."""
        self.sort_reverse = not self.sort_reverse
        self._resort()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        """Click a header: sort by it (again: reverse)."""
        column = str(event.column_key.value)
        if column == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = column, False
        self._resort()
