"""The dashboard driven as a person would: keys, fields, bursts of typing while a run
trains, hostile text, a whole seeded run. Assertions are on what the screen shows (the
status line, the log, the footer, dialogs) and on the run's records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Input

from core.config import RunConfig
from core.records import read_metrics
from core.run.session import Session
from core.train import kernels
from tests.tui.helpers import burst, held, status, wait_for
from tui.app import create_app
from tui.screens.dashboard import DashboardScreen
from tui.screens.dialogs import ChoiceScreen, ConfirmScreen
from tui.screens.help import HelpScreen
from tui.widgets.run.epoch_log import EpochLog
from tui.widgets.run.form import FIELDS
from tui.widgets.run.pair import ScatterPair

SMALL = RunConfig(data="xor", hidden=(4, 4), lr=0.5, epochs=120, log_every=5, seed=3,
                  name="small")
LONG = SMALL.with_changes(epochs=10**7, log_every=10**6, name="long")
TEXT_FIELDS = [f.name for f in FIELDS if f.choices is None]


@pytest.fixture(scope="module", autouse=True)
def _kernel_ready():
    """Compile/load the kernel once, so no run waits for it mid-test."""
    kernels.ensure_compiled(lambda _m: None)



def shown_keys(app) -> set[str]:
    """The descriptions of the bindings the footer shows now."""
    return {b.binding.description for b in app.screen.active_bindings.values()
            if b.binding.show and b.enabled}


def log_lines(app) -> list[str]:
    return list(app.screen.query_one("#log", EpochLog).lines)


def headless_lines(config: RunConfig) -> list[str]:
    """The log lines `bp-tui train` prints for ``config`` (minus timing)."""
    session = Session(config, record=False, notify=lambda _m: None)
    return [line for p in session.iterate() for line in p.lines]


@pytest.mark.long
async def test_launch_focus_and_space_pauses_from_the_first_second(runs_root: Path):
    app = create_app(LONG, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.focused is None  # no field has the cursor: keys are commands
        assert "Start" in shown_keys(app)
        assert "Pause" not in shown_keys(app)
        await pilot.press("s")
        await wait_for(pilot, lambda: "running" in status(app) or "preparing" in status(app))
        await pilot.press("space")
        await wait_for(pilot, lambda: "paused" in status(app))
        assert {"Resume", "Step"} <= shown_keys(app)
        assert "Pause" not in shown_keys(app)
        await pilot.press("space")
        await wait_for(pilot, lambda: "running" in status(app))
        assert "Pause" in shown_keys(app)
        assert "Step" not in shown_keys(app)
        await pilot.press("x")
        await wait_for(pilot, lambda: "stopped" in status(app))


@pytest.mark.long
async def test_bursts_of_typing_while_a_run_trains_lose_no_key(runs_root: Path):
    """The issue's failing sequence, six times over, while training: End, 12 ×
    Backspace, 777 — and a hidden-sizes edit."""
    app = create_app(LONG, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        await wait_for(pilot, lambda: "running" in status(app))
        field = app.screen.query_one("#f-epochs", Input)
        for _ in range(6):
            field.focus()
            await burst(pilot, "end", *["backspace"] * 12, "7", "7", "7")
            await wait_for(pilot, lambda: field.value == "777")  # a lost key: never
            await burst(pilot, "escape")
            await wait_for(pilot, lambda: app.focused is None)
        hidden = app.screen.query_one("#f-hidden", Input)
        hidden.focus()
        await burst(pilot, "end", *["backspace"] * 3, "1", "6", ",", "1", "6")
        await wait_for(pilot, lambda: hidden.value == "16,16")
        await pilot.pause(0.5)  # frames go on; nothing rewrites what was typed
        assert (field.value, hidden.value) == ("777", "16,16")
        assert "running" in status(app)
        await burst(pilot, "escape", "x")
        await wait_for(pilot, lambda: "stopped" in status(app))


JUNK = ["[/]", "[bold]", "[link=x]", "x[a=\"]", "é" * 2000]


async def test_markup_and_long_text_in_every_field_never_crash(runs_root: Path):
    """Each junk text in every field, then Start, in one app (one launch per text
    proved no more): every reason shown whole and bounded, nothing started."""
    app = create_app(SMALL, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        for junk in JUNK:
            for name in TEXT_FIELDS:
                screen.query_one(f"#f-{name}", Input).value = junk
                await pilot.pause()
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: any(w.display for w in screen.query(".form-error")))
            await pilot.pause()  # laid out
            errors = [w for w in screen.query(".form-error") if w.display]
            for err in errors:  # the whole reason, wrapped; a long quoted value is cut
                assert len(str(err.render())) <= 2 + 240, junk[:20]
                assert err.size.height <= 240 // 20 + 1, junk[:20]
            assert isinstance(app.screen, DashboardScreen)
            assert "ready" in status(app)


async def test_seeded_run_from_the_keyboard(runs_root: Path):
    app = create_app(SMALL, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        await wait_for(pilot, lambda: "finished" in status(app))
        log = app.screen.query_one("#log", EpochLog)
        await wait_for(pilot, lambda: log_lines(app)[-1:] != []
                       and log_lines(app)[-1].startswith("Model Training time taken: ")
                       and log.scroll_y == log.max_scroll_y > 0)  # follows the tail
        lines = log_lines(app)
        expected = headless_lines(SMALL.with_changes(name=None))
        assert lines[:-1] == expected[:-1]  # identical, but for the wall-clock time line
        assert lines[-1].startswith("Model Training time taken: ")
        assert "epoch 120/120" in status(app)
        assert "small" in status(app)
        scatter = app.screen.query_one("#scatter", ScatterPair)
        assert str(scatter.truth_panel.border_title) == "Ground truth"
        assert str(scatter.predict_panel.border_title) == "Predict result"
    run = runs_root / "small"
    assert json.loads((run / "summary.json").read_text())["status"] == "finished"
    assert (run / "log.txt").read_text().splitlines() == lines
    assert read_metrics(run)[-1]["epoch"] == 120


@pytest.mark.long
async def test_pause_step_lr_and_stop(runs_root: Path):
    app = create_app(LONG, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        await wait_for(pilot, lambda: "running" in status(app))
        await pilot.press("p")
        await wait_for(pilot, lambda: "paused" in status(app))
        epoch = await held(app.screen.controller.host)
        await pilot.press("n")
        await wait_for(pilot, lambda: f"epoch {epoch + 1:,}/" in status(app))
        await pilot.press("plus")
        await wait_for(pilot, lambda: "lr 1 " in status(app) or status(app).endswith("lr 1"))
        await pilot.press("n")
        await wait_for(pilot, lambda: f"epoch {epoch + 2:,}/" in status(app))
        await pilot.press("minus", "minus")
        await wait_for(pilot, lambda: "lr 0.25" in status(app))
        await pilot.press("x")
        await wait_for(pilot, lambda: "stopped" in status(app))
        await pilot.press("minus")  # after a stop: the next run's, beside the run's own
        await wait_for(pilot, lambda: "lr 0.25 (next run 0.125)" in status(app))
        assert app.screen.query_one("#f-lr", Input).value == "0.125"
    lrs = {r["epoch"]: r["lr"] for r in read_metrics(runs_root / "long")}
    assert set(lrs.values()) <= {0.5, 1.0, 0.25}


@pytest.mark.long
async def test_restart_prompt_names_what_changed(runs_root: Path):
    app = create_app(LONG, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        await wait_for(pilot, lambda: "running" in status(app))
        app.screen.query_one("#f-hidden", Input).value = "8,8"
        app.screen.query_one("#f-hidden", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        question = str(app.screen.query_one("#confirm-question").render())
        assert question == "Restart with hidden 8,8?"
        labels = [str(b.label) for b in app.screen.query("Button")]
        assert labels == ["Restart [y]", "Keep running [esc]"]
        await pilot.press("y")
        await wait_for(pilot, lambda: (runs_root / "long-2").is_dir())
        await wait_for(pilot, lambda: "running" in status(app) and "long-2" in status(app))
        assert json.loads((runs_root / "long-2" / "config.json").read_text())["hidden"] == [8, 8]
        assert json.loads((runs_root / "long" / "summary.json").read_text())["status"] == \
            "stopped"
        await pilot.press("n")  # no prompt again: the key is a command
        await pilot.press("x")


@pytest.mark.long
async def test_declining_a_restart_keeps_the_run(runs_root: Path):
    app = create_app(LONG, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        await wait_for(pilot, lambda: "running" in status(app))
        app.screen.query_one("#f-hidden", Input).value = "8,8"
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: "Kept the running network" in str(
            app.screen.query_one("#form-message").render()))
        assert "running" in status(app)
        await pilot.press("x")
    assert not (runs_root / "long-2").exists()


async def test_reset_keeps_the_data_new_data_draws_new_points(runs_root: Path):
    cfg = SMALL.with_changes(data="linear", n=40, name=None)
    app = create_app(cfg, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        truth = app.screen.query_one("#scatter", ScatterPair)
        points = truth._X.copy()
        await pilot.press("s")
        await wait_for(pilot, lambda: "finished" in status(app))
        await pilot.press("r")
        await wait_for(pilot, lambda: "new initial weights (seed 4)" in status(app))
        assert "ready" in status(app)
        assert (points == truth._X).all()
        assert log_lines(app) == []
        await pilot.press("g")
        await wait_for(pilot, lambda: "new data (data seed 4)" in status(app))
        assert not (points == truth._X).all()


async def test_start_refused_with_a_reason(runs_root: Path):
    app = create_app(SMALL, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        app.screen.query_one("#f-lr", Input).value = "fast"
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        message = str(app.screen.query_one("#form-message").render())
        assert message.startswith("✗ Learn rate: must be a number")
        assert "ready" in status(app)
        app.screen.query_one("#f-lr", Input).value = "0.1"
        app.screen.query_one("#f-batch_size", Input).value = "500"
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert "at most the number of training points (21)" in str(
            app.screen.query_one("#form-message").render())
    assert not any(runs_root.glob("*")) if runs_root.exists() else True


async def test_help_is_generated_from_the_bindings(runs_root: Path):
    app = create_app(SMALL, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one("Markdown")._markdown
        for b in DashboardScreen.BINDINGS:
            described = b.tooltip or getattr(DashboardScreen, f"action_{b.action.split('(')[0]}"
                                             ).__doc__.strip().splitlines()[0]
            assert described.replace("|", "\\|") in text
        assert "## Inspect" in text
        assert "## Runs" in text
        await pilot.press("q")
        assert isinstance(app.screen, DashboardScreen)


async def test_every_footer_and_palette_action_once_while_running(runs_root: Path):
    """Each action of the dashboard and the app, run once while a run trains: no crash,
    and the run is still there (or stopped/reset by that action)."""
    app = create_app(LONG, runs_dir=runs_root)
    skip = {"quit", "detach", "help", "inspect", "runs", "start"}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        await wait_for(pilot, lambda: "running" in status(app))
        screen = app.screen
        for b in [*DashboardScreen.BINDINGS, *type(app).BINDINGS]:
            if b.action.split("(")[0] in skip:
                continue
            await screen.run_action(b.action)
            await pilot.pause(0.05)
            assert isinstance(app.screen, DashboardScreen)
        for action in ("inspect", "help", "runs"):
            await app.run_action(action) if action == "runs" else await screen.run_action(
                action)
            await wait_for(pilot, lambda: app.screen is not screen)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is screen)
        commands = [c.title for c in app.get_system_commands(screen)]
        for b in DashboardScreen.BINDINGS:
            assert any(c.startswith(b.description) for c in commands), b.description


@pytest.mark.long
async def test_quit_asks_before_ending_a_run_it_trains(runs_root: Path):
    app = create_app(LONG, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        await wait_for(pilot, lambda: "running" in status(app))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("s")  # a dashboard command, not an answer: the dialog says so
        assert "Answer the question first" in str(app.screen.query_one("#confirm-hint").render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ChoiceScreen))
        assert "running" in status(app)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("q")  # q q: quit, stopping the run
        await pilot.pause(0.5)
    assert json.loads((runs_root / "long" / "summary.json").read_text())["status"] == "stopped"


@pytest.mark.long
async def test_resize_mid_run_and_too_small_notice(runs_root: Path):
    app = create_app(LONG, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        await wait_for(pilot, lambda: "running" in status(app))
        for size in ((80, 24), (70, 20), (120, 40)):
            await pilot.resize_terminal(*size)
            notice, small = app.screen.query_one("#too-small"), size == (70, 20)
            await wait_for(pilot, lambda n=notice, s=small: n.display == s)
        assert "running" in status(app)
        await pilot.press("x")
        await wait_for(pilot, lambda: "stopped" in status(app))
