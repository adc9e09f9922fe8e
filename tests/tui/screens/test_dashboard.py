"""The dashboard driven like a user would: keys, form fields, a whole seeded run."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.widgets import Input, Log, Static

from core.config import RunConfig
from core.records import read_metrics
from core.train import kernels
from core.train.session import Session
from tests.tui.helpers import wait_for
from tui.app import create_app
from tui.screens.dashboard import DashboardScreen
from tui.screens.dialogs import ConfirmScreen
from tui.screens.help import HelpScreen
from tui.widgets.run.form import FIELDS, HyperForm
from tui.widgets.run.scatter import ScatterPair
from tui.widgets.run.status import StatusLine

SMALL = RunConfig(data="xor", hidden=(4, 4), lr=0.5, epochs=120, log_every=5, seed=3,
                  name="small")
LONG = SMALL.with_changes(epochs=10**7, log_every=10**6, name="long")


@pytest.fixture(scope="module", autouse=True)
def _kernel_ready():
    """Compile/load the kernel once so no "compiling" toast shows up mid-test."""
    kernels.ensure_compiled(lambda _m: None)


def dash(app) -> DashboardScreen:
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    return screen


def headless_lines(config: RunConfig) -> list[str]:
    """The log lines `bp-tui train` prints for ``config`` (minus timing)."""
    session = Session(config, record=False, notify=lambda _m: None)
    return [line for p in session.iterate() for line in p.lines]


async def test_seeded_run_from_the_keyboard(runs_root: Path):
    app = create_app(SMALL, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = dash(app)
        assert screen.state == "ready"
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.state == "finished")
        await pilot.pause(0.2)
        log = screen.query_one("#log", Log)
        log_lines = list(log.lines)
        assert log.max_scroll_y > 0, "follows the tail"
        assert log.scroll_y == log.max_scroll_y, "follows the tail"
        expected = headless_lines(SMALL.with_changes(name=None))
        # identical report lines, except the wall-clock time line
        assert log_lines[:-1] == expected[:-1]
        assert log_lines[-1].startswith("Model Training time taken: ")
        assert log_lines[-3] == "***** Training finished *****"
        status = screen.query_one("#status", StatusLine).status
        assert (status.state, status.epoch, status.epochs) == ("finished", 120, 120)
        scatter = screen.query_one("#scatter", ScatterPair)
        assert scatter.truth_panel.border_title == "Ground truth"
        assert scatter.predict_panel.border_title == "Predict result"
    run = runs_root / "small"
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "finished"
    assert summary["epoch"] == 120
    assert (run / "log.txt").read_text().splitlines() == log_lines
    assert json.loads((run / "config.json").read_text())["hidden"] == [4, 4]
    assert read_metrics(run)[-1]["epoch"] == 120


async def test_pause_step_lr_and_stop(runs_root: Path):
    app = create_app(LONG, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = dash(app)
        await pilot.press("s")
        await wait_for(pilot, lambda: screen._last_progress is not None
                       and screen._last_progress.epoch > 5)
        await pilot.press("p")
        assert screen.state == "paused"
        await pilot.pause(0.3)
        held = screen._last_progress.epoch
        await pilot.pause(0.3)
        assert screen._last_progress.epoch == held, "pause must hold the trainer"
        await pilot.press("n")
        await wait_for(pilot, lambda: screen._last_progress.epoch == held + 1)
        await pilot.pause(0.3)
        assert screen._last_progress.epoch == held + 1, "step runs exactly one epoch"
        await pilot.press("plus")
        assert screen.form.text("lr") == "1"
        await pilot.press("n")
        await wait_for(pilot, lambda: screen._last_progress.lr == 1.0)
        await pilot.press("minus", "minus")
        assert screen.form.text("lr") == "0.25"
        await pilot.press("p")  # resume
        assert screen.state == "running"
        await wait_for(pilot, lambda: screen._last_progress.lr == 0.25)
        await pilot.press("x")
        await wait_for(pilot, lambda: screen.state == "stopped")
    run = runs_root / "long"
    assert json.loads((run / "summary.json").read_text())["status"] == "stopped"
    lrs = [row["lr"] for row in read_metrics(run)]
    assert lrs[0] == 0.5
    assert 1.0 in lrs
    assert lrs[-1] == 0.25
    assert "***** Training stopped at epoch" in (run / "log.txt").read_text()


async def test_restart_on_new_hidden_shape_asks_once(runs_root: Path):
    app = create_app(LONG, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = dash(app)
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.state == "running")
        field = screen.query_one("#f-hidden", Input)
        field.focus()
        field.value = "6 5 3"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.session is not None
                       and screen.session.config.hidden == (6, 5, 3)
                       and screen.state == "running")
        await pilot.press("ctrl+q")
    configs = sorted(runs_root.iterdir())
    assert len(configs) == 2
    hidden = {tuple(json.loads((d / "config.json").read_text())["hidden"]) for d in configs}
    assert hidden == {(4, 4), (6, 5, 3)}
    statuses = {json.loads((d / "summary.json").read_text())["status"] for d in configs}
    assert statuses == {"stopped"}, "quitting stops the run and flushes its records"


async def test_declining_a_restart_keeps_the_run(runs_root: Path):
    app = create_app(LONG, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = dash(app)
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.state == "running")
        name = screen.session.run_name
        screen.form.query_one("#f-data").value = "linear"
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await pilot.pause(0.2)
        assert screen.state == "running"
        assert screen.session.run_name == name
        await pilot.press("x")
        await wait_for(pilot, lambda: screen.state == "stopped")


async def test_reset_draws_new_weights(runs_root: Path):
    app = create_app(LONG, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = dash(app)
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.state == "running")
        await pilot.press("r")
        await wait_for(pilot, lambda: screen.state == "ready")
        await pilot.pause(0.3)
        assert screen.form.text("seed") == "4"
        assert list(screen.query_one("#log", Log).lines) == []
        assert screen.history.total == 0
        assert screen.latest_yhat is None
        assert "seed 4" in screen.message
    [run] = list(runs_root.iterdir())
    assert json.loads((run / "summary.json").read_text())["status"] == "stopped"


async def test_resize_mid_run_and_too_small_notice(runs_root: Path):
    app = create_app(LONG, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = dash(app)
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.state == "running")
        notice = screen.query_one("#too-small", Static)
        for size, small in [((80, 24), False), ((60, 20), True), ((100, 30), False)]:
            await pilot.resize_terminal(*size)
            await pilot.pause(0.2)
            assert notice.display is small or (notice.styles.display == "block") is small
            assert screen.state == "running"
        assert screen.has_class("-narrow")
        await pilot.press("x")
        await wait_for(pilot, lambda: screen.state == "stopped")


async def test_start_refused_with_a_reason(runs_root: Path):
    app = create_app(SMALL, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = dash(app)
        screen.query_one("#f-lr", Input).value = "fast"
        await pilot.pause()
        error = screen.query_one("#err-lr", Static)
        assert error.display
        assert "must be a number" in str(error.render())
        await pilot.press("s")
        await pilot.pause(0.2)
        assert screen.state == "ready"
        message = str(screen.query_one("#form-message", Static).render())
        assert "Learn rate" in message
        assert "must be a number" in message
        screen.query_one("#f-batch_size", Input).value = "500"
        screen.query_one("#f-lr", Input).value = "0.1"
        await pilot.press("s")
        await pilot.pause(0.2)
        assert screen.state == "ready"
        assert "at most the number of training points" in str(
            screen.query_one("#err-batch_size", Static).render())
    assert not runs_root.exists() or not any(runs_root.iterdir())


TEXT_FIELDS = [f.name for f in FIELDS if f.choices is None]


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.lists(st.text(max_size=40), min_size=len(TEXT_FIELDS),
                     max_size=len(TEXT_FIELDS)))
def test_junk_in_every_field_never_crashes(junk: list[str], tmp_path_factory):
    runs = tmp_path_factory.mktemp("junk")

    async def check() -> None:
        app = create_app(SMALL.with_changes(epochs=3, log_every=1), runs_dir=runs)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = dash(app)
            form = screen.query_one(HyperForm)
            for name, text in zip(TEXT_FIELDS, junk):
                screen.query_one(f"#f-{name}", Input).value = text
            await pilot.pause()
            await pilot.press("ctrl+s")
            await pilot.pause(0.1)
            for name in TEXT_FIELDS:
                shown = screen.query_one(f"#err-{name}", Static)
                assert bool(shown.display) == (name in form.errors)
            if form.errors:
                assert screen.state == "ready"
                assert str(screen.query_one("#form-message", Static).render()).startswith("✗")
            await wait_for(pilot, lambda: not screen.running, timeout=60)
            assert screen.state in ("ready", "finished", "error")

    asyncio.run(check())


async def test_a_slow_ui_does_not_slow_the_worker(runs_root: Path, monkeypatch):
    """Every frame takes 0.2 s of UI time; the trainer still runs at full speed."""
    config = SMALL.with_changes(epochs=3000, log_every=1000, name="slowui")
    frames = []
    original = DashboardScreen.pull

    def slow_pull(self, *args, **kwargs):
        frames.append(time.monotonic())
        time.sleep(0.2)  # a UI this slow draws 5 frames a second at most
        original(self, *args, **kwargs)

    monkeypatch.setattr(DashboardScreen, "pull", slow_pull)
    app = create_app(config, runs_dir=runs_root, fps=30)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = dash(app)
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.state == "finished", timeout=60)
    summary = json.loads((runs_root / "slowui" / "summary.json").read_text())
    assert summary["status"] == "finished"
    assert summary["epoch"] == 3000
    # 3000 epochs went by while the UI managed only a handful of frames: the worker
    # never waited for one.
    assert len(frames) * 20 < 3000


async def test_help_and_predictions(runs_root: Path):
    app = create_app(SMALL, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = dash(app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("q")
        assert app.screen is screen
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.state == "finished")
        await pilot.press("y")
        lines = list(screen.query_one("#log", Log).lines)
        header = lines.index("SimpleNet Predicted Probabilities:")
        assert lines[header + 1].startswith("[[")
        assert len(lines) - header - 1 == 21
        await pilot.press("q")
    assert "SimpleNet Predicted Probabilities:" in (runs_root / "small" / "log.txt").read_text()


async def test_command_palette_offers_every_action(runs_root: Path):
    app = create_app(SMALL, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = dash(app)
        titles = {c.title: c for c in app.get_system_commands(screen)}
        for title in ("Start [s]", "Pause [p]", "Step [n]", "Stop [x]", "Reset [r]",
                      "lr×2 [+]", "lr÷2 [-]", "Log loss [l]", "Inspect [i]", "Runs [R]",
                      "Help [?]", "Theme", "Quit"):
            assert title in titles, title
        await titles["Start [s]"].callback()  # the palette awaits it the same way
        await wait_for(pilot, lambda: screen.state == "finished")
