"""The inspect screen: every view after a seeded run, live updates, NO_COLOR, snapshots."""

from __future__ import annotations

import numpy as np
import pytest

from core.analysis.boundary import boundary_of, grid_points
from core.analysis.derived import UNIT_GRID
from core.config import RunConfig
from core.train import kernels
from tests.tui.helpers import FakeClock, wait_for
from tui.app import create_app
from tui.screens.inspection import TABS, InspectScreen
from tui.widgets.inspect.backprop import BackpropView
from tui.widgets.inspect.predictions import PredictionsTable
from tui.widgets.run.boundary import BoundaryView
from tui.widgets.run.pair import ScatterPair

XOR_RUN = RunConfig(data="xor", hidden=(8, 8), lr=0.5, epochs=600, log_every=100, seed=2,
                    name="insp")
SIZES = [(120, 40), (80, 24)]


@pytest.fixture(scope="module", autouse=True)
def _kernel_ready():
    kernels.ensure_compiled(lambda _m: None)


def _status(app) -> str:
    return str(app.screen_stack[1].query_one("#status").render()) \
        if len(app.screen_stack) > 1 else ""


async def _finished(pilot) -> None:
    """Run the seeded XOR run to its end (the analyst then holds the final network)."""
    await pilot.press("s")
    await wait_for(pilot, lambda: "finished" in str(pilot.app.screen.query_one("#status")
                                                      .render()))
    await pilot.pause()


async def _views(pilot, predicate) -> None:
    """Wait for the analyst's views to satisfy ``predicate(views)``."""
    c = pilot.app.controller
    await wait_for(pilot, lambda: c.views is not None and predicate(c.views))
    await pilot.pause(0.3)


@pytest.mark.long
async def test_every_tab_draws_after_a_run(runs_root):
    app = create_app(XOR_RUN, runs_dir=runs_root, timer=FakeClock())
    async with app.run_test(size=(120, 40)) as pilot:
        await _finished(pilot)
        dash = app.screen
        await pilot.press("i")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InspectScreen)
        for k, tab in enumerate(TABS):
            await pilot.press(str(k + 1))
            await pilot.pause()
            assert screen.active == tab
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is dash


async def test_boundary_field_matches_the_network(runs_root):
    """The field is the analyst's (off the UI thread) and equals a direct evaluation."""
    app = create_app(XOR_RUN, runs_dir=runs_root, timer=FakeClock())
    async with app.run_test(size=(100, 30)) as pilot:
        await _finished(pilot)
        await pilot.press("i")
        await pilot.pause()
        view = app.screen.query_one(BoundaryView)
        w, h = view.content_size.width, view.content_size.height - 1
        # the field this view asked for (the dashboard's smaller one may come first)
        await _views(pilot, lambda v: v.boundary is not None and v.boundary.shape == (2 * h, w))
        await wait_for(pilot, lambda: view._boundary is not None
                       and view._boundary.shape == (2 * h, w))
        field = view.boundary(w, 2 * h)
        assert field.shape == (2 * h, w)
        net = app.controller.host.session.net
        np.testing.assert_array_equal(field, boundary_of(net, w, 2 * h))
        grid = grid_points(w, 2 * h)
        np.testing.assert_allclose(field.ravel(), net.predict(grid)[:, 0], rtol=0,
                                   atol=1e-14)
        assert view.epoch == 600
        await pilot.press("m")
        assert view.continuous


async def test_test_set_marks_the_misclassified_points(runs_root):
    app = create_app(XOR_RUN, runs_dir=runs_root, timer=FakeClock())
    async with app.run_test(size=(120, 40)) as pilot:
        await _finished(pilot)
        await pilot.press("i", "2", "d")
        await _views(pilot, lambda v: v.test is not None)
        t = app.controller.views.test
        assert len(t.X) == 200
        wrong = int(np.count_nonzero((t.yhat >= 0.5) != (t.y >= 0.5)))
        pair = app.screen.query_one("#test-scatter", ScatterPair)
        assert pair.mark_wrong
        assert pair.predict_panel.wrong_count == wrong
        assert f"{wrong} wrong" in str(app.screen.query_one("#test-metrics").render())
        # The predictions table of the test set flags exactly the same points.
        await pilot.press("t")
        await pilot.pause()
        table = app.screen.query_one(PredictionsTable)
        assert table.row_count == 200
        assert table.wrong_count == wrong
        bad = {p.index for p in table.rows_shown if not p.right}
        assert bad == set(np.flatnonzero((t.yhat[:, 0] >= 0.5) != (t.y[:, 0] >= 0.5)))


async def test_predictions_sort(runs_root):
    app = create_app(XOR_RUN, runs_dir=runs_root, timer=FakeClock())
    async with app.run_test(size=(120, 40)) as pilot:
        await _finished(pilot)
        await pilot.press("i", "3")
        await pilot.pause()
        table = app.screen.query_one(PredictionsTable)
        assert table.row_count == 21
        table.focus()
        for _ in range(4):  # # → x0 → x1 → label → ŷ
            await pilot.press("o")
        assert table.sort_column == "ŷ"
        values = [float(table.get_row_at(i)[4].plain) for i in range(table.row_count)]
        assert values == sorted(values)


