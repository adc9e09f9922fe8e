"""The prediction panel that picks points: a ``BoundaryView`` that marks one chosen
training point ``◉`` and, clicked, posts ``PointPicker.Picked`` with the nearest point —
the dashboard's prediction panel and the inspect screen's pictures, from which a
point's back-propagation opens.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.text import Text
from textual import events
from textual.message import Message

from core.analysis.boundary import cell_index
from tui.widgets.run.boundary import BoundaryView

__all__ = ["REACH", "PointPicker"]

REACH = 2.0
"""A click picks a point at most this far (in columns; a row counts two)."""


class PointPicker(BoundaryView):
    """The prediction panel with the chosen training point marked; click a point to pick it."""

    class Picked(Message):
        """The user clicked near training point ``index`` of ``picker``."""

        def __init__(self, picker: PointPicker, index: int) -> None:
            super().__init__()
            self.picker, self.index = picker, index

        @property
        def control(self) -> PointPicker:
            """The picture clicked (so ``@on(PointPicker.Picked, "#id")`` works)."""
            return self.picker

    COMPONENT_CLASSES: ClassVar[set[str]] = {*BoundaryView.COMPONENT_CLASSES,
                                             "point-picker--chosen"}
    DEFAULT_CSS = """
    PointPicker > .point-picker--chosen { color: $warning; text-style: bold reverse; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.chosen: int | None = None

    def choose(self, index: int | None) -> None:
        """Mark training point ``index`` (None: none)."""
        self.chosen = index
        self.refresh()

    def _cells(self) -> tuple[np.ndarray, np.ndarray, int, int] | None:
        width, rows = self.content_size.width, self.content_size.height - 1
        if self._X is None or width <= 0 or rows <= 0:
            return None
        row, col = cell_index(self._X, width, rows, self.bounds)
        return row, col, width, rows

    def render(self) -> Text:
        """The boundary view with the chosen point's cell drawn as ``◉``."""
        text = super().render()
        cells = self._cells()
        if cells is None or self.chosen is None or not 0 <= self.chosen < len(cells[0]):
            return text
        row, col, width, _ = cells
        at = int(row[self.chosen]) * (width + 1) + int(col[self.chosen])
        style = self.get_component_rich_style("point-picker--chosen")
        return Text.assemble(text[:at], Text("◉", style), text[at + 1 :], no_wrap=True,
                             overflow="crop")

    def on_click(self, event: events.Click) -> None:
        """Pick the training point nearest the click, if one is within a row or two
        columns of it (cells are about twice as tall as wide); a click on an empty stretch
        of the boundary picks nothing."""
        cells, where = self._cells(), event.get_content_offset(self)
        if cells is None or where is None or len(cells[0]) == 0:
            return
        row, col, _, _ = cells
        distance = (2.0 * (row - where.y)) ** 2 + (col - where.x) ** 2
        nearest = int(np.argmin(distance))
        if distance[nearest] <= REACH**2:
            self.post_message(self.Picked(self, nearest))
