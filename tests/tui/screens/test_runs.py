"""The runs screen, run view, overlay and diff, on a fixture runs directory."""

from __future__ import annotations

import os

import pytest

from core.records.compare import ema, fmt_duration
from core.records.index import RunRow
from tests.runs_fixture import make
from tests.tui.helpers import wait_for
from tui.app import create_app
from tui.screens.dashboard import DashboardScreen
from tui.screens.dialogs import DiffScreen
from tui.screens.overlay import OverlayScreen
from tui.screens.runs import RunsScreen
from tui.widgets.runs.columns import (
    compact_date,
    detail_line,
    ellipsize,
    fit_name,
    screen_status,
)


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


def _cells(screen: RunsScreen, i: int) -> list[str]:
    """Row ``i`` as the text of its cells, without the padding that aligns them."""
    return [str(c).strip() for c in screen.table.get_row_at(i)]


def _names(screen: RunsScreen) -> list[str]:
    return [_cells(screen, i)[1] for i in range(screen.table.row_count)]


async def test_table_content_sorting_filter_and_damage(fixture_runs):
    app = create_app(runs_dir=fixture_runs, open_runs=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        assert _names(screen) == ["hidden-units-4", "hidden-units-3", "hidden-units-2",
                                  "hidden-units-1", "linear-5000", "broken"]
        assert _cells(screen, 0)[1:] == [
            "hidden-units-4", "xor-grid", "512,256", "1", "4.6690", "95.33", "finished",
            "93.00", "2000", "sigmoid", "sgd", "2m40s", "04-04 10:00",
        ]
        assert _cells(screen, 5)[7] == "damaged"
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


@pytest.mark.long
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
        assert isinstance(view, DashboardScreen)
        await wait_for(pilot, lambda: view.controller.history.total == 9)
        assert view.controller.read_only
        assert "the run has finished" in str(view.sub_title) or view.controller.link.reason
        app.clear_notifications()
        await pilot.press("s", "g")  # not offered here: each key says why, nothing starts
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert said == ["this is a read-only view: start runs from your own dashboard "
                        "(q, then s)"] * 2
        assert view.controller.host is None


async def test_rename_and_delete_ask_and_refresh(fixture_runs):
    app = create_app(runs_dir=fixture_runs, open_runs=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("m")
        app.screen.query_one("#rename-input").value = "bad name!"
        await pilot.press("enter")
        assert "✗" in str(app.screen.query_one("#rename-error").render())
        for empty in ("", "   "):  # said inline, the dialog stays open
            app.screen.query_one("#rename-input").value = empty
            await pilot.press("enter")
            await pilot.pause()
            assert "the name is empty" in str(app.screen.query_one("#rename-error").render())
        app.screen.query_one("#rename-input").value = "linear-5000"  # another run's name
        await pilot.press("enter")
        await pilot.pause()
        error = str(app.screen.query_one("#rename-error").render())
        assert "a run named linear-5000 already exists" in error  # the dialog stays open
        assert (fixture_runs / "linear-5000" / "config.json").is_file()
        app.screen.query_one("#rename-input").value = "kept-run"
        await pilot.press("enter")
        await pilot.pause()
        assert (fixture_runs / "kept-run").is_dir()
        assert "kept-run" in _names(screen)
        screen.table.move_cursor(row=_names(screen).index("kept-run"))
        await pilot.press("delete", "n")  # n is no answer: the question stays open
        assert "Answer the question first" in str(app.screen.query_one("#confirm-hint").render())
        await pilot.press("escape")
        assert (fixture_runs / "kept-run").is_dir()
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("enter")  # enter means the safe answer: keep
        await pilot.pause()
        assert (fixture_runs / "kept-run").is_dir()
        await pilot.press("delete", "y")
        await pilot.pause()
        assert not (fixture_runs / "kept-run").exists()
        assert "kept-run" not in _names(screen)


def test_snapshot_runs_screen(fixture_runs, snap_compare):
    app = create_app(runs_dir=fixture_runs, open_runs=True)
    assert snap_compare(app, terminal_size=(120, 40))


@pytest.mark.long
def test_snapshot_overlay(fixture_runs, snap_compare):
    app = create_app(runs_dir=fixture_runs, open_runs=True)

    async def run_before(pilot):
        await pilot.pause()
        await pilot.press("space", "space", "space", "o")
        await pilot.press(*["right_square_bracket"] * 6)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_compact_cells():
    assert fmt_duration(None, compact=True) == ""
    assert fmt_duration(9.54, compact=True) == "9.5s"
    assert fmt_duration(160.0, compact=True) == "2m40s"
    assert fmt_duration(3900.0, compact=True) == "1h05m"
    assert compact_date("2020-04-04T10:00:00+08:00") == "04-04 10:00"
    assert ellipsize("hidden-units-4", 14) == "hidden-units-4"
    assert ellipsize("a-very-long-run-name-lr-0.001", 16) == "a-very-l…r-0.001"


def test_names_take_the_room_and_made_up_names_drop_their_date_first():
    assert fit_name("hidden-units-4", 40) == "hidden-units-4"
    stamped = "20261201-101500-xor-grid-64x64"
    assert fit_name(stamped, 40) == stamped  # it fits: all of it
    assert fit_name(stamped, 22) == "101500-xor-grid-64x64"  # the date column has the day
    assert fit_name(stamped, 16) == "101500-x…d-64x64"


def test_a_live_attachable_run_is_marked_and_one_that_is_not_is_told_apart(tmp_path):
    live = RunRow("a", tmp_path, status="running", attachable=True)
    silent = RunRow("b", tmp_path, status="running")
    done = RunRow("c", tmp_path, status="finished")
    assert [screen_status(r) for r in (live, silent, done)] == ["● live", "running?",
                                                                "finished"]
    assert "live: enter attaches with full control" in detail_line(live)
    assert "serves no control socket" in detail_line(silent)
    assert "live" not in detail_line(done)


async def test_columns_fit_120_and_show_a_damaged_runs_reason(fixture_runs):
    make(fixture_runs, "a-very-long-run-name-from-a-sweep-lr-0.001",
         created="2020-03-29T09:00:00+08:00")
    app = create_app(runs_dir=fixture_runs, open_runs=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        table = screen.table
        assert table.virtual_size.width <= table.size.width  # no sideways scrolling
        assert _cells(screen, 5)[1] == "a-very-long-…ep-lr-0.001"  # the room left
        detail = screen.query_one("#runs-detail")
        assert "hidden-units-4  ·  sweep hidden-units" in str(detail.render())
        assert not detail.has_class("-bad")
        await pilot.press(*["down"] * 6)
        assert screen.current_name() == "broken"
        assert "broken: damaged: config.json is not readable JSON" in str(detail.render())
        assert detail.has_class("-bad")


async def test_the_main_columns_come_first_at_80(fixture_runs):
    app = create_app(runs_dir=fixture_runs, open_runs=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.table
        labels = [str(c.label).strip() for c in table.ordered_columns]
        assert labels[:8] == ["✓", "name", "data", "hidden", "lr", "loss", "right %", "status"]
        status_end = sum(c.get_render_width(table) for c in table.ordered_columns[:8])
        assert status_end <= table.size.width
        assert _cells(app.screen, 0)[1] == "hidden-units-4"  # the name is not cut at 80


async def test_an_overlay_of_more_runs_than_a_chart_tells_apart_asks_first(runs_root):
    from tui.screens.dialogs import ChoiceScreen
    from tui.screens.overlay import OKABE_ITO

    for i in range(len(OKABE_ITO) + 3):
        make(runs_root, f"many-{i:02d}", seed=i)
    app = create_app(runs_dir=runs_root, open_runs=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("a", "o")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        assert "Overlay 11 runs?" in app.screen.question
        await pilot.press("escape")  # nothing opens
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
        await pilot.press("o", "f")
        await pilot.pause()
        assert isinstance(app.screen, OverlayScreen)
        assert len(app.screen.series) == len(OKABE_ITO)


async def test_many_runs_show_their_newest_page_first_then_all(runs_root):
    for i in range(130):
        make(runs_root, f"run-{i:03d}")
    app = create_app(runs_dir=runs_root, open_runs=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.loaded and screen.table.row_count == 130)
        assert "reading" not in str(screen.query_one("#runs-status").render())
        assert "130 of 130 runs" in str(screen.query_one("#runs-status").render())
