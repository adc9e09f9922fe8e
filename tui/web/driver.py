"""The Textual driver of a browser tab's process: textual's ``WebDriver``, writing the
protocol on a private file descriptor instead of stdout.

The tab's entry (``tui.web.__main__``) moves the protocol channel off fd 1 before anything
runs and points fd 1 at the tab's log, so nothing a child process, numba or Dask prints
can corrupt the stream. The channel's number comes in ``$BP_TUI_WEB_FD``.

When the UI stops, the driver says whether the process trains on (its own run, after a
closed tab or ``d``) and then closes the channel, so the server sees the UI end even
while the run trains on.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from textual.drivers.web_driver import WebDriver

from tui.web import CHANNEL_ENV, TRAINS_ON

__all__ = ["CHANNEL_ENV", "TRAINS_ON", "TabDriver"]



class TabDriver(WebDriver):
    """``WebDriver`` on the channel named by ``$BP_TUI_WEB_FD``, writing whole packets."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        channel = os.environ.get(CHANNEL_ENV, "")
        if channel.isdigit():
            self.fileno = int(channel)
        self._write = self._write_all

    def _write_all(self, data: bytes) -> None:
        """Write every byte (a signal may interrupt a pipe write part-way: a short
        packet would corrupt the stream). A closed channel (the server is gone) is
        ignored: the app is leaving anyway."""
        view = memoryview(data)
        with contextlib.suppress(OSError):
            while view:
                view = view[os.write(self.fileno, view):]

    def stop_application_mode(self) -> None:
        """Say whether the run trains on, stop as ``WebDriver`` does (its ``exit``
        packet), then close the channel: the server reads the end of the UI."""
        app = self._app
        controller = getattr(app, "controller", None)
        if getattr(app, "detached", False) and controller is not None and controller.owns_run:
            run_dir = controller.run_dir
            name = (getattr(getattr(controller, "state", None), "run_name", "")
                    or (run_dir.name if run_dir is not None else ""))
            self.write_meta({"type": TRAINS_ON, "run": str(name)})
        super().stop_application_mode()
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.fileno, inheritable=False)
            os.close(devnull)
