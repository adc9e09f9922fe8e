"""The prediction panel's pictures: the boundary field beside the ground truth on the
same grid, points visible in every mode and theme, misclassified points marked; the
curves' legends outside the data and the per-point loss."""

from __future__ import annotations

import numpy as np
import pytest
from textual.app import App, ComposeResult

from core.analysis.boundary import boundary_of, data_bounds, grid_points
from core.analysis.history import History
from core.nn.losses import get_loss
from core.nn.metrics import score
from core.nn.network import Network
from tui.widgets.run.curves import CurvesPanel, legend
from tui.widgets.run.pair import PICTURES, ScatterPair
from tui.widgets.run.scatter import scatter_grid


def xor_data(n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(3).random((n, 2))
    y = ((X[:, 0] > 0.5) ^ (X[:, 1] > 0.5)).astype(float).reshape(-1, 1)
    return X, y


def a_network() -> Network:
    return Network((8, 8), "sigmoid", "normal", np.random.default_rng(5))


class PairApp(App):
    def __init__(self, picture: str = "boundary", no_color: bool = False) -> None:
        super().__init__()
        self.picture = picture
        if no_color:
            self.no_color = True

    def compose(self) -> ComposeResult:
        yield ScatterPair(picture=self.picture)


async def _shown(app: PairApp, pilot, X, y, net: Network | None = None) -> ScatterPair:
    pair = app.query_one(ScatterPair)
    pair.set_data(X, y)
    await pilot.pause()
    if net is not None:
        w, rows = pair.wanted()
        pair.set_boundary(boundary_of(net, w, rows, data_bounds(X)), 10)
        pair.set_prediction(net.predict(X))
    await pilot.pause()
    return pair


@pytest.mark.parametrize("size", [(81, 20), (120, 17), (47, 11)])
async def test_both_panels_have_the_same_grid_and_a_point_the_same_cell(size):
    X, y = xor_data()
    app = PairApp()
    async with app.run_test(size=size) as pilot:
        pair = await _shown(app, pilot, X, y)
        truth, field = pair.truth_panel, pair.boundary_view
        assert truth.content_size == field.content_size  # an odd column stays empty
        w, h = truth.content_size.width, truth.content_size.height - 1
        grid = truth.grid(w, h)
        marks = scatter_grid(X, y, w, h, data_bounds(X)).cls
        np.testing.assert_array_equal(grid.cls, marks)  # every point in the same cell
        truth_rows = truth.render().plain.splitlines()[:-1]
        field_rows = field.render().plain.splitlines()[:-1]
        for r in range(h):
            for c in range(w):
                if marks[r, c] >= 0:  # no network yet: the same cells, classes unknown
                    assert truth_rows[r][c] == "ox"[marks[r, c]]
                    assert field_rows[r][c] == "·"
                else:
                    assert field_rows[r][c] == " "


async def test_stacked_panels_have_the_same_grid_too():
    app = PairApp()
    async with app.run_test(size=(26, 21)) as pilot:
        pair = app.query_one(ScatterPair)
        pair.styles.layout = "vertical"
        await _shown(app, pilot, *xor_data())
        await pilot.pause()
        assert pair.truth_panel.content_size == pair.boundary_view.content_size
        assert pair.truth_panel.region.y < pair.boundary_view.region.y  # one above the other


async def test_field_cells_are_a_direct_evaluation_of_the_network():
    X, y = xor_data()
    net = a_network()
    app = PairApp(no_color=True)
    async with app.run_test(size=(80, 20)) as pilot:
        pair = await _shown(app, pilot, X, y, net)
        field = pair.boundary_view
        w, h = field.content_size.width, field.content_size.height - 1
        yhat = net.predict(grid_points(w, 2 * h, data_bounds(X)))[:, 0].reshape(2 * h, w)
        cell = (yhat[0::2] + yhat[1::2]) / 2  # a character cell is two pixels
        marks = scatter_grid(X, y, w, h, data_bounds(X)).cls
        rows = field.render().plain.splitlines()[:-1]
        for r in range(h):
            for c in range(w):
                if marks[r, c] < 0:
                    assert rows[r][c] == ("#" if cell[r, c] >= 0.5 else ".")


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "no-color"])
@pytest.mark.parametrize("picture", ["boundary", "continuous"])
@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_points_stay_visible_in_every_mode_and_theme(picture, no_color, theme):
    X, y = xor_data()
    net = a_network()
    # A confident network: ŷ near 0 or 1 everywhere, the case where class-0 points
    # used to vanish into a class-0 background of their own colour.
    net.theta *= 6
    app = PairApp(picture, no_color)
    async with app.run_test(size=(80, 20)) as pilot:
        app.theme = theme
        pair = await _shown(app, pilot, X, y, net)
        field = pair.boundary_view
        w, h = field.content_size.width, field.content_size.height - 1
        grid = scatter_grid(X, y, w, h, data_bounds(X), net.predict(X) >= 0.5)
        marks, wrong = grid.cls, grid.wrong
        text = field.render()
        lines = text.plain.splitlines()
        back = field.rich_style.bgcolor
        for r, c in zip(*np.nonzero(marks >= 0)):
            char = lines[r][c]
            assert char == ("OX" if wrong[r, c] else "ox")[marks[r, c]]
            if not no_color:
                offset = sum(len(line) + 1 for line in lines[:r]) + c
                style = text.get_style_at_offset(app.console, offset)
                assert style.bgcolor == back  # drawn on the panel, not on the field
                assert style.color is not None
                assert style.color != back


