"""Whether a recorded run is live, dead or attachable: the one rule, read from its files.

A run whose summary says it is live (running) is *dead* when the process that wrote it
(``summary.json``'s pid) is gone, and *attachable* when that process is there and the
run directory holds its control socket (a cheap check: nothing is connected to). The
runs index, the links a screen reads a run through and ``bp-tui attach`` all ask here.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.records import layout
from core.state import RunState

__all__ = ["Liveness", "liveness", "pid_alive", "serves_socket", "socket_path"]

PID_MAX = 2**31 - 1


@dataclass(frozen=True)
class Liveness:
    """What a recorded run is: ``status`` (``DEAD`` for a live record whose process is
    gone, else the recorded status) and whether a viewer may attach to it."""

    status: RunState
    attachable: bool = False

    @property
    def dead(self) -> bool:
        return self.status == RunState.DEAD


def liveness(run_dir: str | Path, summary: dict[str, Any]) -> Liveness:
    """The one rule for the run in ``run_dir`` whose ``summary.json`` holds ``summary``."""
    status = RunState.parse(summary.get("status"))
    if not status.live:
        return Liveness(status)
    if not pid_alive(summary.get("pid")):
        return Liveness(RunState.DEAD)
    return Liveness(status, serves_socket(run_dir))


def pid_alive(pid: Any) -> bool:
    """True if a process with this pid exists (on this machine)."""
    if isinstance(pid, bool) or not isinstance(pid, int) or not 0 < pid <= PID_MAX:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def socket_path(run_dir: str | Path) -> Path:
    """Where the control socket of the run in ``run_dir`` is, while it trains."""
    return Path(run_dir) / layout.SOCKET


def serves_socket(run_dir: str | Path) -> bool:
    """True when ``run_dir`` holds a control socket (a socket, not a file of that name)."""
    try:
        return stat.S_ISSOCK(os.lstat(socket_path(run_dir)).st_mode)
    except OSError:
        return False
