"""ScatterPair and CurvesPanel: grid maths, rendering, toggles, themes, redraw skipping."""

from __future__ import annotations

import numpy as np
import pytest
from textual.app import App, ComposeResult

from core.analysis.boundary import data_bounds
from core.analysis.history import History
from tui.widgets.run.curves import CurvesPanel
from tui.widgets.run.pair import ScatterPair
from tui.widgets.run.scatter import (
    EMPTY,
    UNKNOWN,
    ScatterPanel,
    cell_index,
    scatter_grid,
)

UNIT = (0.0, 1.0, 0.0, 1.0)


# ---------------------------------------------------------------- pure grid maths
def test_data_bounds_unit_square_and_other_data() -> None:
    assert data_bounds(np.array([[0.1, 0.2], [0.9, 1.0]])) == UNIT
    assert data_bounds(np.empty((0, 2))) == UNIT
    xmin, xmax, ymin, ymax = data_bounds(np.array([[-2.0, 0.0], [2.0, 10.0]]))
    assert xmin == pytest.approx(-2.2)
    assert xmax == pytest.approx(2.2)
    assert ymin == pytest.approx(-0.5)
    assert ymax == pytest.approx(10.5)
    # A flat axis still gets a range.
    assert data_bounds(np.array([[5.0, 5.0], [5.0, 5.0]])) == (4.5, 5.5, 4.5, 5.5)


def test_cell_index_corners_and_edges() -> None:
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.24, 0.26]])
    row, col = cell_index(X, 4, 2, UNIT)
    # (0, 0) bottom-left, (1, 1) top-right: y grows upwards, edges clip inside.
    assert list(zip(row.tolist(), col.tolist(), strict=True)) == [
        (1, 0),
        (0, 3),
        (0, 0),
        (1, 3),
        (0, 2),
        (1, 0),
    ]


def test_scatter_grid_majority_and_ties() -> None:
    X = np.array([[0.1, 0.1]] * 3 + [[0.9, 0.9]] * 2 + [[0.9, 0.1]])
    labels = np.array([0, 0, 1, 1, 0, 1])
    g = scatter_grid(X, labels, 2, 2, UNIT)
    assert g.cls.tolist() == [[EMPTY, 1], [0, 1]]  # 2 of 3 zeros; a 1-1 tie shows 1
    assert not g.wrong.any()


def test_scatter_grid_accepts_column_labels_and_marks_wrong_cells() -> None:
    X = np.array([[0.1, 0.1], [0.1, 0.15], [0.9, 0.9]])
    pred = np.array([[0], [1], [1]])
    truth = np.array([[0], [0], [1]])
    g = scatter_grid(X, pred, 2, 2, UNIT, truth=truth)
    assert g.cls.tolist() == [[EMPTY, 1], [1, EMPTY]]
    assert g.wrong.tolist() == [[False, False], [True, False]]


def test_scatter_grid_without_labels_marks_unknown() -> None:
    g = scatter_grid(np.array([[0.5, 0.5]]), None, 3, 3, UNIT)
    assert g.cls[1, 1] == UNKNOWN
    assert (g.cls == EMPTY).sum() == 8


# ---------------------------------------------------------------- apps
def linear_data(n: int = 100) -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(1).random((n, 2))
    y = (X[:, 0] <= X[:, 1]).astype(int).reshape(-1, 1)
    return X, y


class ScatterApp(App):
    def compose(self) -> ComposeResult:
        yield ScatterPair()


class CurvesApp(App):
    def compose(self) -> ComposeResult:
        yield CurvesPanel()


def screen_text(app: App) -> str:
    return app.export_screenshot()


async def test_scatter_pair_renders_titles_legend_and_markers() -> None:
    app = ScatterApp()
    async with app.run_test(size=(80, 24)) as pilot:
        pair = app.query_one(ScatterPair)
        X, y = linear_data()
        pair.set_data(X, y)
        await pilot.pause()
        svg = screen_text(app)
        assert "Ground&#160;truth" in svg
        assert "Predict&#160;result" in svg
        truth = pair.truth_panel.render().plain
        assert "o class 0" in truth
        assert "x class 1" in truth
        assert "o" in truth.splitlines()[-2] or "x" in truth
        # No prediction yet: the right panel shows unclassified dots.
        assert "·" in pair.predict_panel.render().plain


