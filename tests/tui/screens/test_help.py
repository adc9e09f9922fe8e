"""Help shows every key of every screen with a real description, generated from the
bindings: no parameter left as a placeholder (``tab``), no bare one-word label."""

from __future__ import annotations

from textual.binding import Binding

from tui.app import BpTuiApp, create_app
from tui.screens.dashboard import DashboardScreen
from tui.screens.help import binding_rows, help_markdown
from tui.screens.inspection import InspectScreen
from tui.screens.overlay import OverlayScreen
from tui.screens.runs import RunsScreen
from tui.screens.sweep import SweepScreen


class _Stepper:
    """A screen whose binding passes an argument its docstring names."""

    BINDINGS = [Binding("x", "step(3)", "Step")]

    def action_step(self, count: int) -> None:
        """Step ``count`` epochs, then hold."""


SCREENS = [DashboardScreen, InspectScreen, RunsScreen, OverlayScreen, SweepScreen, BpTuiApp]


async def test_every_key_has_a_real_description():
    app = create_app(record=False, warm=False)
    async with app.run_test(size=(120, 40)):
        for owner in SCREENS:
            for keys, what in binding_rows(app, owner):
                assert "``" not in what, (owner.__name__, keys, what)
                assert "''" not in what, (owner.__name__, keys, what)
                assert len(what.split()) >= 2, (owner.__name__, keys, what)
        rows = dict(binding_rows(app, InspectScreen))
        assert rows["1"].startswith("Boundary: ŷ over the input square")
        assert rows["7"].startswith("Network: ")
        assert dict(binding_rows(app, _Stepper)) == {"x": "Step 3 epochs, then hold."}
        md = help_markdown(app, [("Inspect", InspectScreen)])
        assert "Show the tab" not in md
