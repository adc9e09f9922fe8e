"""Textual's Linux driver, made safe to close after the terminal has gone.

Work-around for Textual issue #6692 (8.2.8, no fix released; #5140 and PR #6690 are
related): after a hangup the driver's writer thread dies writing to the dead terminal
(EIO) — or its SIGCONT handler replaces it with a new one — and the next write or
``close()`` blocks for ever on the old thread's full queue
(``App._shutdown → LinuxDriver.close → WriterThread.stop → Queue.put``), at 0 % CPU,
deaf to SIGTERM. Here a write or a close never waits on a writer that has died,
``mute()`` (called on a hangup) drops every later write and ends a waiting one, and a
muted driver ignores SIGTSTP/SIGCONT. Textual suspends with SIGSTOP, which stops even a
process whose shell has gone (an orphaned job nobody will continue): here Ctrl-Z and
`bg` stop with SIGTSTP, which the kernel discards for an orphaned process group and
whose stop the shell's hangup (or the kernel's) continues.

This module imports Textual (and ``termios`` through it): only the app imports it, on
Linux, when it picks its driver (``BpApp.get_driver_class``); ``tui.process`` never does.
"""

from __future__ import annotations

import os
import signal
from queue import Full

from textual.drivers.linux_driver import LinuxDriver

from tui.process import TEARDOWN_GRACE

__all__ = ["GuardedLinuxDriver"]


def _stop_job() -> None:
    """Stop this process as Ctrl-Z does (SIGTSTP, default action) until continued. Unlike
    SIGSTOP, the kernel discards it when the shell has gone (an orphaned process group),
    so a hung-up process never stops for good."""
    previous = signal.signal(signal.SIGTSTP, signal.SIG_DFL)
    try:
        os.kill(os.getpid(), signal.SIGTSTP)
    finally:
        signal.signal(signal.SIGTSTP, previous)


def _in_foreground(fd: int) -> bool:
    """True unless ``fd``'s terminal is held by another process group (we were `bg`-ed)."""
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return True


class GuardedLinuxDriver(LinuxDriver):
    """``LinuxDriver`` whose writes and close never block on a dead terminal (the
    module's docstring tells the Textual issue it works around)."""

    _muted = False

    def mute(self) -> None:
        """Write nothing more; a write waiting on the writer's full queue gives up
        within a quarter second. Called in a signal handler: it takes no lock (the
        interrupted thread may hold the queue's)."""
        self._muted = True

    def _put(self, item: str | None) -> bool:
        """Queue ``item`` for the writer; False (dropped) once the driver is muted
        or its writer has died — never a wait on a queue nobody drains."""
        writer = self._writer_thread
        queue = getattr(writer, "_queue", None)
        while not self._muted and queue is not None and writer.is_alive():
            try:
                queue.put(item, timeout=0.25)
                return True
            except Full:
                continue
        return False

    def write(self, data: str) -> None:
        self._put(data)

    def close(self) -> None:
        writer = self._writer_thread
        if writer is not None and self._put(None):
            writer.join(TEARDOWN_GRACE)

    def _sigtstp_application(self, *args) -> None:
        """Ctrl-Z: leave the terminal as it was, then stop until `fg`."""
        if self._muted:
            return
        if self._auto_restart:
            self.suspend_application_mode()
            self._must_signal_resume = True
        _stop_job()

    def _sigcont_application(self, *args) -> None:
        """Continued: take the terminal again in the foreground (`fg`); in the
        background (`bg`) stop again until `fg`, as terminal programs do."""
        if self._muted or not self._auto_restart:
            return
        if _in_foreground(self.fileno):
            self.resume_application_mode()
        else:
            _stop_job()