async def test_misclassified_points_are_marked_and_counted():
    X, y = xor_data()
    app = PairApp(no_color=True)
    async with app.run_test(size=(80, 20)) as pilot:
        pair = await _shown(app, pilot, X, y)
        pair.set_prediction(np.full((len(X), 1), 0.9))  # all class 1: class 0 is wrong
        await pilot.pause()
        field = pair.boundary_view
        assert field.wrong_count == int((y == 0).sum())
        plot = "".join(field.render().plain.splitlines()[:-1])
        assert "O" in plot
        assert "o" not in plot
        assert f"{field.wrong_count}" in field.render().plain.splitlines()[-1]


async def test_the_wrong_counts_are_the_threshold_accuracys_complement_at_the_boundary():
    """ŷ exactly 0.5 is class 1, just below it class 0, NaN class 0: the field's, the
    scatter's count are n × (100 − acc) / 100, with acc as the log has it."""
    X = np.random.default_rng(4).random((6, 2))
    y = np.array([[0], [1], [0], [1], [1], [1]], dtype=float)
    yhat = np.array([[0.5], [0.5], [np.nextafter(0.5, 0)], [np.nextafter(0.5, 0)],
                     [np.nan], [1.0]])
    acc = score(yhat, y, get_loss("mse")).acc
    expected = round(len(y) * (100 - acc) / 100)
    assert expected == 3  # 0.5 on a 0, just under 0.5 on a 1, NaN on a 1
    app = PairApp(picture="scatter")
    async with app.run_test(size=(80, 20)) as pilot:
        pair = await _shown(app, pilot, X, y)
        pair.set_prediction(yhat)
        await pilot.pause()
        assert pair.boundary_view.wrong_count == expected
        assert pair.predict_panel.wrong_count == expected


async def test_the_picture_key_cycle_and_the_reports_scatter():
    X, y = xor_data()
    app = PairApp()
    async with app.run_test(size=(80, 20)) as pilot:
        pair = await _shown(app, pilot, X, y, a_network())
        assert pair.boundary_view.display
        assert not pair.predict_panel.display
        pair.picture = "continuous"
        await pilot.pause()
        assert pair.boundary_view.continuous
        assert "ŷ" in pair.boundary_view.render().plain.splitlines()[-1]
        pair.picture = "scatter"
        await pilot.pause()
        assert pair.predict_panel.display
        assert not pair.boundary_view.display
        assert pair.wanted() is None  # no field asked for while it is not shown
        w, h = pair.predict_panel.content_size.width, pair.predict_panel.content_size.height
        grid = scatter_grid(X, pair._pred, w, h - 1, data_bounds(X))
        assert grid.cls.shape == (h - 1, w)
        with pytest.raises(ValueError, match="picture"):
            pair.picture = "nope"
    assert PICTURES == ("boundary", "continuous", "scatter")


def test_legends_sit_in_the_title_and_close_up_when_narrow():
    from tui.widgets.run.curves import _ACC_TRAIN, _LOSS_TEST, _LOSS_TRAIN

    assert legend("Loss", [_LOSS_TRAIN, _LOSS_TEST]) == "Loss  ⠿ train  • test"
    assert legend("Loss", [_LOSS_TRAIN, _LOSS_TEST], 22) == "Loss ⠿train •test"
    assert legend("Accuracy %", list(_ACC_TRAIN), 12) == "Accuracy %"


