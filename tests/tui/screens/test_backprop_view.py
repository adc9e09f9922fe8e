"""The inspect screen's Backprop tab: the chosen point's numbers are the readable
network's, chosen by key, by index and by click; step-through walks forward → backward →
update; the view works on a run of this process, attached over the socket, and read-only
from a finished run's files."""

from __future__ import annotations

import numpy as np
import pytest

from core.analysis.backprop import backprop_point
from core.analysis.backprop_run import load_saved_run
from core.analysis.backprop_text import backprop_lines
from core.config import RunConfig
from core.run.host import RunHost
from core.run.links import FilesLink, SocketLink
from core.run.session import Session
from core.train import kernels
from tests.tui.helpers import FakeClock, wait_for, wait_until
from tui.app import create_app
from tui.widgets.inspect.backprop import STEP_STAGES, BackpropView
from tui.widgets.run.scatter import cell_index

XOR_RUN = RunConfig(data="xor", hidden=(8, 8), lr=0.5, epochs=600, log_every=100, seed=2,
                    name="bpview")


@pytest.fixture(scope="module", autouse=True)
def _kernel_ready():
    kernels.ensure_compiled(lambda _m: None)


async def _open(pilot, finish: bool = True) -> BackpropView:
    if finish:
        await pilot.press("s")
        await wait_for(pilot, lambda: pilot.app.controller.status.value == "finished")
    await pilot.press("i", "8")
    view = pilot.app.screen.query_one(BackpropView)
    await _shown(pilot, view, view.point)
    return view


async def _shown(pilot, view: BackpropView, point: int) -> None:
    """Wait until the analyst's result for ``point`` is drawn."""
    await wait_for(pilot, lambda: view.point == point and bool(view.lines)
                   and view.result.point == point)
    await pilot.pause(0.1)


def _lines_text(view: BackpropView) -> str:
    return str(view.query_one("#bp-lines").render())


@pytest.mark.long
async def test_values_are_the_networks_and_points_are_chosen_by_key_index_and_click(runs_root):
    app = create_app(XOR_RUN, runs_dir=runs_root, timer=FakeClock())
    async with app.run_test(size=(120, 40)) as pilot:
        view = await _open(pilot)
        host = app.controller.host
        X, y = host.session.data.X, host.session.data.y
        want = backprop_point(host.session.net, X, y, 0, "mse", host.session.trainer.optimizer,
                              epoch=600)
        assert view.result.to_json() == want.to_json()
        text = _lines_text(view)
        for piece in ("Z1 = X·W1 + B1", "ŷ = A3 = σ(Z3)", "dZ3 = ∂L/∂ŷ ∘ A3(1 − A3)",
                      "dZ2 = dA2 ∘ A2(1 − A2)", "dW1 = Xᵀ·dZ1", "sgd: W ← W − η·dW",
                      "largest relative error"):
            assert piece in text, piece
        await pilot.press("right")
        await _shown(pilot, view, 1)
        await pilot.press("left", "left")
        await _shown(pilot, view, 20)  # walking wraps around
        await pilot.press("g", "7", "enter")
        await _shown(pilot, view, 7)
        assert view.has_focus  # the keys are the view's again
        await pilot.press("g", "9", "9", "enter")  # no point 99: refused
        await pilot.pause()
        assert view.point == 7
        await pilot.press("escape")
        assert view.has_focus
        picker = view.picker
        w, rows = picker.content_size.width, picker.content_size.height - 1
        row, col = cell_index(X, w, rows, picker.bounds)
        target = 3
        await pilot.click("#bp-picker", offset=(int(col[target]) + 1, int(row[target]) + 1))
        await _shown(pilot, view, target)
        assert picker.chosen == target
        assert "◉" in picker.render().plain
        np.testing.assert_array_equal(view.result.x, X[target])
        # enter on a row of the training set's predictions, a click on the boundary tab
        await pilot.press("3")
        table = app.screen.query_one("#predictions-table")
        table.focus()
        await pilot.press("down", "down", "down", "down", "enter")
        assert app.screen.active == "backprop"
        await _shown(pilot, view, 4)
        await pilot.press("1")
        await pilot.pause(0.3)
        boundary = app.screen.query_one("#boundary-view")
        assert boundary.chosen == 4  # the chosen point is marked in this picture too
        w, rows = boundary.content_size.width, boundary.content_size.height - 1
        row, col = cell_index(X, w, rows, boundary.bounds)
        await pilot.click("#boundary-view", offset=(int(col[9]) + 1, int(row[9]) + 1))
        assert app.screen.active == "backprop"
        await _shown(pilot, view, 9)
        await pilot.press("escape", "escape")  # leave inspect; the point is remembered
        await wait_for(pilot, lambda: not hasattr(app.screen, "active"))
        await pilot.press("i", "8")
        view = app.screen.query_one(BackpropView)
        await _shown(pilot, view, 9)