async def test_scatter_pair_prediction_and_mark_wrong() -> None:
    app = ScatterApp()
    async with app.run_test(size=(80, 24)) as pilot:
        pair = app.query_one(ScatterPair)
        X, y = linear_data()
        pair.set_data(X, y)
        yhat = np.full((100, 1), 0.9)  # everything predicted as class 1
        pair.set_prediction(yhat)
        await pilot.pause()
        plot = pair.predict_panel.render().plain.splitlines()[:-1]
        assert "o" not in "".join(plot)
        assert "O" not in "".join(plot)
        pair.mark_wrong = True
        await pilot.pause()
        assert pair.predict_panel.mark_wrong
        assert pair.predict_panel.wrong_count == int((y == 0).sum())
        text = pair.predict_panel.render().plain
        assert "X" in text
        assert "wrong" in text.splitlines()[-1]
        # The ground-truth panel never marks anything.
        assert "X" not in pair.truth_panel.render().plain
        pair.set_prediction(None)
        await pilot.pause()
        assert "·" in pair.predict_panel.render().plain
        with pytest.raises(ValueError, match="yhat"):
            pair.set_prediction(np.zeros((3, 1)))


async def test_scatter_pair_small_size_and_theme_switch() -> None:
    app = ScatterApp()
    async with app.run_test(size=(40, 10)) as pilot:
        pair = app.query_one(ScatterPair)
        pair.set_data(*linear_data(10_000))
        pair.set_prediction(np.random.default_rng(0).random((10_000, 1)))
        pair.mark_wrong = True
        await pilot.pause()
        assert pair.predict_panel.content_size.width <= 18
        lines = pair.predict_panel.render().plain.splitlines()
        assert len(lines) == pair.predict_panel.content_size.height
        app.theme = "textual-light"
        await pilot.pause()
        assert pair.truth_panel.render().plain


async def test_scatter_set_data_before_mount() -> None:
    pair = ScatterPair()
    X, y = linear_data(20)
    pair.set_data(X, y)

    class Early(App):
        def compose(self) -> ComposeResult:
            yield pair

    async with Early().run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "x" in pair.truth_panel.render().plain


async def test_scatter_panel_empty_state() -> None:
    class One(App):
        def compose(self) -> ComposeResult:
            yield ScatterPanel("Alone")

    async with One().run_test(size=(30, 10)) as pilot:
        await pilot.pause()
        assert "no data" in pilot.app.query_one(ScatterPanel).render().plain


def filled_history(epochs: int = 2000) -> History:
    h = History(cap=100)
    for e in range(epochs):
        h.append(
            e, loss=15.0 / (1 + e), soft_acc=50 + 40 * e / epochs, acc=50 + 50 * e / epochs
        )
    return h


def plot_text(widget) -> str:
    return widget.render().plain


async def test_curves_empty_state_renders() -> None:
    app = CurvesApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = app.query_one(CurvesPanel)
        assert "no data yet" in plot_text(panel.loss_plot)
        assert "no data yet" in plot_text(panel.acc_plot)
        panel.set_history(History())  # empty history: still the empty state
        await pilot.pause()
        assert "no data yet" in plot_text(panel.loss_plot)


async def test_curves_titles_labels_legend_and_log_toggle() -> None:
    app = CurvesApp()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(CurvesPanel)
        panel.set_history(filled_history())
        await pilot.pause()
        loss, acc = plot_text(panel.loss_plot), plot_text(panel.acc_plot)
        assert "Loss" in loss
        assert "epoch" in loss
        assert "train" in loss
        assert "Accuracy %" in acc
        assert "soft" in acc
        assert "acc" in acc
        assert "100.0" in acc
        panel.log_loss = True
        await pilot.pause()
        assert "log10 loss" in plot_text(panel.loss_plot)
        panel.log_loss = False
        await pilot.pause()
        assert "log10" not in plot_text(panel.loss_plot)


