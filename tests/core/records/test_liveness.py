"""The one rule for whether a recorded run is live, dead or attachable."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from core.records.liveness import liveness, pid_alive, serves_socket, socket_path
from core.state import RunState


def _gone_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_live_record_whose_process_is_gone_is_dead(tmp_path):
    for status in ("running", "paused", "preparing"):
        live = liveness(tmp_path, {"status": status, "pid": _gone_pid()})
        assert live.status == RunState.DEAD
        assert live.dead
        assert not live.attachable
    assert liveness(tmp_path, {"status": "running"}).dead  # no pid recorded


def test_an_ended_record_is_what_it_says_whatever_its_pid(tmp_path):
    for status in ("finished", "stopped", "diverged", "error"):
        live = liveness(tmp_path, {"status": status, "pid": _gone_pid()})
        assert live.status == RunState(status)
        assert not live.attachable
    assert liveness(tmp_path, {"status": "junk"}).status == RunState.UNKNOWN


def test_a_live_run_is_attachable_only_while_it_serves_its_socket():
    with tempfile.TemporaryDirectory(dir="/tmp") as d:  # short: a socket path fits
        run = Path(d)
        summary = {"status": "running", "pid": os.getpid()}
        assert liveness(run, summary).status == RunState.RUNNING
        assert not liveness(run, summary).attachable
        socket_path(run).write_text("")  # a file of that name is no socket
        assert not serves_socket(run)
        socket_path(run).unlink()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.bind(str(socket_path(run)))
            assert liveness(run, summary).attachable
            assert not liveness(run, {**summary, "status": "finished"}).attachable


def test_pid_alive_takes_only_plausible_pids():
    assert pid_alive(os.getpid())
    for pid in (True, 0, -1, 2**31, "1", None, 1.0):
        assert not pid_alive(pid)
