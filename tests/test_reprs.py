"""A run's objects read well in a debugger or a log: ``Session(run='xor-1',
epoch=30/30, status=finished)`` rather than ``<core.run.session.Session object at …>``."""

from __future__ import annotations

import numpy as np
import pytest

from core.analysis.derived import Deriver, ViewRequest
from core.config import RunConfig
from core.datasets import generate
from core.nn.network import Network
from core.run.analyst import Analyst
from core.run.endpoint import Endpoint
from core.run.host import RunHost
from core.run.journal import Cursor, Journal, LiveState
from core.run.links import FilesLink, HostLink, SocketLink
from core.run.session import Session
from core.state import RunState
from core.train.controls import Controls
from tui.live.controller import Frame, RunController

SHORT = RunConfig(data="xor", hidden=(3,), epochs=30, log_every=10, seed=1, backend="numpy")


def _quiet(_message: str) -> None:
    pass


@pytest.fixture
def finished(runs_root):
    """The directory of a finished 30-epoch run named xor-1."""
    session = Session(SHORT.with_changes(name="xor-1"), runs_root=runs_root, notify=_quiet)
    assert repr(session) == "Session(run='xor-1', epoch=0/30, status=ready)"
    for _ in session.iterate():
        pass
    assert repr(session) == "Session(run='xor-1', epoch=30/30, status=finished)"
    return runs_root / "xor-1"


def test_session_unrecorded() -> None:
    session = Session(SHORT, record=False, notify=_quiet)
    assert repr(session) == "Session(run='unrecorded', epoch=0/30, status=ready)"


def test_journal_counts_its_lines_and_rows() -> None:
    journal = Journal(LiveState(RunState.RUNNING, epoch=5, epochs=30, run_name="xor-1"))
    journal.add_many(["a line"], [(5, 0.5, 50.0, 50.0, 0.1, 0.01)])
    assert repr(journal) == ("Journal(run='xor-1', epoch=5/30, status=running, lines=1, "
                             "rows=1)")


def test_host_and_its_link_show_the_run(runs_root) -> None:
    host = RunHost(SHORT.with_changes(name="xor-2"), runs_root=runs_root, notify=_quiet,
                   serve=False)
    assert repr(host) == "RunHost(run='', epoch=0/30, status=preparing)"
    host.run()
    assert repr(host) == "RunHost(run='xor-2', epoch=30/30, status=finished)"
    assert repr(HostLink(host)) == "HostLink(run='xor-2', epoch=30/30, status=finished)"


def test_endpoint_and_socket_link(runs_root) -> None:
    host = RunHost(SHORT.with_changes(name="xor-3"), runs_root=runs_root, notify=_quiet)
    run_dir = runs_root / "xor-3"
    run_dir.mkdir(parents=True)
    endpoint = Endpoint(host, run_dir)
    path = str(endpoint.path)
    assert repr(endpoint) == f"Endpoint({path!r}, not started, viewers=0)"
    endpoint.start()
    try:
        link = SocketLink(run_dir, read_only=True)
        try:
            assert repr(link) == (f"SocketLink(run='', epoch=0/30, status=preparing, "
                                  f"pid={link.pid}, alive, read-only)")
            assert repr(endpoint) == f"Endpoint({path!r}, open, viewers=1)"
        finally:
            link.close()
    finally:
        endpoint.close()
    assert repr(endpoint) == f"Endpoint({path!r}, closed, viewers=1)"


def test_files_link_and_controller(finished) -> None:
    link = FilesLink(finished)
    try:
        assert repr(link) == (f"FilesLink(run='xor-1', epoch=30/30, status=finished, "
                              f"dir={str(finished)!r})")
    finally:
        link.close()
    controller = RunController(SHORT)
    assert repr(controller) == "RunController(run='', epoch=0/30, status=ready, link=None)"
    controller.attach(FilesLink(finished))
    controller.pull()
    try:
        assert repr(controller) == ("RunController(run='xor-1', epoch=30/30, "
                                    "status=finished, link=FilesLink)")
    finally:
        controller.close()


def test_analyst_shows_its_viewers() -> None:
    net = Network((3,), "sigmoid", "normal", np.random.default_rng(0))
    deriver = Deriver(generate("xor", None, 0.0, np.random.default_rng(1)), "mse", "sigmoid")
    analyst = Analyst(deriver, Journal(), net)
    assert repr(analyst) == "Analyst(idle, computed=0, viewers=[])"
    analyst.want("dashboard", ViewRequest(boundary=(40, 20)))
    assert repr(analyst) == "Analyst(idle, computed=0, viewers=['dashboard'])"
    analyst.close()
    assert repr(analyst) == "Analyst(closed, computed=0, viewers=['dashboard'])"


def test_reprs_are_one_short_line_naming_the_run(runs_root) -> None:
    """No array, log or message is dumped: every repr of a live run's objects is one
    line under 200 characters, and each that knows its run names it."""
    long_message = "diverged: " + "x" * 500
    state = LiveState(RunState.DIVERGED, epoch=7, epochs=30, lr=0.5, loss=1.25,
                      run_name="xor-4", message=long_message, lines=9000, rows=9000)
    journal = Journal(state)
    journal.add_many(["a line"] * 5000, [(5, 0.5, 50.0, 50.0, 0.1, 0.01)] * 5000,
                     yhat=np.zeros((10_000, 1)))
    update = journal.since(Cursor())
    session = Session(SHORT.with_changes(name="xor-4"), runs_root=runs_root, notify=_quiet)
    host = RunHost(SHORT.with_changes(name="xor-5"), runs_root=runs_root, notify=_quiet,
                   serve=False)
    host.run()
    controller = RunController(SHORT)
    controller.state = state
    frame = Frame(state, long_message, lines=update.lines, yhat=update.yhat)
    named = {"xor-4": [state, journal, update, session, controller, frame],
             "xor-5": [host]}
    for run, objects in named.items():
        for obj in objects:
            text = repr(obj)
            assert "\n" not in text, text
            assert len(text) < 200, text
            assert f"run={run!r}" in text, text
    assert repr(state) == ("LiveState(run='xor-4', epoch=7/30, status=diverged, lr=0.5, "
                           "loss=1.25)")
    session.finish(RunState.STOPPED)


def test_controls_show_pause_stop_and_a_pending_rate() -> None:
    controls = Controls()
    assert repr(controls) == "Controls(paused=False, stop=False)"
    controls.step(2)
    controls.set_lr(0.05)
    controls.stop()
    assert repr(controls) == "Controls(paused=True, stop=True, steps=2, pending_lr=0.05)"