async def test_curves_test_overlay_and_theme_switch() -> None:
    app = CurvesApp()
    async with app.run_test(size=(120, 40)) as pilot:
        panel = app.query_one(CurvesPanel)
        panel.set_history(filled_history())
        panel.set_test_history(filled_history(500))
        await pilot.pause()
        assert "test" in plot_text(panel.loss_plot)
        acc_title = plot_text(panel.acc_plot)
        assert "soft acc" in acc_title
        assert "right %" in acc_title
        assert "test + x" in acc_title  # the test twins by their marks, when narrow
        before = panel.redraw_count
        app.theme = "textual-light"
        await pilot.pause()
        assert panel.redraw_count > before  # colours follow the theme
        assert "Loss" in plot_text(panel.loss_plot)
        panel.log_loss = True
        app.theme = "textual-dark"
        await pilot.pause()
        assert "log10 loss" in plot_text(panel.loss_plot)
        panel.set_test_history(None)
        await pilot.pause()
        assert "test" not in plot_text(panel.acc_plot)


async def test_curves_redraw_skipped_when_data_unchanged() -> None:
    app = CurvesApp()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(CurvesPanel)
        h = filled_history()
        panel.set_history(h)
        await pilot.pause()
        count = panel.redraw_count
        for _ in range(5):  # what the app's timer does between epochs
            panel.set_history(h)
        await pilot.pause()
        assert panel.redraw_count == count
        h.append(2000, loss=0.01, soft_acc=90.0, acc=100.0)
        panel.set_history(h)
        assert panel.redraw_count == count + 1
        panel.set_history(h)
        assert panel.redraw_count == count + 1


class SpyHistory(History):
    """Records how many points each `series` call handed out."""

    def __init__(self, cap: int) -> None:
        super().__init__(cap)
        self.handed: list[int] = []

    def series(self, name: str, max_points: int | None = None):
        epochs, values = super().series(name, max_points)
        self.handed.append(len(epochs))
        return epochs, values


async def test_curves_plot_only_about_width_points() -> None:
    app = CurvesApp()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(CurvesPanel)
        h = SpyHistory(cap=5000)
        for e in range(5000):
            h.append(e, loss=1.0 / (e + 1), soft_acc=50.0, acc=50.0)
        panel.set_history(h)
        await pilot.pause()
        assert h.handed
        assert max(h.handed) <= max(panel.loss_plot.size.width, panel.acc_plot.size.width)


def test_epoch_ticks_are_round_whole_numbers():
    from tui.widgets.run.curves import epoch_ticks, short_number

    assert epoch_ticks(2000, 5) == [0, 500, 1000, 1500, 2000]
    assert epoch_ticks(84066, 5) == [0, 25000, 50000, 75000]
    assert epoch_ticks(7, 5) == [0, 2, 4, 6]
    assert epoch_ticks(0, 5) == [0]
    ticks = (750, 1500, 25000, 2_500_000)
    assert [short_number(t) for t in ticks] == ["750", "1.5k", "25k", "2.5M"]


async def test_epoch_log_follows_the_tail_through_resizes_until_scrolled_up():
    from textual.app import App

    from tui.widgets.run.epoch_log import EpochLog

    class LogApp(App):
        def compose(self):
            yield EpochLog(id="log")

    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        log = app.query_one(EpochLog)
        log.write_lines([f"Epoch {i:4d}" for i in range(50)])
        await pilot.pause()
        assert log.scroll_y == log.max_scroll_y > 0
        await pilot.resize_terminal(60, 20)
        log.write_lines([f"Epoch {i:4d}" for i in range(50, 60)])
        await pilot.pause()
        await pilot.resize_terminal(60, 8)
        await pilot.pause()
        assert log.scroll_y == log.max_scroll_y, "still following after resizes"
        log.scroll_to(y=3, animate=False)
        await pilot.pause()
        log.write_lines(["Epoch   60"])
        await pilot.pause()
        assert log.scroll_y == 3, "scrolled up: the view stays put"
        log.scroll_end(animate=False)
        await pilot.pause()
        log.write_lines(["Epoch   61"])
        await pilot.pause()
        assert log.scroll_y == log.max_scroll_y, "back at the end: following again"


async def test_the_status_line_keeps_the_lr_in_80_columns() -> None:
    from tui.widgets.run.status import RunStatus, StatusLine

    class One(App):
        def compose(self) -> ComposeResult:
            yield StatusLine()

    async with One().run_test(size=(80, 24)) as pilot:
        line = pilot.app.query_one(StatusLine)
        line.status = RunStatus(state="running", epoch=163_473, epochs=4_000_000,
                                rate=18_318.0, elapsed=3725.0, lr=0.000125, run_name="x")
        await pilot.pause()
        text = str(line.render())
        assert text.endswith("lr 0.000125")
        assert "163,473/4,000,000" in text
