"""The dashboard's layouts and its picture, at the sizes people use: the form or its
one-line summary, plot frames with room, a one-line status, a log whose lines are
never cut, and the boundary field the run's analyst computes (never the UI thread)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from textual.widgets import Input

from core.analysis.boundary import boundary_of, data_bounds
from core.config import RunConfig
from core.train import kernels
from tests.tui.helpers import FakeClock, boundary_drawn, wait_for
from tui.app import create_app
from tui.widgets.run.curves import CurvesPanel
from tui.widgets.run.epoch_log import EpochLog
from tui.widgets.run.pair import ScatterPair
from tui.widgets.run.status import StatusLine

RUN = RunConfig(data="xor-grid", hidden=(8, 8), lr=0.5, epochs=400, log_every=100, seed=2,
                name="layout")
SIZES = [(120, 40), (80, 24), (100, 40), (120, 24)]


@pytest.fixture(scope="module", autouse=True)
def _kernel_ready():
    kernels.ensure_compiled(lambda _m: None)


def frame_rows(plot) -> int:
    """Rows between a plot's top and bottom frame lines."""
    rows = plot.render().plain.splitlines()
    top = next(i for i, r in enumerate(rows) if "┌" in r)
    bottom = next(i for i, r in enumerate(rows) if "└" in r)
    return bottom - top - 1


async def _finished(pilot) -> None:
    c = pilot.app.controller
    await pilot.press("s")
    await wait_for(pilot, lambda: c.status.value == "finished")
    pair = pilot.app.screen.query_one("#scatter", ScatterPair)
    await wait_for(pilot, lambda: boundary_drawn(pair, RUN.epochs))  # the final boundary, drawn
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_layout_reads(size, runs_root: Path):
    app = create_app(RUN, runs_dir=runs_root, timer=FakeClock())
    async with app.run_test(size=size) as pilot:
        await _finished(pilot)
        screen = app.screen
        curves = screen.query_one("#curves", CurvesPanel)
        for plot in (curves.loss_plot, curves.acc_plot):
            assert frame_rows(plot) >= 8
        status = screen.query_one("#status", StatusLine)
        assert status.size.height == 1
        assert "finished" in str(status.render())
        log = screen.query_one("#log", EpochLog)
        longest = max(len(line) for line in log.lines)
        assert longest == len("Model Training time taken: 0.0 minutes 0.0 seconds")
        assert log.scrollable_content_region.width >= longest  # no line is cut
        pair = screen.query_one("#scatter", ScatterPair)
        assert pair.truth_panel.content_size == pair.boundary_view.content_size
        for widget in (curves, pair, log):
            assert widget.region.right <= size[0]
            assert widget.region.bottom <= size[1]
        compact = size != (120, 40)
        assert screen.query_one("#side").display is not compact
        assert screen.query_one("#summary").display is compact


async def test_the_summary_line_and_f_opening_the_form_at_80x24(runs_root: Path):
    app = create_app(RUN, runs_dir=runs_root)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        summary = str(screen.query_one("#summary").render())
        assert "xor-grid · 8,8 sigmoid · mse · sgd lr 0.5 · 400 epochs · seed 2" in summary
        await pilot.press("f")
        await pilot.pause()
        side = screen.query_one("#side")
        assert side.display
        assert side.region.width > 0
        assert app.focused is not None  # the cursor is in
        assert app.focused.id == "f-data"
        curves = screen.query_one("#curves")
        assert curves.region.x == 0  # the panels keep their places under the form
        screen.query_one("#f-hidden", Input).value = "16,16"
        await pilot.pause()
        assert "16,16 sigmoid" in str(screen.query_one("#summary").render())
        await pilot.press("escape")  # leaves the field and closes the form at once
        await pilot.pause()
        assert not side.display
        assert app.focused is None


async def test_the_dashboard_draws_the_analysts_field_of_the_network(runs_root: Path):
    app = create_app(RUN, runs_dir=runs_root, timer=FakeClock())
    async with app.run_test(size=(120, 40)) as pilot:
        await _finished(pilot)
        pair = app.screen.query_one("#scatter", ScatterPair)
        field = pair.boundary_view
        assert field.display
        assert field.epoch == RUN.epochs
        w, rows = field.wanted()
        net = app.controller.host.session.net
        X = app.controller.data[0]
        np.testing.assert_array_equal(field.boundary(w, rows),
                                      boundary_of(net, w, rows, data_bounds(X)))
        await pilot.press("b")
        assert pair.picture == "continuous"
        await pilot.press("b")
        await pilot.pause()
        assert pair.picture == "scatter"
        assert pair.predict_panel.display
        await pilot.press("b")
        assert pair.picture == "boundary"


@pytest.mark.long
async def test_mean_loss_key_and_the_log_keeps_the_reports_sum(runs_root: Path):
    app = create_app(RUN, runs_dir=runs_root, timer=FakeClock())
    async with app.run_test(size=(120, 40)) as pilot:
        await _finished(pilot)
        curves = app.screen.query_one("#curves", CurvesPanel)
        await pilot.press("m")
        await pilot.pause()
        assert curves.mean_loss
        assert "Loss per point" in curves.loss_plot.render().plain.splitlines()[0]
        first = next(line for line in app.screen.query_one("#log", EpochLog).lines
                     if line.startswith("Epoch"))
        summed = app.controller.history.series("loss", 10_000)[1][0]
        assert first.split("loss: ")[1].startswith(f"{summed:.4f}")  # the sum, not a mean
        assert summed > 1.0  # 69 points: a mean would be below 1


@pytest.mark.long
async def test_hiding_the_form_at_120x40_gives_its_room_away(runs_root: Path):
    app = create_app(RUN, runs_dir=runs_root, timer=FakeClock())
    async with app.run_test(size=(120, 40)) as pilot:
        await _finished(pilot)
        screen = app.screen
        await pilot.press("f")
        await pilot.pause()
        assert not screen.query_one("#side").display
        curves = screen.query_one("#curves", CurvesPanel)
        assert curves.region.width == 120  # the whole top row
        log = screen.query_one("#log", EpochLog)
        assert log.scrollable_content_region.width >= max(len(x) for x in log.lines)
        pair = screen.query_one("#scatter", ScatterPair)
        assert pair.region.bottom == log.region.bottom
        assert pair.truth_panel.content_size == pair.boundary_view.content_size
        await pilot.press("f")
        await pilot.pause()
        assert screen.query_one("#side").display