@pytest.mark.long
async def test_test_metrics_tracked_beside_the_curves(runs_root):
    """A test set tracked every E epochs while training shows beside the curves."""
    app = create_app(XOR_RUN.with_changes(epochs=10**7, log_every=10**6), runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s", "i", "2")
        panel = app.screen.query_one("#test-panel")
        panel.query_one("#test-every").value = "50"
        await pilot.pause()
        panel.request("fresh")
        await wait_for(pilot, lambda: len(app.controller.test_history) >= 2)
        await pilot.press("escape")
        curves = app.screen.query_one("#curves")
        await wait_for(pilot, lambda: curves._test is app.controller.test_history)
        app.controller.stop()


@pytest.mark.long
async def test_no_color_degrades_to_characters(runs_root, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = create_app(XOR_RUN, runs_dir=runs_root, timer=FakeClock())
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.no_color
        await _finished(pilot)
        await pilot.press("i")
        await _views(pilot, lambda v: v.boundary is not None)
        view = app.screen.query_one(BoundaryView)
        text = view.render().plain
        assert "#" in text
        assert "." in text
        assert "▀" not in text
        view.continuous = True
        assert set(view.render().plain) & set("░▒▓█")


NEEDS = {1: lambda v: v.boundary is not None, 2: lambda v: v.test is not None,
         5: lambda v: v.measures is not None, 6: lambda v: v.measures is not None,
         7: lambda v: v.layers is not None, 8: lambda v: v.backprop is not None}


DEFAULT_TIER_TABS = (1, 3, 7, 8)
"""Boundary, predictions, network and backprop at 120×40 in the default tier; the other
tabs, and every tab at 80×24, in the long tier (the default tier keeps to two minutes)."""


def _snapshot_params():
    for tab in range(1, 9):
        for size in SIZES:
            quick = tab in DEFAULT_TIER_TABS and size[0] >= 100
            yield pytest.param(tab, size, id=f"{TABS[tab - 1]}-{size[0]}x{size[1]}",
                               marks=() if quick else pytest.mark.long)


@pytest.mark.parametrize(("tab", "size"), _snapshot_params())
def test_snapshot(snap_compare, size, tab, runs_root):
    app = create_app(XOR_RUN, runs_dir=runs_root, timer=FakeClock())

    async def open_tab(pilot):
        await _finished(pilot)
        await pilot.press("i", str(tab))
        if tab == 2:
            await pilot.press("d")
        if tab in NEEDS:
            await _views(pilot, NEEDS[tab])
        if tab == 8:  # the chosen point's lines, and the picture's field at its size
            view = pilot.app.screen.query_one(BackpropView)
            await wait_for(pilot, lambda: bool(view.lines) and view.picker._boundary is not None
                           and view.picker._boundary.shape[::-1] == view.picker.wanted())
        if tab == 1:  # the field this view asked for (the dashboard's smaller one may be first)
            view = pilot.app.screen.query_one(BoundaryView)
            await wait_for(pilot, lambda: view._boundary is not None
                           and view._boundary.shape[::-1] == view.wanted())
        await pilot.pause(0.3)
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.3)  # a loaded CI machine: let the last layout and draw settle

    assert snap_compare(app, terminal_size=size, run_before=open_tab)


@pytest.mark.long
async def test_small_networks_show_each_hidden_units_output(runs_root):
    """(8, 8) units: the analyst hands over every unit's output over the input square,
    a direct evaluation of the network; the network tab draws them as thumbnails."""
    app = create_app(XOR_RUN, runs_dir=runs_root, timer=FakeClock())
    async with app.run_test(size=(120, 40)) as pilot:
        await _finished(pilot)
        await pilot.press("i", "7")
        await _views(pilot, lambda v: v.units is not None)
        units = app.controller.views.units
        assert [u.shape for u in units] == [(8, UNIT_GRID[1], UNIT_GRID[0])] * 2
        net = app.controller.host.session.net
        X = grid_points(*UNIT_GRID, app.controller.views.bounds)
        _, cache = net.forward(X)
        np.testing.assert_allclose(units[1][3].ravel(), cache.As[2][:, 3], rtol=0, atol=0)
        await wait_for(pilot, lambda: "hidden layer 2: 8 units"
                       in app.export_screenshot().replace("&#160;", " "))


def test_unit_thumbnails_read_without_colour():
    from tui.widgets.inspect.units import unit_thumbnails

    ramp = np.linspace(0, 1, 12 * 10).reshape(1, 10, 12)  # one unit, low → high
    text = unit_thumbnails((ramp, ramp), "sigmoid", 80,
                           ((255, 0, 0), (0, 0, 0), (0, 0, 255)), no_color=True).plain
    rows = [r for r in text.splitlines() if r and not r.startswith("hidden")]
    assert len(rows) == 2 * 5  # two layers, five character rows each
    shades = "·░▒▓█"
    assert rows[0][0] == "·"
    assert shades.index(rows[4][-1]) >= 3  # the high end
    assert [shades.index(r[0]) for r in rows[:5]] == sorted(shades.index(r[0]) for r in rows[:5])
