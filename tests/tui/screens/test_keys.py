"""The dashboard's keys, written as the journeys that found their traps (issue 20):
Enter applies a field and never starts a run; a dialog answers only to its own keys;
`s` with nothing changed says so; `d` closes a viewer; Esc closes the form overlay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Input

from core.config import RunConfig
from core.run.host import RunHost
from core.run.links import SocketLink
from core.state import RunState
from core.train import kernels
from tests.tui.helpers import burst, held, status, wait_for, wait_until
from tui.app import create_app
from tui.screens.dashboard import DashboardScreen
from tui.screens.dialogs import ChoiceScreen, ConfirmScreen

SMALL = RunConfig(data="xor", hidden=(4, 4), lr=0.5, epochs=120, log_every=5, seed=3,
                  name="small")
LONG = SMALL.with_changes(epochs=10**7, log_every=10**6, name="long")


@pytest.fixture(scope="module", autouse=True)
def _kernel_ready():
    """Compile/load the kernel once, so no run waits for it mid-test."""
    kernels.ensure_compiled(lambda _m: None)



def said(app) -> list[str]:
    """The toasts shown so far."""
    return [n.message for n in app._notifications]


def no_dialog(app) -> bool:
    return not isinstance(app.screen, ChoiceScreen)


async def test_enter_applies_the_epochs_then_s_and_plus_plus_p_n_act(runs_root: Path):
    """Type into Epochs, Enter (no run starts), `s` (it starts), `s` again (nothing
    changed: no restart question), then `+ + p n` while it trains: the lr doubled twice,
    paused, one step taken — and no dialog answered any of them."""
    app = create_app(SMALL, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.click("#f-epochs")
        await pilot.press("end", *["backspace"] * 5, *"9999999", "enter")
        await pilot.pause(0.3)
        assert app.focused is None  # enter left the field
        assert "ready" in status(app)  # … and started nothing
        assert not any(runs_root.glob("*")) if runs_root.exists() else True
        await pilot.press("s")
        await wait_for(pilot, lambda: "running" in status(app))
        assert "9,999,999" in status(app)
        # keys while it trains go as typed (pilot.press would wait ~2 s per key for an
        # idle process), each then waited for by its effect
        await burst(pilot, "s", settle=0)
        await wait_for(pilot, lambda: any("already running with these settings" in m
                                          for m in said(app)))
        assert no_dialog(app)
        await burst(pilot, "plus", "plus", settle=0)
        await wait_for(pilot, lambda: "lr 2 " in status(app))
        await burst(pilot, "p", settle=0)
        await wait_for(pilot, lambda: "paused" in status(app))
        epoch = await held(app.screen.controller.host)
        await burst(pilot, "n", settle=0)
        await wait_for(pilot, lambda: app.screen.controller.state.epoch == epoch + 1)
        assert no_dialog(app)
        assert "paused" in status(app)
        await burst(pilot, "x", settle=0)
        await wait_for(pilot, lambda: "stopped" in status(app))
    assert sorted(p.name for p in runs_root.iterdir()) == ["small"]


@pytest.mark.long
async def test_a_question_answers_only_to_its_own_keys(runs_root: Path):
    """While "Restart with hidden 8,8?" is open, the dashboard's letters (n s p r +)
    answer nothing and act on nothing: the dialog says to answer it first; esc keeps
    the run, y restarts."""
    app = create_app(LONG, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        await wait_for(pilot, lambda: "running" in status(app))
        app.screen.query_one("#f-hidden", Input).value = "8,8"
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        dialog = app.screen
        for key in ("n", "s", "p", "r", "plus"):
            await pilot.press(key)
            assert app.screen is dialog, key
            hint = str(dialog.query_one("#confirm-hint").render())
            assert hint == "Answer the question first (y or esc)."
        await pilot.press("escape")
        await wait_for(pilot, lambda: no_dialog(app))
        c = app.screen.controller
        assert c.state.status == RunState.RUNNING  # not paused by the p, lr unchanged
        assert c.state.lr == 0.5
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: "long-2" in status(app) and "running" in status(app))
        await pilot.press("x")
        await wait_for(pilot, lambda: "stopped" in status(app))


@pytest.fixture
def live(runs_root: Path):
    """A run of "another process" (a host in this one) with its control socket."""
    host = RunHost(LONG.with_changes(name="other"), runs_root=runs_root,
                   notify=lambda _m: None).start()
    assert wait_until(lambda: host.endpoint is not None and host.state.epoch > 0, 60)
    yield host
    host.close()
    host.join(20)


@pytest.mark.long
async def test_d_closes_an_attached_viewer_and_leaves_the_run(live, runs_root: Path):
    app = create_app(runs_dir=runs_root, link=SocketLink(live.session.recorder.dir))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "running" in status(app))
        await pilot.press("s")  # not this viewer's to start: it says why
        await pilot.pause(0.1)
        assert any("belongs to another process" in m for m in said(app))
        await pilot.press("d")
        await wait_for(pilot, lambda: app._exit)
    assert app.return_code == 0
    assert live.state.status == RunState.RUNNING  # left as it was
    assert not live.controls.paused


async def test_d_closes_a_read_only_view_opened_from_the_runs_screen(live, runs_root: Path):
    live.controls.stop()
    live.join(20)
    app = create_app(runs_dir=runs_root, open_runs=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "RunsScreen")
        runs = app.screen
        await pilot.pause(0.3)
        await pilot.press("enter")  # open the run under the cursor: its files
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen)
                       and "stopped" in status(app))
        assert app.screen.controller.read_only
        summary = json.loads((live.session.recorder.dir / "summary.json").read_text())
        line = status(app)  # the run's own figures, read from its files
        assert f"{summary['epochs_per_s']:,.0f} ep/s avg" in line
        assert f"lr {summary['lr']:g} │" in line
        await pilot.press("d")
        await wait_for(pilot, lambda: app.screen is runs)


async def test_d_with_no_run_says_there_is_nothing_to_detach(runs_root: Path):
    app = create_app(SMALL, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("d")
        await pilot.pause(0.1)
        assert isinstance(app.screen, DashboardScreen)
        assert any("nothing to detach" in m for m in said(app))


async def test_escape_closes_the_form_opened_over_the_panels(runs_root: Path):
    app = create_app(SMALL, runs_dir=runs_root)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("f")
        await pilot.pause()
        assert screen.query_one("#side").display
        assert app.focused is screen.query_one("#f-data")  # opened to be edited
        await pilot.press("escape")
        await pilot.pause()
        assert not screen.query_one("#side").display
        assert app.focused is None
        await pilot.press("l")  # a command again
        assert screen.query_one("#curves").log_loss
