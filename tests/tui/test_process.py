"""``tui.process``: the work-around for Textual #6692 (a driver that blocks for ever on a
dead terminal), the watchdog, the guard's signal handler, Ctrl-Z without a shell. Fast:
no terminal, no subprocess (the pseudo-terminal cases are in
tests/tui/screens/test_lifecycle.py, the long tier)."""

from __future__ import annotations

import errno
import io
import signal
import subprocess
import sys
import threading

import pytest
from textual.app import App
from textual.drivers._writer_thread import WriterThread
from textual.drivers.linux_driver import LinuxDriver

from tui import driver as driver_module
from tui import process
from tui.driver import GuardedLinuxDriver
from tui.process import UiGuard, Watchdog

BOUND = 10.0  # seconds a call that must not block gets before the test fails


class DeadTerminal(io.StringIO):
    """A terminal after a hangup: every write fails with EIO."""

    def write(self, text: str) -> int:
        raise OSError(errno.EIO, "Input/output error")


class StuckTerminal(io.StringIO):
    """A terminal that stops reading (a suspended SSH client): writes block."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def write(self, text: str) -> int:
        self.release.wait()
        return len(text)


@pytest.fixture
def driver_for(monkeypatch):
    """A driver of ``cls`` whose writer writes to ``terminal`` (Textual's signal handlers,
    which the driver installs, are put back afterwards). A driver wants a running loop:
    the tests that use it are async."""
    monkeypatch.setattr(threading, "excepthook", lambda args: None)  # the EIO of a writer
    saved = {s: signal.getsignal(s) for s in (signal.SIGTSTP, signal.SIGCONT)}

    def make(cls, terminal):
        driver = cls(App())
        driver._writer_thread = WriterThread(terminal)
        driver._writer_thread.start()
        return driver

    yield make
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def _finishes(target, bound: float = BOUND) -> bool:
    """Run ``target`` in a daemon thread; True if it returned within ``bound`` seconds."""
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(bound)
    return not thread.is_alive()


def _frames(driver, count: int = 100) -> None:
    for i in range(count):
        driver.write(f"frame {i}")


async def test_textual_own_driver_blocks_on_a_dead_writer(driver_for):
    """The bug this module works around (Textual #6692): once the writer died on the dead
    terminal, the 31st write waits for ever on its full queue. (If this fails, Textual
    fixed it: the pin in pyproject.toml may move.)"""
    driver = driver_for(LinuxDriver, DeadTerminal())
    driver.write("x")
    driver._writer_thread.join(BOUND)
    assert not driver._writer_thread.is_alive()
    assert not _finishes(lambda: _frames(driver), bound=1.0)


async def test_writes_and_close_after_the_writer_died_never_block(driver_for):
    driver = driver_for(GuardedLinuxDriver, DeadTerminal())
    driver.write("x")
    driver._writer_thread.join(BOUND)
    assert _finishes(lambda: (_frames(driver), driver.stop_application_mode(),
                              driver.close()))


async def test_mute_frees_a_write_waiting_on_a_stuck_terminal(driver_for):
    """A live writer stuck on the terminal: writes wait (frames are not dropped for a slow
    link) until a hangup mutes the driver; then they return and close does not wait."""
    terminal = StuckTerminal()
    driver = driver_for(GuardedLinuxDriver, terminal)
    writes = threading.Thread(target=_frames, args=(driver,), daemon=True)
    writes.start()
    writes.join(0.5)
    assert writes.is_alive(), "a write to a slow terminal must wait, not drop"
    driver.mute()
    writes.join(BOUND)
    assert not writes.is_alive()
    assert _finishes(driver.close)
    terminal.release.set()


async def test_a_muted_driver_ignores_job_control(driver_for, monkeypatch):
    """After a hangup the SIGCONT that comes with it must not start a new UI, and a late
    Ctrl-Z must not stop the process."""
    driver = driver_for(GuardedLinuxDriver, io.StringIO())
    driver.mute()
    called = []
    monkeypatch.setattr(LinuxDriver, "resume_application_mode", lambda self: called.append(1))
    monkeypatch.setattr(driver_module, "_stop_job", lambda: called.append(2))
    driver._sigcont_application()
    driver._sigtstp_application()
    assert called == []
    driver.close()


def test_the_watchdog_flushes_then_exits_with_the_status():
    events: list = []
    exited = threading.Event()
    dog = Watchdog(grace=0.01, exit=lambda status: (events.append(status), exited.set()))
    dog.arm(143, lambda: events.append("flushed"))
    assert exited.wait(BOUND)
    assert events == ["flushed", 143]


def test_a_disarmed_watchdog_does_nothing():
    events: list = []
    dog = Watchdog(grace=BOUND, exit=events.append)  # a short grace could lapse between
    dog.arm(129)                                      # arm and disarm on a loaded machine
    dog.disarm()
    dog._thread.join(3 * BOUND)  # past the grace: a watchdog not disarmed has fired
    assert not dog._thread.is_alive()
    assert events == []


async def test_a_hangup_frees_the_main_thread_blocked_on_the_terminal(driver_for, monkeypatch):
    """The guard's SIGHUP handler runs in the main thread while it waits on the writer's
    full queue (where an event-loop handler could never run): it mutes the driver, arms
    the watchdog with the plan's status and leaves the app to the loop."""
    monkeypatch.setattr(process, "streams_to", lambda *a, **k: None)  # keep pytest's fds
    terminal = StuckTerminal()
    driver = driver_for(GuardedLinuxDriver, terminal)
    app = type("FakeApp", (), {"_driver": driver})()
    armed: list = []
    dog = Watchdog(grace=BOUND * 10, exit=armed.append)
    monkeypatch.setattr(dog, "arm", lambda status, before=None: armed.append(status))
    guard = UiGuard(app, on_signal=armed.append, plan=lambda s: (129, lambda: None),
                    watchdog=dog)
    guard.install(loop=None)
    assert signal.getsignal(signal.SIGHUP) == guard._handle  # else the wait below is endless
    queue = driver._writer_thread._queue

    def hang_up_when_blocked() -> None:
        while not queue.full():
            threading.Event().wait(0.01)
        signal.pthread_kill(threading.main_thread().ident, signal.SIGHUP)

    with guard:
        threading.Thread(target=hang_up_when_blocked, daemon=True).start()
        _frames(driver)  # blocks on the stuck terminal until the hangup
        assert guard.hung_up
        assert armed == [129]
    terminal.release.set()
    assert signal.getsignal(signal.SIGCONT) is signal.SIG_DFL


async def test_the_hangup_handler_takes_no_lock(driver_for, monkeypatch):
    """A signal handler runs in the main thread between two bytecodes, possibly while it
    holds a lock: the writer queue's (putting a frame) or threading's own (starting a
    thread). The handler must take neither — it once cleared the queue under its lock
    and started the watchdog's thread, and a hung-up overlay screen waited for ever
    (the long tier's lifecycle test, once in a few hundred). Here the thread that runs
    the handler holds both locks, as the interrupted main thread would."""
    monkeypatch.setattr(process, "streams_to", lambda *a, **k: None)  # keep pytest's fds
    driver = driver_for(GuardedLinuxDriver, io.StringIO())
    app = type("FakeApp", (), {"_driver": driver})()
    exited = threading.Event()
    dog = Watchdog(grace=0.01, exit=lambda status: exited.set())
    guard = UiGuard(app, on_signal=lambda s: None, plan=lambda s: (129, lambda: None),
                    watchdog=dog)
    guard.install(loop=None)
    queue = driver._writer_thread._queue

    def interrupted_while_holding_locks() -> None:
        with queue.mutex, threading._active_limbo_lock:
            guard._handle(signal.SIGHUP, None)

    with guard:
        handler = threading.Thread(target=interrupted_while_holding_locks, daemon=True)
        handler.start()
        handler.join(BOUND)
        assert not handler.is_alive(), "the handler waited on a lock its thread holds"
        assert guard.hung_up
        assert exited.wait(BOUND), "the watchdog was not armed"
    driver.close()


def test_a_handler_event_is_set_without_a_lock():
    """The sweep's Ctrl-C handler wakes its waiting loop through a HandlerEvent: set from
    a thread that holds nothing, seen by wait and is_set, gone after clear."""
    event = process.HandlerEvent()
    assert not event.is_set()
    assert not event.wait(0.01)
    event.set()
    event.set()
    assert event.is_set()
    assert event.wait(BOUND)
    event.clear()
    assert not event.is_set()


def test_a_hangup_just_after_detach_leaves_the_run_training(monkeypatch):
    """`d`, then the tab or terminal closes a moment later: between the UI's end and the
    detached run's own handlers, a SIGHUP must not end the process (it once raised the
    early handler's Terminated)."""
    monkeypatch.setattr(process, "streams_to", lambda *a, **k: None)  # keep pytest's fds
    saved = signal.getsignal(signal.SIGHUP)
    try:
        signal.signal(signal.SIGHUP, process._early_handler)
        app = type("FakeApp", (), {"_driver": None})()
        guard = UiGuard(app, on_signal=lambda s: None, plan=lambda s: (0, lambda: None),
                        watchdog=Watchdog(exit=lambda status: None))
        guard.install(loop=None)
        with guard:
            guard.hold_hangups()
        signal.raise_signal(signal.SIGHUP)  # raised Terminated before
        assert guard.hung_up
    finally:
        signal.signal(signal.SIGHUP, saved)


async def test_ctrl_z_without_a_job_control_shell_says_why(monkeypatch):
    """No shell could bring it back (pytest's stdin is no terminal): one line, and the
    dashboard goes on; Ctrl-Z is never taken as another key."""
    from tui.app import create_app

    monkeypatch.setattr(process, "has_job_control", lambda: False)
    app = create_app(warm=False, record=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+z")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("no job-control shell" in m for m in messages), messages
        assert app.is_running


def test_the_process_plumbing_never_loads_textual():
    """``bp-tui train`` goes through tui.cli and tui.process: neither loads Textual."""
    code = ("import sys, tui.cli, tui.process, tui.commands.train\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "[]"
