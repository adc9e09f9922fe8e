"""The picking picture: the chosen point is drawn ◉; a click picks the nearest point
within reach, and nothing on an empty stretch."""

from __future__ import annotations

import numpy as np
from textual.app import App

from tui.widgets.run.picker import PointPicker
from tui.widgets.run.scatter import cell_index


class _Host(App):
    def __init__(self) -> None:
        super().__init__()
        self.picked: list[int] = []

    def compose(self):
        yield PointPicker(id="pick")

    def on_point_picker_picked(self, event: PointPicker.Picked) -> None:
        self.picked.append(event.index)


async def test_click_picks_the_nearest_point_and_marks_it():
    X = np.array([[0.1, 0.1], [0.9, 0.9], [0.5, 0.2]])
    y = np.array([[0.0], [1.0], [0.0]])
    app = _Host()
    async with app.run_test(size=(40, 12)) as pilot:
        picker = app.query_one(PointPicker)
        picker.set_points(X, y, (0.0, 1.0, 0.0, 1.0))
        await pilot.pause()
        w, rows = picker.content_size.width, picker.content_size.height - 1
        row, col = cell_index(X, w, rows, picker.bounds)
        await pilot.click("#pick", offset=(int(col[2]) + 1, int(row[2])))  # a column off
        await pilot.click("#pick", offset=(int(col[1]), int(row[1])))
        await pilot.click("#pick", offset=(w // 2, 0))  # nothing near the top middle
        await pilot.pause()
        assert app.picked == [2, 1]
        assert "◉" not in picker.render().plain
        picker.choose(1)
        lines = picker.render().plain.splitlines()
        assert lines[int(row[1])][int(col[1])] == "◉"
        assert sum(line.count("◉") for line in lines) == 1