@pytest.mark.long
async def test_step_through_walks_forward_backward_update(runs_root):
    app = create_app(XOR_RUN, runs_dir=runs_root, timer=FakeClock())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        await wait_for(pilot, lambda: pilot.app.controller.status.value == "finished")
        # a click on a point of the dashboard's prediction panel opens its back-propagation
        field = app.screen.query_one("#boundary")
        X = app.controller.data[0]
        w, rows = field.content_size.width, field.content_size.height - 1
        row, col = cell_index(X, w, rows, field.bounds)
        await pilot.click("#boundary", offset=(int(col[6]) + 1, int(row[6]) + 1))
        await pilot.pause()
        assert app.screen.active == "backprop"
        view = app.screen.query_one(BackpropView)
        await _shown(pilot, view, 6)
        await pilot.press("escape")
        await pilot.pause()
        view = await _open(pilot, finish=False)
        assert view.point == 6  # reopened, inspect is on the point chosen before
        expected = [ln.name for ln in backprop_lines(view.result) if ln.stage in STEP_STAGES]
        await pilot.press("s")
        seen = []
        for _ in range(len(expected) + 2):  # past the end it stays on the last line
            line = view.lines[view.steps[view.step]]
            assert f"▶ {line.name}" in _lines_text(view)
            seen.append(line.name)
            await pilot.press("n")
        assert seen[: len(expected)] == expected
        assert seen[len(expected):] == [expected[-1]] * 2
        assert seen[:3] == ["X", "Z1", "A1"]
        assert expected.index("dZ3") < expected.index("dW3") < expected.index("dZ2") \
            < expected.index("dW1") < expected.index("sgd: W ← W − η·dW")
        await pilot.press("N")
        assert view.lines[view.steps[view.step]].name == expected[-2]
        await pilot.press("s")
        assert view.step is None
        assert "▶" not in _lines_text(view)
        await pilot.press("f")  # full vectors: more rows, same lines
        assert view.full
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Step-through [s]" in titles
        assert "Go to point [g]" in titles
        await pilot.press("question_mark")
        await pilot.pause(0.3)
        from tui.screens.help import HelpScreen, help_markdown

        assert isinstance(app.screen, HelpScreen)
        assert [t for t, _ in app.screen.sections][:2] == ["Inspect", "Inspect · Backprop tab"]
        assert "Step-through on (at the first line) / off." in help_markdown(
            app, app.screen.sections)


async def test_read_only_finished_run_from_its_files(runs_root):
    config = XOR_RUN.with_changes(optimizer="momentum", lr=0.05, backend="numpy", name="ro")
    for _ in Session(config, runs_root=runs_root, notify=lambda _m: None).iterate():
        pass
    link = FilesLink(runs_root / "ro")
    app = create_app(runs_dir=runs_root, link=link, timer=FakeClock())
    async with app.run_test(size=(80, 24)) as pilot:
        view = await _open(pilot, finish=False)
        want = load_saved_run(runs_root / "ro").backprop(0)
        assert view.result.to_json() == want.to_json()
        assert view.result.state_known
        assert "momentum" in _lines_text(view)
        await pilot.press("right")
        await _shown(pilot, view, 1)


@pytest.mark.long
async def test_attached_to_a_live_run(runs_root):
    config = XOR_RUN.with_changes(epochs=10**7, log_every=10**6, backend="numpy", name="att",
                                  optimizer="adam", lr=0.01)
    host = RunHost(config, runs_root=runs_root, notify=lambda _m: None).start()
    try:
        assert wait_until(lambda: host.endpoint is not None and host.state.epoch > 0, 60)
        link = SocketLink(host.session.recorder.dir)
        app = create_app(runs_dir=runs_root, link=link)
        async with app.run_test(size=(120, 40)) as pilot:
            view = await _open(pilot, finish=False)
            r = view.result
            assert r.state_known
            assert r.optimizer == "adam"
            assert r.steps_before == r.epoch * 21  # the state belongs to those weights
            await pilot.press("right")
            await _shown(pilot, view, 1)
    finally:
        host.close()
        host.join(20)
