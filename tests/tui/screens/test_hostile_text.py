"""Text that came from a user, a file or a run directory is shown as text: run names,
data-file paths and CSV cells holding markup never crash a screen, dialog or toast."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import RunConfig
from tests.runs_fixture import make
from tests.tui.helpers import wait_for
from tui.app import create_app
from tui.screens.dashboard import DashboardScreen
from tui.screens.dialogs import ChoiceScreen, RenameScreen
from tui.screens.runs import RunsScreen

HOSTILE = ['x[a="]', "[bold]run", "[link=x]y", "[i]", "]["]


@pytest.fixture
def hostile_runs(tmp_path) -> Path:
    root = tmp_path / "runs"
    for i, name in enumerate(HOSTILE):  # a folder renamed by hand: the name is the folder's
        make(root, f"plain-{i}")
        (root / f"plain-{i}").rename(root / name)
    return root


@pytest.mark.long
async def test_runs_named_with_markup_list_open_rename_and_delete(hostile_runs):
    app = create_app(runs_dir=hostile_runs, open_runs=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        names = {r.name for r in screen.index.rows}
        assert names == set(HOSTILE)
        for _ in HOSTILE:
            await pilot.press("enter")  # open: a read-only dashboard titled by the name
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.pause(0.3)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is screen)
            await pilot.press("m")  # rename dialog names the run
            await wait_for(pilot, lambda: isinstance(app.screen, RenameScreen))
            await pilot.press("escape")
            await pilot.press("delete")  # the confirmation names it too
            await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
            question = str(app.screen.query_one("#confirm-question").render())
            assert screen.current_name() in question
            await pilot.press("escape")  # keep it
            await wait_for(pilot, lambda: app.screen is screen)
            await pilot.press("down")
        assert isinstance(app.screen, RunsScreen)


@pytest.mark.parametrize("content", ["x0,x1,label\n0.1,0.2,0\n0.3,[/],1\n", None])
async def test_a_data_file_path_and_csv_cell_with_markup(tmp_path, runs_root, content):
    folder = tmp_path / "["  # the path reads …/[/]data[bold]/pts[/].csv
    (folder / "]data[bold]" / "pts[").mkdir(parents=True)
    path = folder / "]data[bold]" / "pts[" / "].csv"
    if content is not None:
        path.write_text(content)
    app = create_app(RunConfig(data_file=str(path), epochs=10), runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        assert "[/]data[bold]/pts[/].csv" in str(path)
        await pilot.pause(0.3)
        await pilot.press("s")
        await wait_for(pilot, lambda: "error" in str(app.screen.query_one("#status").render()))
        message = str(app.screen.query_one("#form-message").render())
        if content is None:
            assert "no such file" in message
        else:
            assert ":3: not a number in '0.3,[/],1'" in message
        assert isinstance(app.screen, DashboardScreen)
