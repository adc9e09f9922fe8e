"""The process around every command: exit statuses, signals, the terminal's file
descriptors, and the guard that makes sure a UI process never outlives its purpose.

Exit statuses (the README's table): 0 done, 1 failed, 2 refused input, 3 diverged, and
128 + N for a command ended by signal N: 129 a hangup ended a UI with nothing left to
do, 130 Ctrl-C (SIGINT), 143 SIGTERM.

A Textual UI leaves through ``UiGuard``: SIGHUP, SIGTERM and SIGINT are handled at the
Python level in the main thread (so they run even while that thread is blocked, where an
event-loop handler would wait for the loop); after a hangup nothing more is written to
the terminal; and a ``Watchdog`` ends the process with the right status if the UI's
teardown has not finished a few seconds after it began — once the run's records are
flushed. This module does not import Textual (``bp-tui train`` never loads it); the
driver work-around lives in ``tui.driver``, which the app imports when it starts.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Callable

from core.files import streams_to

__all__ = [
    "EXIT_DIVERGED",
    "EXIT_FAILED",
    "EXIT_HUNG_UP",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "TEARDOWN_GRACE",
    "HandlerEvent",
    "Terminated",
    "UiGuard",
    "Watchdog",
    "default_job_control",
    "has_job_control",
    "ignore_signals",
    "install_early_handlers",
    "keep_going_after_hangup",
    "leave_if_signalled",
    "pending_signal",
    "signal_status",
    "silence_stdout",
    "to_background",
]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_DIVERGED = 0, 1, 2, 3
EXIT_HUNG_UP = 128 + signal.SIGHUP  # 129
EXIT_INTERRUPTED = 128 + signal.SIGINT  # 130
EXIT_TERMINATED = 128 + signal.SIGTERM  # 143
TEARDOWN_GRACE = 3.0
"""Seconds a UI's teardown may take after a hangup or SIGTERM before the watchdog ends
the process (measured teardowns take well under one second)."""
LEAVING_SIGNALS = (signal.SIGHUP, signal.SIGTERM, signal.SIGINT)


class Terminated(BaseException):
    """Raised in the main thread by SIGTERM (or SIGHUP) until a command takes them over."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_received: list[int] = []


def pending_signal() -> int | None:
    """The first signal the early handlers caught, if any. A signal that arrives while a
    C extension initialises (NumPy's, numba's) may come out of that import as an
    ImportError, or not at all: a command checks this once its set-up is done."""
    return _received[0] if _received else None


def leave_if_signalled() -> None:
    """Raise the pending signal's exception (see ``pending_signal``); a command calls it
    before it starts its real work (training, the UI)."""
    signum = pending_signal()
    if signum is not None:
        raise KeyboardInterrupt if signum == signal.SIGINT else Terminated(signum)


def _early_handler(signum, frame):
    _received.append(signum)
    raise KeyboardInterrupt if signum == signal.SIGINT else Terminated(signum)


def install_early_handlers() -> None:
    """Ctrl-C raises KeyboardInterrupt, SIGTERM and SIGHUP raise Terminated; a signal
    the process was started ignoring (nohup, a background job) stays ignored."""
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None and signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, _early_handler)


def signal_status(signum: int) -> int:
    """The exit status of a command ended by ``signum`` (128 + N: 129, 130, 143)."""
    return 128 + signum


def ignore_signals() -> None:
    """Ignore Ctrl-C, SIGTERM and SIGHUP from now on (teardown: the status is decided)."""
    for sig in LEAVING_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)


# ------------------------------------------------------------------ file descriptors
def silence_stdout() -> None:
    """Point fd 1 at /dev/null, so the interpreter's last flush cannot fail again."""
    streams_to(None, fds=(1,))


def keep_going_after_hangup() -> None:
    """A hangup (SIGHUP: the terminal or the SSH link went away) does not end this
    command: its standard streams go to /dev/null and it carries on to its end."""
    signal.signal(signal.SIGHUP, lambda signum, frame: streams_to(None))


# ------------------------------------------------------------------ job control
def has_job_control() -> bool:
    """True when a job-control shell started us in a process group of our own that holds
    the terminal (so it gives the prompt back once we stop, and `fg` continues us)."""
    try:
        pgrp = os.getpgrp()
        return os.tcgetpgrp(sys.__stdin__.fileno()) == pgrp and pgrp != os.getsid(0)
    except (OSError, ValueError, AttributeError):
        return False


def default_job_control() -> None:
    """SIGTSTP and SIGCONT back to the defaults: Textual's handlers, left behind by an
    app that has gone, would restart its UI on the next continue."""
    for sig in (signal.SIGTSTP, signal.SIGCONT):
        signal.signal(sig, signal.SIG_DFL)


