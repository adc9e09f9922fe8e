"""Small terminals (80×24): zoom shows any panel alone at full size and back, the
inspect tab labels fit, and a run shown from elsewhere keeps its marker."""

from __future__ import annotations

import pytest
from textual.widgets import Static, TabbedContent

from core.config import RunConfig
from core.run.links import FilesLink
from core.train import kernels
from tests.tui.helpers import FakeClock, wait_for
from tui.app import create_app
from tui.screens.dashboard_actions import ZOOMS
from tui.screens.inspection import TABS, InspectScreen
from tui.widgets.run.boundary import BoundaryView
from tui.widgets.run.pair import ScatterPair

RUN = RunConfig(data="xor-grid", hidden=(8, 8), lr=0.5, epochs=300, log_every=100, seed=2,
                name="small")


@pytest.fixture(scope="module", autouse=True)
def _kernel_ready():
    kernels.ensure_compiled(lambda _m: None)


async def test_zoom_shows_each_panel_alone_at_80x24(runs_root):
    app = create_app(RUN, runs_dir=runs_root, timer=FakeClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await wait_for(pilot, lambda: app.controller.status.value == "finished")
        screen = app.screen
        pair = screen.query_one("#scatter", ScatterPair)
        field = pair.query_one(BoundaryView)
        before = field.size
        assert before.height < 10  # the pictures are small in the 80×24 layout
        seen = []
        for zoom in (*ZOOMS[1:], ""):
            await pilot.press("z")
            await pilot.pause()
            assert screen.zoom == zoom
            seen.append(zoom)
            shown = {w.id for w in screen.query("#curves, #scatter, #log, #side")
                     if w.display and w.region.area}
            if zoom == "curves":
                assert shown == {"curves"}
                assert screen.query_one("#curves").size.width == 80
            elif zoom in ("truth", "predict"):
                assert shown == {"scatter"}
                panel = pair.truth_panel if zoom == "truth" else field
                other = field if zoom == "truth" else pair.truth_panel
                assert panel.display
                assert not other.display
                assert panel.size.width >= 78  # the pair keeps a column each side
                assert panel.size.height >= 18  # all but the status line and footer
            elif zoom == "log":
                assert shown == {"log"}
        assert seen[-1] == ""
        assert field.size == before  # back to the layout
        assert pair.truth_panel.display
        await pilot.press("z", "z", "z")  # the prediction, alone
        await wait_for(pilot, lambda: field._boundary is not None
                       and field._boundary.shape[1] == field.content_size.width)
        text = field.render().plain.splitlines()
        assert text[-1].startswith("↙0,0 ")  # the square's corners and the key fit
        assert text[-1].endswith("1,1↗")
        assert sum(line.count("o") + line.count("x") for line in text[:-1]) >= 30


async def test_inspect_tab_labels_fit_at_80x24(runs_root):
    app = create_app(RUN, runs_dir=runs_root, timer=FakeClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, InspectScreen))
        await pilot.pause()
        tabs = app.screen.query_one("#inspect-tabs", TabbedContent)
        labels = [str(tabs.get_tab(t).label) for t in TABS]
        assert labels[6:] == ["7 Net", "8 Backprop"]  # every tab named, all eight fit
        for t in TABS:
            tab = tabs.get_tab(t)
            assert tab.region.right <= 80, (t, tab.region)
            assert tab.size.width >= len(str(tab.label))
    wide = create_app(RUN, runs_dir=runs_root, timer=FakeClock())
    async with wide.run_test(size=(120, 40)) as pilot:
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(wide.screen, InspectScreen))
        await pilot.pause()
        tabs = wide.screen.query_one("#inspect-tabs", TabbedContent)
        assert str(tabs.get_tab("predictions").label) == "3 Predictions"


@pytest.mark.parametrize("read_only", [pytest.param(True, marks=pytest.mark.long), False])
async def test_the_link_marker_stays_visible_at_80x24(runs_root, read_only):
    app = create_app(RUN, runs_dir=runs_root, timer=FakeClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await wait_for(pilot, lambda: app.controller.status.value == "finished")
        run_dir = app.controller.run_dir
    link = FilesLink(run_dir, "opened from files")
    link.read_only = read_only  # False stands in for a live run's socket link
    shown = create_app(runs_dir=runs_root, link=link)
    async with shown.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        summary = str(shown.screen.query_one("#summary", Static).render())
        marker = "read-only" if read_only else "attached"
        assert summary.startswith(f"● {marker} │ f form │ xor-grid")
        assert shown.screen.query_one("#summary").region.width == 80
