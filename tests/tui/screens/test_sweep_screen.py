"""The sweep screen, reached from the runs screen: a real sweep in worker processes
started under Textual (whose stderr has no file descriptor), and the form's refusals."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Static

from tests.tui.helpers import wait_for
from tui.app import create_app
from tui.screens.overlay import OverlayScreen
from tui.screens.runs import RunsScreen
from tui.screens.sweep import SweepScreen


async def _fill(pilot, screen: SweepScreen, values: dict[str, str]) -> None:
    """Type each value into its field, as a user would."""
    for fid, text in values.items():
        field = screen.query_one(f"#sweep-{fid}", Input)
        field.focus()
        field.value = ""
        await pilot.press(*text)
        assert field.value == text


def _cells(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


@pytest.mark.long
async def test_a_sweep_started_from_the_runs_screen_finishes(runs_root):
    app = create_app(runs_dir=runs_root, open_runs=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, SweepScreen))
        screen = app.screen
        await _fill(pilot, screen, {"hidden": "3,3 4,4", "lr": "0.1", "data": "linear",
                                    "epochs": "300", "workers": "2", "name": "ui"})
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, OverlayScreen), timeout=90)
        table = screen.query_one("#sweep-table", DataTable)
        assert [str(c.label) for c in table.columns.values()][:3] == ["run", "settings",
                                                                       "status"]
        rows = _cells(table)
        assert [r[:4] for r in rows] == [["ui-1", "(3,3)", "finished", "300/300"],
                                        ["ui-2", "(4,4)", "finished", "300/300"]]
        assert all(r[4] and r[5] for r in rows)  # loss and accuracy shown
        status = str(screen.query_one("#sweep-status", Static).render())
        assert status.startswith("sweep ui ended: 2 finished")
        assert (runs_root / "ui-1" / "summary.json").exists()
        assert list((runs_root / ".sweeps").iterdir()) == []
        await pilot.press("escape")  # back from the overlay to the finished sweep
        await wait_for(pilot, lambda: app.screen is screen)
        assert _cells(table)[0][2] == "finished"


@pytest.mark.long
async def test_a_preset_sweep_shows_its_verdict_like_the_cli(runs_root):
    """The sweep screen ends a preset's sweep with its observation (✓/✗ and the
    numbers), the line ``bp-tui sweep --preset`` prints."""
    from core.analysis.observations import observe

    app = create_app(runs_dir=runs_root, open_runs=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, SweepScreen))
        screen = app.screen
        await _fill(pilot, screen, {"preset": "linear-vs-xor"})
        await pilot.press("enter")  # the preset fills the grid
        await _fill(pilot, screen, {"hidden": "4,4", "epochs": "200", "workers": "2",
                                    "name": "pv"})
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.verdict != "" and
                       isinstance(app.screen, OverlayScreen), timeout=90)
        await pilot.pause()
        table = screen.query_one("#sweep-table", DataTable)
        assert [r[1] for r in _cells(table)] == ["linear", "XOR"]
        expected = observe("linear-vs-xor", screen.runner.members, runs_root).line
        assert screen.verdict == expected
        assert expected[0] in "✓✗"
        status = str(screen.query_one("#sweep-status", Static).render())
        assert status.endswith(expected)


REFUSALS = [
    ({"repeats": "10000000000"}, "✗ repeats: must be a whole number from 1 to 10,000"),
    ({"repeats": "1", "name": "[/]x", "hidden": "4,4"}, "✗ name: 1–64 characters"),
    ({"name": "ok", "data": "xor linear", "n": "50"}, "✗ n: applies to every data set"),
]


@pytest.mark.long
async def test_the_form_refuses_like_the_cli(runs_root):
    app = create_app(runs_dir=runs_root, open_runs=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, SweepScreen))
        screen = app.screen
        for values, message in REFUSALS:
            await _fill(pilot, screen, values)
            await pilot.press("ctrl+s")
            await pilot.pause(0.1)
            status = str(screen.query_one("#sweep-status", Static).render())
            assert status.startswith(message), status
            assert screen.runner is None
        assert not (runs_root / ".sweeps").exists() or \
            list((runs_root / ".sweeps").iterdir()) == []


async def test_a_narrow_sweep_table_drops_low_value_columns_first(runs_root):
    """At 80 columns the table beside the form has no room for every column: the run
    name and right % give way, ms/epoch and time stay."""
    app = create_app(runs_dir=runs_root, open_runs=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, SweepScreen))
        screen = app.screen
        width = screen.query_one("#sweep-table", DataTable).size.width
        row = ["hidden-units-20261206-221530-1", "(512,256)", "finished", "2000/2000",
               "0.9700", "97.10", "100.00", "8.123", "16.2s"]
        screen._columns([row])
        shown = [str(c.label) for c in screen.query_one("#sweep-table", DataTable)
                 .columns.values()]
        assert shown[-2:] == ["ms/epoch", "time"]
        assert "run" not in shown
        assert {"settings", "loss"} <= set(shown)
        assert width < 80
