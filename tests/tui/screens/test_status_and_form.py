"""The status line tells the truth (issue 20): a finished or stopped run shows its own
average ep/s, elapsed time and the lr in force at its end, as its summary.json has
them; fields stay apart at every width; a long message gets room. The form: the Report
chooser loads the report's runs, each data set says what it is and shows its points at
once, every bad field is listed on Start, a likely-diverging lr is warned about."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, Select

from core.config import RunConfig
from core.reproduce.presets import REPORT_PRESETS
from core.train import kernels
from tests.tui.helpers import FakeClock, status, wait_for
from tui.app import create_app
from tui.widgets.run.pair import ScatterPair
from tui.widgets.run.status import RunStatus, StatusLine, clock

SMALL = RunConfig(data="xor", hidden=(4, 4), lr=0.5, epochs=120, log_every=5, seed=3,
                  name="small")


@pytest.fixture(scope="module", autouse=True)
def _kernel_ready():
    kernels.ensure_compiled(lambda _m: None)



async def test_a_finished_run_shows_its_summary_numbers(runs_root: Path):
    app = create_app(SMALL, runs_dir=runs_root, timer=FakeClock(0.0007))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        await wait_for(pilot, lambda: "finished" in status(app))
        await pilot.pause(0.2)
        line = status(app)
    summary = json.loads((runs_root / "small" / "summary.json").read_text())
    assert summary["epochs_per_s"] > 0
    assert f"{summary['epochs_per_s']:,.0f} ep/s avg" in line
    assert f" │ {clock(summary['duration'])} │ " in line
    assert f"lr {summary['lr']:g}" in line
    assert line.startswith("● finished │ epoch 120/120 ")


@pytest.mark.long
async def test_a_stopped_run_shows_the_lr_in_force_at_its_end(runs_root: Path):
    """lr 0.5 doubled live to 1, then stopped: the line says 1 (as summary.json does),
    not the starting 0.5, and the run's average rate."""
    config = SMALL.with_changes(epochs=10**7, log_every=10**6, name="long")
    app = create_app(config, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        await wait_for(pilot, lambda: "running" in status(app))
        await pilot.press("plus")
        await wait_for(pilot, lambda: "lr 1 " in status(app))
        await pilot.press("x")
        await wait_for(pilot, lambda: "stopped" in status(app))
        await pilot.pause(0.2)
        line = status(app)
    summary = json.loads((runs_root / "long" / "summary.json").read_text())
    assert summary["lr"] == 1.0
    assert "lr 1 │" in line
    assert f"{summary['epochs_per_s']:,.0f} ep/s avg" in line


@pytest.mark.long
async def test_a_paused_run_shows_its_average_rate_not_zero(runs_root: Path):
    """Paused, the windowed rate is 0 (no epoch goes by): the line shows the run's
    average so far instead, marked avg, as for an ended run."""
    config = SMALL.with_changes(epochs=10**7, log_every=10**6, name="paused")
    app = create_app(config, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        await wait_for(pilot, lambda: "running" in status(app) and app.controller.state.epoch)
        await pilot.press("p")
        await wait_for(pilot, lambda: "paused" in status(app))
        await pilot.pause(0.2)
        line = status(app)
        s = app.controller.state
        await pilot.press("x")
    rate = re.search(r"([\d,]+) ep/s avg", line)
    assert rate is not None, line
    assert int(rate.group(1).replace(",", "")) == round(s.epoch / s.elapsed)


class One(App):
    def compose(self) -> ComposeResult:
        yield StatusLine()


@pytest.mark.parametrize("width", [80, 100, 120, 160])
async def test_fields_stay_apart_at_every_width(width: int):
    async with One().run_test(size=(width, 10)) as pilot:
        line = pilot.app.query_one(StatusLine)
        line.status = RunStatus(state="finished", epoch=2000, epochs=2000, rate=960.0,
                                elapsed=2.1, lr=0.1, run_name="xor-grid-64x64")
        await pilot.pause()
        text = str(line.render())
        assert "finishedepoch" not in text
        assert "0.1xor" not in text
        assert text.startswith("● finished │ ")
        assert "2,000/2,000" in text
        assert "│ lr 0.1" in text
        assert len(text) <= width - 2


async def test_the_compile_clock_and_a_diagnosis_are_read_whole_at_80_columns():
    clock_msg = "waiting: compiling the training kernel — first launch only — 0:07"
    diagnosis = ("stuck since epoch 0 at loss 34.0000: output saturated on 100% of points "
                 "(‖dW‖ 3.1e-05); try bce loss, xavier init, or reset (r)")
    async with One().run_test(size=(80, 10)) as pilot:
        line = pilot.app.query_one(StatusLine)
        for state, message in (("preparing", clock_msg), ("running", diagnosis)):
            line.status = RunStatus(state=state, epoch=10, epochs=40000, rate=1000.0,
                                    elapsed=5.0, lr=0.0005, message=message)
            await pilot.pause()
            text = str(line.render())
            assert " ".join(text.split()).count(message) == 1, text  # whole, maybe wrapped
            assert line.size.height == text.count("\n") + 1
            assert all(len(row) <= 78 for row in text.splitlines())


EXPECTED = {  # the report's runs, as README and SPEC give them
    "linear-run": dict(data="linear", hidden=(64, 64), lr=0.01, epochs=5000, seed=1,
                       log_every=250),
    "xor-run": dict(data="xor-grid", hidden=(64, 64), lr=0.01, epochs=5000, seed=1,
                    log_every=250),
    "hidden-units": dict(data="xor-grid", n=70, hidden=(64, 64), lr=0.01, epochs=2000,
                         seed=1),
    "learning-rates": dict(data="xor-grid", n=70, hidden=(64, 64), lr=1.0, epochs=2000,
                           seed=1),
    "stuck": dict(data="xor-grid", n=70, hidden=(64, 64), lr=0.0005, epochs=40000,
                  seed=52),
}


async def test_the_report_chooser_loads_the_reports_runs(runs_root: Path):
    assert set(EXPECTED) == set(REPORT_PRESETS)
    app = create_app(SMALL, runs_dir=runs_root, warm=False)
    async with app.run_test(size=(120, 40)) as pilot:
        form, scatter = app.screen.form, app.screen.query_one("#scatter", ScatterPair)
        for name, settings in EXPECTED.items():
            form.query_one("#f-report", Select).value = name
            await pilot.pause(0.2)
            config = form.read_config()
            for key, value in settings.items():
                assert getattr(config, key) == value, (name, key)
            assert (config.activation, config.loss, config.optimizer, config.init) == \
                ("sigmoid", "mse", "sgd", "normal")
            assert form.query_one("#report-about").display
            assert str(form.query_one("#report-about").render()) == REPORT_PRESETS[name].did
            assert form.query_one("#f-report", Select).value == name  # stays chosen
            assert len(scatter._X) == (100 if config.data == "linear" else 69)
        form.query_one("#f-lr", Input).value = "0.3"  # your own settings now
        await pilot.pause(0.2)
        assert form.query_one("#f-report", Select).value == "own"
        assert not form.query_one("#report-about").display


async def test_a_data_set_says_what_it_is_and_shows_its_points_at_once(runs_root: Path):
    app = create_app(SMALL.with_changes(epochs=20), runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        form, scatter = app.screen.form, app.screen.query_one("#scatter", ScatterPair)
        assert "hand-out's 21 points" in str(form.query_one("#data-about").render())
        await pilot.press("s")  # after a run, too, a new data set shows at once
        await wait_for(pilot, lambda: "finished" in status(app))
        form.query_one("#f-data", Select).value = "xor-grid"
        await pilot.pause(0.3)
        assert "report's 69 XOR points" in str(form.query_one("#data-about").render())
        assert len(scatter._X) == 69


async def test_start_lists_every_bad_field_and_a_big_lr_is_only_warned(runs_root: Path):
    app = create_app(SMALL, runs_dir=runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        form = app.screen.form
        form.query_one("#f-hidden", Input).value = "64,abc"
        form.query_one("#f-epochs", Input).value = "0"
        form.query_one("#f-lr", Input).value = "fast"
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause(0.1)
        message = str(app.screen.query_one("#form-message").render())
        assert message == "✗ 3 fields to fix: Hidden, Learn rate, Epochs (each reason is under it)"
        toast = [n.message for n in app._notifications][-1]
        for label in ("Hidden: each layer", "Learn rate: must be", "Epochs: must be"):
            assert label in toast
        err = str(form.query_one("#err-hidden").render())
        assert err == "✗ each layer size must be a whole number from 1 to 16384 (got 'abc')"
        assert "ready" in status(app)
        form.query_one("#f-hidden", Input).value = "4,4"
        form.query_one("#f-epochs", Input).value = "5"
        form.query_one("#f-lr", Input).value = "50000"
        await pilot.pause()
        assert str(form.query_one("#err-lr").render()).startswith("⚠ above 10")
        assert form.read_config().lr == 50000  # allowed


async def test_started_with_a_preset_the_chooser_names_it(runs_root: Path):
    from core.reproduce.presets import report_config

    app = create_app(report_config("stuck"), runs_dir=runs_root, warm=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        form = app.screen.form
        assert form.query_one("#f-report", Select).value == "stuck"
        assert "lr 0.0005" in str(form.query_one("#report-about").render())
        assert form.read_config() == report_config("stuck")