class CurvesApp(App):
    def compose(self) -> ComposeResult:
        yield CurvesPanel()


async def test_loss_per_point_compares_train_and_test_and_legends_are_outside():
    train, test = History(), History()
    for e in range(0, 1001, 10):
        train.append(e, loss=100.0 / (1 + e), soft_acc=90.0, acc=90.0)  # 100 points
        test.append(e, loss=200.0 / (1 + e), soft_acc=90.0, acc=90.0)  # 200 points
    app = CurvesApp()
    async with app.run_test(size=(120, 16)) as pilot:
        panel = app.query_one(CurvesPanel)
        panel.set_history(train)
        panel.set_test_history(test)
        panel.set_sizes(100, 200)
        await pilot.pause()
        rows = panel.loss_plot.render().plain.splitlines()
        assert "train" in rows[0]  # the legend is the title row
        assert "test" in rows[0]
        assert not any("train" in r or "test" in r for r in rows[1:])
        assert "200.0" in "".join(rows)  # the sums: test's 200 at epoch 0
        panel.mean_loss = True
        await pilot.pause()
        rows = panel.loss_plot.render().plain.splitlines()
        assert rows[0].strip().startswith("Loss per point")
        assert "200.0" not in "".join(rows)
        assert any(r.lstrip().startswith("1.0") for r in rows)  # both curves start at 1


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_the_two_classes_and_the_background_stay_apart_in_256_colours(theme):
    """A terminal without true colour (COLORTERM unset) gets each colour rounded to the
    xterm-256 palette: the two class fields, the background and both point colours must
    still be five different colours there."""
    from rich.color import ColorSystem

    app = PairApp()
    async with app.run_test(size=(80, 20)) as pilot:
        app.theme = theme
        pair = await _shown(app, pilot, *xor_data())
        await pilot.pause()
        field = pair.boundary_view
        palette = field._palette()
        from rich.color import Color as RichColor

        back = field.rich_style.bgcolor or RichColor.from_rgb(*field._colors()[2])
        points = field._point_styles()
        looks = [palette[0], palette[-1], back, points[(0, False)].color,
                 points[(1, False)].color]

        eight_bit = {(c if isinstance(c, RichColor) else RichColor.parse(str(c)))
                     .downgrade(ColorSystem.EIGHT_BIT).number for c in looks}
        assert len(eight_bit) == 5


async def test_boundary_legend_has_corner_ticks_and_a_region_key() -> None:
    """The boundary's last line: the square's bottom-left and top-right corners at its
    ends, and between them which region colour is which class (and the point marks)."""
    from textual.app import App

    from tui.widgets.run.boundary import LEVELS, BoundaryView

    class One(App):
        CSS = "BoundaryView { width: 80; height: 10; }"

        def compose(self):
            yield BoundaryView()

    app = One()
    async with app.run_test(size=(90, 12)) as pilot:
        view = app.query_one(BoundaryView)
        X = np.array([[-2.0, -3.0], [4.0, 5.0], [0.0, 1.0]])
        view.set_points(X, np.array([0.0, 1.0, 1.0]))
        view.set_boundary(np.linspace(0, 1, 18 * 80).reshape(18, 80), 7)
        await pilot.pause()
        line = view.render().plain.splitlines()[-1]
        assert line.startswith("↙-2.3,-3.4 ")  # the bounds widen the data by 5 %
        assert line.endswith(" 4.3,5.4↗")
        assert "██ class 0 ██ class 1 (ŷ ≥ 0.5 is 1)  o x points" in line
        legend = view._legend(80)
        swatches = [sp for sp in legend.spans if legend.plain[sp.start:sp.end] == "██"]
        palette = view._palette()
        assert swatches[0].style.color == palette[0]
        assert swatches[1].style.color == palette[LEVELS - 1]
        view.styles.width = 24
        await pilot.pause()
        small = view.render().plain.splitlines()[-1]
        assert small.rstrip() == "██0 ██1 ŷ≥½ ox"  # too narrow for long corners: the key
        view.set_points(X.clip(0, 1), np.array([0.0, 1.0, 1.0]))  # the unit square
        await pilot.pause()
        line = view.render().plain.splitlines()[-1]
        assert line.startswith("↙0,0 ██0 ██1 ŷ≥½")  # short corners fit beside the key
        assert line.endswith(" 1,1↗")
