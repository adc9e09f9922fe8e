"""The runs screen's figures key: a folder dialog that refuses paths inside runs as
export does, then the marked runs' comparison figures drawn off the UI thread."""

from __future__ import annotations

import sys

import pytest
from textual.notifications import Notify

import core.figures.backend as backend
from tests.runs_fixture import make
from tui.app import create_app
from tui.screens.figures_dialog import FiguresScreen
from tui.screens.runs import RunsScreen


def _collect(notes: list[str]):
    """A message hook keeping the text of every notification the app shows."""
    def hook(message) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification.message)
    return hook


@pytest.mark.long
async def test_figures_of_the_marked_runs(runs_root, tmp_path):
    make(runs_root, "a", hidden=(8, 8), seed=0)
    make(runs_root, "b", hidden=(16, 16), seed=1)
    out = tmp_path / "figs"
    notes: list[str] = []
    app = create_app(runs_dir=runs_root, open_runs=True)
    async with app.run_test(size=(120, 40), message_hook=_collect(notes)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        screen.marked = ["a", "b"]
        await pilot.press("f")
        dialog = app.screen
        assert isinstance(dialog, FiguresScreen)
        folder = dialog.query_one("#figures-folder")
        formats = dialog.query_one("#figures-formats")
        error = dialog.query_one("#figures-error")
        for where, text, reason in ((str(runs_root / "figs"), "svg", "inside the runs"),
                                    (str(runs_root / "a" / "x"), "png", "inside"),
                                    (str(out), "pdf", "formats are svg, png")):
            folder.value, formats.value = where, text
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is dialog
            shown = str(error.render())
            assert shown.startswith("✗ ")
            assert reason in shown
        folder.value, formats.value = str(out), "png"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"compare-{k}.png" for k in ("loss", "loss-log", "accuracy", "classified",
                                     "boundaries"))
    assert not (runs_root / "figs").exists()
    assert notes[-1] == f"Wrote 5 files into {out}"


async def test_without_matplotlib_the_screen_says_so(runs_root, tmp_path, monkeypatch):
    make(runs_root, "a")
    monkeypatch.setattr(backend, "_plt", None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out = tmp_path / "figs"
    notes: list[str] = []
    app = create_app(runs_dir=runs_root, open_runs=True)
    async with app.run_test(size=(120, 40), message_hook=_collect(notes)) as pilot:
        await pilot.pause()
        await pilot.press("f")
        app.screen.query_one("#figures-folder").value = str(out)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)  # the screen goes on
    assert notes[-1].startswith("figures need matplotlib, which cannot be loaded")
    assert not out.exists()
