"""The runs screen on hostile runs: damaged ones listed with their reason, file text
shown as text (never markup, never escape codes), every damaged run opens, a diff of
markup-like settings, and an export into the runs directory refused with one line."""

from __future__ import annotations

import pytest
from rich.text import Text

from core.run.links import FilesLink
from tests.core.records import hostile
from tests.tui.helpers import wait_for
from tui.app import create_app
from tui.screens.dashboard import DashboardScreen
from tui.screens.dialogs import DiffScreen, ExportScreen
from tui.screens.runs import RunsScreen


def _names(screen: RunsScreen) -> list[str]:
    return [str(screen.table.get_row_at(i)[1]).strip() for i in range(screen.table.row_count)]


@pytest.mark.long
async def test_hostile_runs_are_listed_and_the_worst_ones_open(runs_root):
    hostile.make_hostile_root(runs_root)
    app = create_app(runs_dir=runs_root, open_runs=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        names = _names(screen)
        assert len(names) == 8
        assert "ev\\x1b[31mil" in names
        for i in range(len(names)):
            screen.table.move_cursor(row=i)
            await pilot.pause()
            detail = str(screen.query_one("#runs-detail").render())
            assert "\x1b" not in detail
            row = screen.index.get(screen.current_name())
            if row.damaged:
                assert f"damaged: {row.damaged}" in detail
            if row.name not in ("deep", "fifo", "ev\x1b[31mil"):
                continue  # opening a run view is slow: the hostile ones are enough
            await pilot.press("enter")
            if row.damaged:  # not opened: the toast says why, the list stays
                await pilot.pause(0.3)
                assert app.screen is screen
                continue
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is screen)


async def test_markup_in_settings_is_shown_as_text(runs_root):
    hostile.make_hostile_root(runs_root)
    app = create_app(runs_dir=runs_root, open_runs=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        screen.marked = ["good", "marked"]
        await pilot.press("d")
        diff = app.screen
        assert isinstance(diff, DiffScreen)
        table = diff.query_one("#diff-table")
        rows = {str(table.get_row_at(i)[0]): table.get_row_at(i)
                for i in range(table.row_count)}
        assert set(rows) == {"sweep"}  # "created" is bookkeeping, left out
        assert all(isinstance(c, Text) for c in rows["sweep"])
        assert rows["sweep"][2].plain == "[link=https://x]s[/link]"  # not a link: text
        assert rows["sweep"][1].plain == "—"


async def test_export_into_the_runs_directory_is_refused(runs_root):
    hostile.make_hostile_root(runs_root)
    app = create_app(runs_dir=runs_root, open_runs=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.screen.marked = ["good"]
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        dialog.query_one("#export-folder").value = str(runs_root / "bp-tui-export")
        await pilot.press("enter")
        await pilot.pause()
        error = str(dialog.query_one("#export-error").render())
        assert error.startswith("✗ ")
        assert "inside the runs directory" in error
        assert not (runs_root / "bp-tui-export").exists()


async def test_watch_of_a_run_with_hostile_files_never_crashes(runs_root):
    """A run opened from its files (``watch`` of a finished run) with damaged data,
    weights and metrics: drawn, no crash."""
    hostile_root = hostile.make_hostile_root(runs_root)
    run = hostile_root / "good"
    hostile.write_npz_case(run / "data.npz", "data", "not-npy")
    hostile.write_npz_case(run / "weights.npz", "weights", "huge-claim")
    with open(run / "metrics.jsonl", "ab") as fh:
        fh.write(b'{"epoch": 9, "loss": NaN}\n' + hostile.DEEP.encode() + b"\n\xff\xfe\n")
    with open(run / "log.txt", "ab") as fh:
        fh.write(b"\x1b[2J[bold]not markup[/]\n")
    app = create_app(runs_dir=hostile_root, link=FilesLink(run))
    async with app.run_test(size=(120, 40)) as pilot:
        def shown() -> tuple[str, str]:
            return (str(app.screen.query_one("#status").render()),
                    "\n".join(app.screen.query_one("#log").lines))

        await wait_for(pilot, lambda: "[bold]not markup[/]" in shown()[1]
                       and "finished" in shown()[0])
        status, log = shown()
        assert "good" in status
        assert "\x1b[2J" not in log
