"""Point→cell placement (`cell_index`): the one rule every picture of points uses."""

import numpy as np

from core.analysis.boundary import cell_index, grid_points


def test_every_pixel_centre_lands_in_its_own_cell() -> None:
    bounds = (-1.5, 2.0, 0.25, 3.0)
    X = grid_points(7, 5, bounds)
    row, col = cell_index(X, 7, 5, bounds)
    assert row.tolist() == np.repeat(np.arange(5), 7).tolist()
    assert col.tolist() == np.tile(np.arange(7), 5).tolist()


def test_a_cell_holds_its_lower_edges_and_the_frame_clamps() -> None:
    X = np.array([[0.5, 0.5], [0.0, 0.0], [1.0, 1.0], [-3.0, 9.0], [0.25, 0.75]])
    row, col = cell_index(X, 4, 4)
    assert list(zip(row.tolist(), col.tolist())) == [(1, 2), (3, 0), (0, 3), (0, 0), (0, 1)]
