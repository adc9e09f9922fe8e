"""core.analysis: boundary grid, fresh test sets, predictions, confusion, weight stats."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.analysis.boundary import boundary_of, grid_points
from core.analysis.layers import layer_stats
from core.analysis.points import confusion, fresh_test_set, predictions
from core.config import RunConfig
from core.datasets import generate
from core.nn.network import Network
from core.run.session import build_data, seeded_rngs


def _net(hidden=(5, 3), seed=0, activation="sigmoid") -> Network:
    return Network(hidden, activation, "normal", np.random.default_rng(seed))


def test_grid_points_are_pixel_centres_top_row_first():
    X = grid_points(4, 2, (0.0, 1.0, 0.0, 1.0))
    assert X.shape == (8, 2)
    np.testing.assert_allclose(X[:4, 0], [0.125, 0.375, 0.625, 0.875])
    np.testing.assert_allclose(X[:4, 1], 0.75)  # the top row first
    np.testing.assert_allclose(X[4:, 1], 0.25)


def test_boundary_field_equals_a_direct_evaluation():
    net = _net()
    field = boundary_of(net, 7, 6, (0.0, 1.0, 0.0, 1.0))
    assert field.shape == (6, 7)
    for r in range(6):
        for c in range(7):
            x = np.array([[(c + 0.5) / 7, 1 - (r + 0.5) / 6]])
            assert field[r, c] == pytest.approx(float(net.predict(x)[0, 0]), abs=1e-14)


def test_boundary_field_of_a_diverged_network_is_neutral():
    net = _net()
    net.Ws[0][...] = np.nan
    assert np.all(boundary_of(net, 3, 2) == 0.5)


def test_network_from_params_round_trip():
    net = _net((4, 6, 2), seed=3, activation="tanh")
    copy = Network.from_params(net.copy_params(), "tanh")
    assert copy.sizes == net.sizes
    X = np.random.default_rng(0).uniform(size=(10, 2))
    np.testing.assert_array_equal(copy.predict(X), net.predict(X))
    with pytest.raises(ValueError, match="no weight arrays"):
        Network.from_params({"B1": np.zeros(3)})


@pytest.mark.parametrize(("name", "noise"), [
    ("linear", 0.0), ("circle", 0.0), ("gauss", 0.0),
    ("spiral", 0.1),  # spiral without noise is a fixed curve, not a random set
])
def test_test_sets_are_fresh_and_reproducible(name, noise):
    config = RunConfig(data=name, seed=7, noise=noise)
    train = build_data(config, seeded_rngs(config.seed)[0])
    a = fresh_test_set(name, 500, seed=7, noise=noise)
    b = fresh_test_set(name, 500, seed=7, noise=noise)
    c = fresh_test_set(name, 500, seed=8, noise=noise)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)
    train_rows = {tuple(r) for r in train.X}
    assert not any(tuple(r) in train_rows for r in a.X)
    assert len(a) == 500
    assert a.X.shape == (500, 2)
    assert a.y.shape == (500, 1)


def test_xor_test_points_lie_on_the_diagonals_with_the_right_labels():
    t = fresh_test_set("xor-grid", 1000, seed=1)
    on_main = np.isclose(t.X[:, 0], t.X[:, 1])
    on_anti = np.isclose(t.X[:, 0], 1 - t.X[:, 1])
    assert np.all(on_main | on_anti)
    assert np.all(t.y[on_main & ~on_anti, 0] == 0)
    assert np.all(t.y[on_anti & ~on_main, 0] == 1)


@pytest.mark.parametrize("n", [0, 10_001])
def test_test_set_size_is_bounded(n):
    with pytest.raises(ValueError, match="n must be"):
        fresh_test_set("linear", n, 0)


def test_confusion_counts():
    y = np.array([0, 0, 0, 1, 1, 1, 1]).reshape(-1, 1)
    yhat = np.array([0.1, 0.7, 0.49, 0.5, 0.2, 0.9, 0.99]).reshape(-1, 1)
    C = confusion(yhat, y)
    np.testing.assert_array_equal(C, [[2, 1], [1, 3]])
    assert C.sum() == 7


def test_predictions_mark_the_wrong_points():
    data = generate("xor", None, 0.0, np.random.default_rng(0))
    yhat = np.full((21, 1), 0.2)
    rows = predictions(data.X, data.y, yhat)
    assert [p.right for p in rows] == [bool(v == 0) for v in data.y[:, 0]]
    assert rows[1].x1 == 1.0
    assert rows[1].label == 1
    assert rows[1].predicted == 0
    assert sum(not p.right for p in rows) == 10


def test_layer_stats():
    named = {"W1": np.array([[1.0, -1.0], [3.0, 1.0]]), "B1": np.array([0.0, 2.0]),
             "W2": np.array([[2.0], [0.0]]), "B2": np.array([-1.0])}
    stats = layer_stats(named)
    assert [s.name for s in stats] == ["W1", "B1", "W2", "B2"]
    w1 = stats[0]
    assert w1.shape == (2, 2)
    assert (w1.mean, w1.min, w1.max) == (1.0, -1.0, 3.0)
    assert w1.std == pytest.approx(np.std([1, -1, 3, 1]))
    assert w1.norm == pytest.approx(np.sqrt(12))


def test_the_boundary_keeps_its_older_wire_key():
    """A viewer and a run of different versions (``bp-tui attach``) must still read each
    other's boundary: on the wire it is ``grid``, its name before."""
    from core.analysis.derived import Views

    boundary = np.linspace(0, 1, 12).reshape(3, 4)
    d = json.loads(json.dumps(Views(5, boundary=boundary).to_json()))
    assert d["grid"]["shape"] == [3, 4]
    np.testing.assert_array_equal(Views.from_json(d).boundary, boundary)
