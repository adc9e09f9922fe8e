"""The run controller driven directly (no screen): every transition of a run this
process trains, and what a read-only link refuses."""

from __future__ import annotations

import pytest

from core.config import RunConfig
from core.run.links import FilesLink
from core.state import RunState
from core.train import kernels
from tests.tui.helpers import wait_held, wait_until
from tui.live.controller import ControllerError, RunController

LONG = RunConfig(data="xor", hidden=(4, 4), lr=0.5, epochs=10**7, log_every=10**6, seed=3)


@pytest.fixture(scope="module", autouse=True)
def _kernel_ready():
    kernels.ensure_compiled(lambda _m: None)


def _until(c: RunController, predicate, timeout: float = 30.0) -> None:
    assert wait_until(lambda: (c.pull(), predicate(c))[1], timeout)


def _settled(c: RunController) -> int:
    """The epoch a paused run holds at, once it holds; pulled into the controller."""
    held = wait_held(c.host)
    c.pull()
    assert c.state.epoch == held
    return held


@pytest.fixture
def c(runs_root):
    controller = RunController(LONG, runs_root)
    yield controller
    if controller.running:
        controller.stop()
    if controller.host is not None:
        controller.host.join(20)


def test_ready_before_anything(c):
    assert c.status == RunState.READY
    assert not c.running
    assert not c.owns_run
    with pytest.raises(ControllerError, match="no run is going"):
        c.toggle_pause()
    assert c.scale_lr(2.0) == 1.0  # no run: the next run's lr
    assert c.config.lr == 1.0


def test_start_pause_step_lr_resume_stop(c):
    c.start(LONG)
    assert c.owns_run
    _until(c, lambda c: c.status == RunState.RUNNING and c.state.epoch > 0)
    with pytest.raises(ControllerError, match="a run is going"):
        c.start(LONG)
    assert c.toggle_pause() == RunState.PAUSED
    held = _settled(c)
    c.step()
    _until(c, lambda c: c.state.epoch == held + 1)
    assert c.set_lr(0.25) == 0.25
    assert c.state.lr == 0.25
    assert c.run_config.lr == 0.25
    assert c.toggle_pause() == RunState.RUNNING
    _until(c, lambda c: c.state.epoch > held + 1)
    c.stop()
    _until(c, lambda c: c.status == RunState.STOPPED)
    assert not c.running
    assert c.history.total > 0


def test_restart_runs_the_new_settings_once_the_old_run_has_ended(c, runs_root):
    c.start(LONG.with_changes(name="first"))
    _until(c, lambda c: c.status == RunState.RUNNING)
    c.restart(LONG.with_changes(name="second", hidden=(3, 3)))
    _until(c, lambda c: c.state.run_name == "second" and c.status == RunState.RUNNING)
    assert c.run_config.hidden == (3, 3)
    assert (runs_root / "first" / "summary.json").read_text().count('"stopped"') == 1


def test_reset_goes_back_to_ready(c):
    c.start(LONG)
    _until(c, lambda c: c.status == RunState.RUNNING)
    c.reset()
    assert c.status == RunState.READY
    assert c.link is None
    assert c.history.total == 0
    assert c.yhat is None


def test_a_finished_run_from_files_is_read_only(runs_root):
    short = RunController(LONG.with_changes(epochs=50, log_every=10, name="done"), runs_root)
    short.start(short.config)
    _until(short, lambda c: c.status == RunState.FINISHED)
    short.host.join(20)
    view = RunController(RunConfig(), runs_root)
    view.attach(FilesLink(runs_root / "done"))
    _until(view, lambda c: c.history.total > 0 and c.yhat is not None)
    assert view.read_only
    assert view.status == RunState.FINISHED
    assert "the run has finished" in view.link.reason
    with pytest.raises(ControllerError):
        view.toggle_pause()
    with pytest.raises(ControllerError, match="read-only"):
        view.start(LONG)
    assert view.state.epoch == 50
    view.close()
