"""The report's text maps place points by the same rule as the dashboard's pictures."""

import numpy as np

from core.analysis.boundary import cell_index
from core.datasets import xor_easy
from tui.report.maps import class_map, point_map


def test_point_map_puts_each_point_in_the_cell_the_dashboard_uses() -> None:
    data = xor_easy()
    lines = point_map(data.X, data.y, width=36, height=16)
    grid = [line[3:-1] for line in lines[1:17]]  # inside the frame
    row, col = cell_index(data.X, 36, 16)
    for r, c, label in zip(row, col, data.y.reshape(-1)):
        assert grid[r][c] == ("x" if label >= 0.5 else "o")
    assert sum(ch in "ox" for line in grid for ch in line) == len(set(zip(row, col)))


def test_class_map_answers_by_cell() -> None:
    X = np.array([[0.1, 0.9], [0.9, 0.1], [0.6, 0.9], [0.9, 0.6]])
    lines = class_map(X, np.array([1.0, 0.0, 1.0, 0.0]), width=2, height=2)
    assert lines[1:3] == ["  |#:|", "  | .|"]