def to_background() -> None:
    """Stop, so the shell prints its prompt; a helper continues us a moment later, as
    `bg` would: the process goes on as a background job."""
    subprocess.Popen(["/bin/sh", "-c", f"sleep 0.3; kill -CONT {os.getpid()}"],
                     start_new_session=True, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.kill(os.getpid(), signal.SIGSTOP)


class HandlerEvent:
    """A ``threading.Event`` that a signal handler may set: ``Event.set`` takes a lock the
    interrupted main thread may hold (inside ``Event.wait``), which would wait for ever.
    Here setting writes a byte to a pipe and waiting selects on it: no lock anywhere."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()  # never closed: a handler may write late
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)

    def set(self) -> None:
        with contextlib.suppress(OSError):  # a full pipe is set already
            os.write(self._write, b"x")

    def is_set(self) -> bool:
        return self.wait(0.0)

    def wait(self, timeout: float | None = None) -> bool:
        ready, _, _ = select.select([self._read], [], [], timeout)
        return bool(ready)

    def clear(self) -> None:
        with contextlib.suppress(OSError):  # BlockingIOError: nothing to drain
            while os.read(self._read, 4096):
                pass


# ------------------------------------------------------------------ the UI's way out
class Watchdog:
    """Ends the process if the UI's teardown hangs: ``arm`` starts a clock; unless
    ``disarm`` comes within ``grace`` seconds, ``before_exit`` runs (it flushes the
    run's records: stops it and waits, or lets it train to its end) and then
    ``exit(status)`` — ``os._exit``, since a hung main thread can never unwind.

    ``arm`` is made to be called from a signal handler, which runs in the main thread
    between two bytecodes — possibly while that thread holds a lock (a queue's, or
    threading's own while it starts a thread). So arming takes no lock and starts no
    thread: it sets two attributes and a ``HandlerEvent`` that the watchdog's thread,
    started beforehand (``start``), waits on."""

    def __init__(self, grace: float = TEARDOWN_GRACE,
                 exit: Callable[[int], object] = os._exit) -> None:
        self.grace, self._exit = grace, exit
        self.status = EXIT_OK
        self._before_exit: Callable[[], object] = lambda: None
        self._woken, self._disarmed = HandlerEvent(), HandlerEvent()
        self._thread: threading.Thread | None = None

    def start(self) -> Watchdog:
        """Start the thread that waits to be armed (before any signal handler may arm)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, daemon=True,
                                            name="bp-tui-watchdog")
            self._thread.start()
        return self

    def arm(self, status: int, before_exit: Callable[[], object] | None = None) -> None:
        """Start the clock (the first call; a later one updates what it will do)."""
        self.status = status
        if before_exit is not None:
            self._before_exit = before_exit
        self._woken.set()
        if self._thread is None:  # not started beforehand: only outside a handler
            self.start()

    def disarm(self) -> None:
        """The teardown finished: the watchdog does nothing."""
        self._disarmed.set()
        self._woken.set()

    def _watch(self) -> None:
        self._woken.wait()
        if self._disarmed.wait(self.grace):
            return
        with contextlib.suppress(Exception):
            self._before_exit()
        if not self._disarmed.is_set():  # the teardown may have ended meanwhile
            streams_to(None, fds=(1, 2))  # nothing half-written can block the exit
            self._exit(self.status)


class UiGuard:
    """While a Textual app runs: SIGHUP, SIGTERM and SIGINT are caught in the main
    thread, then ``on_signal(signum)`` is called on the app's event loop (the app decides
    what its run does); after a hangup the terminal is never written again (fds 0–2 to
    /dev/null, the driver muted); the watchdog is armed with ``plan(signum)`` — the
    status and what to do before a forced exit. Use as a context manager around
    ``App.run``; on the way out the previous handlers come back and SIGTSTP/SIGCONT
    go back to the defaults (Textual's would restart the UI that has gone)."""

    def __init__(self, app, on_signal: Callable[[int], None],
                 plan: Callable[[int], tuple[int, Callable[[], object]]],
                 watchdog: Watchdog | None = None) -> None:
        self.app, self.on_signal, self.plan = app, on_signal, plan
        self.watchdog = watchdog or Watchdog()
        self.loop = None
        self.hung_up = False
        self._saved: dict[int, object] = {}

    def install(self, loop) -> None:
        """Take the signals over (called on the app's loop once it runs)."""
        self.loop = loop
        self.watchdog.start()  # a handler must not start a thread
        for sig in LEAVING_SIGNALS:
            if signal.getsignal(sig) is not signal.SIG_IGN:
                self._saved.setdefault(sig, signal.getsignal(sig))
                signal.signal(sig, self._handle)

    def __enter__(self) -> UiGuard:
        return self

    def hold_hangups(self) -> None:
        """The UI has gone but its run trains on in this process: from the guard's exit
        on, a hangup only marks ``hung_up`` and mutes the terminal (the handler that
        comes back would end the process, and the run with it)."""
        if signal.SIGHUP in self._saved:
            self._saved[signal.SIGHUP] = self._late_hangup

    def _late_hangup(self, signum: int, frame) -> None:
        self.hung_up = True
        streams_to(None)

    def __exit__(self, *exc) -> None:
        self.watchdog.disarm()
        for sig, handler in self._saved.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(sig, handler)
        default_job_control()

    def _handle(self, signum: int, frame) -> None:
        """Runs in the main thread between two bytecodes — also while it waits on a
        lock (a full writer queue) — or holds one: touch no UI state and take no lock.
        The watchdog is armed first, so whatever follows the process ends."""
        status, before_exit = self.plan(signum)
        self.watchdog.arm(status, before_exit)
        if signum == signal.SIGHUP and not self.hung_up:
            self.hung_up = True
            self.mute()
        if self.loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nothing to tell
                self.loop.call_soon_threadsafe(self.on_signal, signum)

    def mute(self) -> None:
        """The terminal is gone: fds 0–2 to /dev/null (termios calls then fail fast,
        writes vanish); the driver writes nothing more and never restarts the UI on
        the SIGCONT that comes with a hangup."""
        streams_to(None)
        driver = getattr(self.app, "_driver", None)
        if hasattr(driver, "mute"):
            driver.mute()
