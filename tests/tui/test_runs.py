"""The runs screen, run view, overlay and diff, on a fixture runs directory."""

from __future__ import annotations

import os

import pytest

from core.compare import ema
from tests.runs_fixture import make
from tui.app import create_app
from tui.screens.overlay import OverlayScreen
from tui.screens.run_dialogs import DiffScreen
from tui.screens.run_view import RunViewScreen
from tui.screens.runs import RunsScreen


@pytest.fixture
def fixture_runs(runs_root):
    """Five runs with fixed names, dates and metrics, and one damaged directory."""
    for i, (h, lr) in enumerate([((64, 64), 0.1), ((128, 128), 0.1), ((256, 256), 0.01),
                                 ((512, 256), 1.0)]):
        make(runs_root, f"hidden-units-{i + 1}", hidden=h, lr=lr, sweep="hidden-units",
             created=f"2020-04-0{i + 1}T10:00:00+08:00", seed=i)
    make(runs_root, "linear-5000", data="linear", epochs=5000,
         created="2020-03-30T09:00:00+08:00")
    bad = runs_root / "broken"
    bad.mkdir()
    (bad / "config.json").write_text("[1,2")
    os.utime(bad, (0, 0))
    return runs_root


def _names(screen: RunsScreen) -> list[str]:
    t = screen.table
    return [t.get_row_at(i)[1] for i in range(t.row_count)]


async def test_table_content_sorting_filter_and_damage(fixture_runs):
    app = create_app(runs_dir=fixture_runs, open_runs=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        assert _names(screen) == ["hidden-units-4", "hidden-units-3", "hidden-units-2",
                                  "hidden-units-1", "linear-5000", "broken"]
        row = screen.table.get_row_at(0)
        assert row[1:11] == ["hidden-units-4", "xor-grid", "512,256", "sigmoid", "sgd", "1",
                             "2000", "4.6690", "93.00", "95.33"]
        assert screen.table.get_row_at(5)[12] == "damaged"
        screen.set_sort("lr")
        assert _names(screen)[:2] == ["hidden-units-3", "hidden-units-1"] or \
            _names(screen)[0] == "hidden-units-3"
        assert _names(screen)[-1] == "broken"
        screen.set_sort("lr")  # again: reversed, missing values still last
        assert _names(screen)[0] == "hidden-units-4"
        assert _names(screen)[-1] == "broken"
        await pilot.press("slash", *"linear", "enter")
        assert _names(screen) == ["linear-5000"]
        await pilot.press("escape")
        assert len(_names(screen)) == 6


async def test_open_overlay_and_diff(fixture_runs):
    app = create_app(runs_dir=fixture_runs, open_runs=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("space", "space", "d")
        assert isinstance(app.screen, DiffScreen)
        assert [k for k, *_ in app.screen.diff] == ["hidden", "lr"]
        await pilot.press("escape", "o")
        overlay = app.screen
        assert isinstance(overlay, OverlayScreen)
        assert [s.run for s in overlay.series] == ["hidden-units-4", "hidden-units-3"]
        assert overlay.series[0].values["loss"][0] == 60.5
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert overlay.smoothing == pytest.approx(0.2)
        s = overlay.series[0]
        assert s.smoothed("loss", 0.2) == ema(s.values["loss"], 0.2)
        await pilot.press("t")
        assert overlay.axis == "wall"
        await pilot.press("escape", "enter")
        view = app.screen
        assert isinstance(view, RunViewScreen)
        assert view.history.total == 9
        assert view.query_one("#view-scatter").predict_panel is not None


async def test_rename_and_delete_ask_and_refresh(fixture_runs):
    app = create_app(runs_dir=fixture_runs, open_runs=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("m")
        app.screen.query_one("#rename-input").value = "bad name!"
        await pilot.press("enter")
        assert "✗" in str(app.screen.query_one("#rename-error").render())
        app.screen.query_one("#rename-input").value = "kept-run"
        await pilot.press("enter")
        await pilot.pause()
        assert (fixture_runs / "kept-run").is_dir()
        assert "kept-run" in _names(screen)
        screen.table.move_cursor(row=_names(screen).index("kept-run"))
        await pilot.press("delete", "n")
        assert (fixture_runs / "kept-run").is_dir()
        await pilot.press("delete", "y")
        await pilot.pause()
        assert not (fixture_runs / "kept-run").exists()
        assert "kept-run" not in _names(screen)


def test_snapshot_runs_screen(fixture_runs, snap_compare):
    app = create_app(runs_dir=fixture_runs, open_runs=True)
    assert snap_compare(app, terminal_size=(120, 40))


def test_snapshot_overlay(fixture_runs, snap_compare):
    app = create_app(runs_dir=fixture_runs, open_runs=True)

    async def run_before(pilot):
        await pilot.pause()
        await pilot.press("space", "space", "space", "o")
        await pilot.press(*["right_square_bracket"] * 6)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
