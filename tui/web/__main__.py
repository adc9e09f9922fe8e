"""A browser tab's process: ``python -m tui.web [bp-tui args]`` (started by ``bp-tui
serve``, not by hand).

Before anything else runs, the protocol channel (the server's pipe on fd 1) moves to a
private, non-inheritable descriptor named in ``$BP_TUI_WEB_FD``, and fd 1 is pointed at
fd 2 (the tab's log file): whatever prints to stdout afterwards — sweep workers, Dask,
numba's notes, a stray ``print`` — lands in the log, never in the stream. Then it is
``bp-tui`` as on a terminal.
"""

from __future__ import annotations

import os
import sys

from tui.web import CHANNEL_ENV


def _protect_channel() -> None:
    channel = os.dup(1)  # non-inheritable (PEP 446): no child process ever holds it
    os.dup2(2, 1)
    os.environ[CHANNEL_ENV] = str(channel)


if __name__ == "__main__":
    _protect_channel()
    from tui.cli import entry

    sys.argv = ["bp-tui", *sys.argv[1:]]
    entry()
