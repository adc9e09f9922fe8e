"""Test sets as the report used them: they survive leaving inspect, are recorded with
the run (test.npz, through core.records) and reopen with it; uniform points over the
input square are offered for every data set."""

from __future__ import annotations

import numpy as np
import pytest

from core.analysis.points import uniform_test_set
from core.config import RunConfig
from core.datasets import xor_grid
from core.records.testset import read_test_set, write_test_set
from core.run.links import FilesLink
from core.train import kernels
from tests.tui.helpers import FakeClock, wait_for
from tui.app import create_app
from tui.screens.inspection import InspectScreen

RUN = RunConfig(data="xor-grid", hidden=(8, 8), lr=0.5, epochs=300, log_every=100, seed=2,
                name="tests")


@pytest.fixture(scope="module", autouse=True)
def _kernel_ready():
    kernels.ensure_compiled(lambda _m: None)


def _metrics_line(app) -> str:
    return str(app.screen.query_one("#test-metrics").render())


def test_uniform_points_cover_the_square_and_take_their_nearest_label():
    d = uniform_test_set(xor_grid(70), 10_000, 7, (0.0, 1.0, 0.0, 1.0))
    assert d.X.shape == (10_000, 2)
    assert d.X.min() >= 0.0
    assert d.X.max() <= 1.0
    quadrants = (d.X[:, 0] > 0.5) != (d.X[:, 1] > 0.5)  # the XOR diagonals' nearest rule
    assert np.mean(quadrants == (d.y[:, 0] == 1)) > 0.99
    again = uniform_test_set(xor_grid(70), 10_000, 7, (0.0, 1.0, 0.0, 1.0))
    np.testing.assert_array_equal(d.X, again.X)  # the seed alone decides


def test_the_recorded_test_set_round_trips_and_refuses_junk(tmp_path):
    X = np.array([[0.1, 0.2], [0.3, 0.4]])
    write_test_set(tmp_path, X, np.array([0.0, 1.0]), "2 uniform points\x1b[31m")
    X2, y2, source = read_test_set(tmp_path)
    np.testing.assert_array_equal(X2, X)
    assert y2.tolist() == [[0.0], [1.0]]
    assert source == "2 uniform points\\x1b[31m"  # shown as text, never as codes
    (tmp_path / "test.npz").write_bytes(b"junk")
    with pytest.raises(ValueError, match=r"^test\.npz "):
        read_test_set(tmp_path)


@pytest.mark.long
async def test_a_test_set_survives_inspect_and_reopens_with_the_run(runs_root):
    app = create_app(RUN, runs_dir=runs_root, timer=FakeClock())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        c = app.controller
        await wait_for(pilot, lambda: c.status.value == "finished")
        await pilot.press("i", "2")
        n = app.screen.query_one("#test-n")
        n.value = "10000"  # the report's 10,000 points
        await pilot.press("u")
        await wait_for(pilot, lambda: c.views is not None and c.views.test is not None)
        first = c.views.test
        assert len(first.X) == 10_000
        assert first.source.startswith("10000 uniform points over the input square")
        await wait_for(pilot, lambda: "10000 uniform points" in _metrics_line(app))
        run_dir = c.run_dir
        X, _y, source = read_test_set(run_dir)
        np.testing.assert_array_equal(X, first.X)  # recorded with the run
        await pilot.press("escape")  # leave inspect …
        await wait_for(pilot, lambda: not isinstance(app.screen, InspectScreen))
        await pilot.press("i", "2")  # … and come back: the same test set
        await wait_for(pilot, lambda: "10000 uniform points" in _metrics_line(app))
        assert app.screen.query_one("#test-n").value == "10000"
        assert "no test set" not in _metrics_line(app)
    reopened = create_app(runs_dir=runs_root, link=FilesLink(run_dir, "opened from files"))
    async with reopened.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("i", "2")
        c = reopened.controller
        await wait_for(pilot, lambda: c.views is not None and c.views.test is not None)
        t = c.views.test
        np.testing.assert_array_equal(t.X, first.X)
        assert t.source == f"{source}, recorded with the run"
        await wait_for(pilot, lambda: "recorded with the run" in _metrics_line(reopened))
