"""Shared helpers for the dashboard tests (and the screenshot script's clock): a
deterministic clock and waiting on state."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class FakeClock:
    """A timer that advances by ``tick`` seconds on every call (deterministic times)."""

    def __init__(self, tick: float = 0.001) -> None:
        self.t = 0.0
        self.tick = tick

    def __call__(self) -> float:
        self.t += self.tick
        return self.t


async def wait_for(pilot, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    """Let the app run until ``predicate()`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            code = getattr(predicate, "__code__", None)
            where = f" (predicate at line {code.co_firstlineno})" if code else ""
            raise AssertionError(f"timed out waiting for the app{where}")
        await pilot.pause(0.02)


async def burst(pilot, *keys: str, settle: float = 0.3) -> None:
    """Send ``keys`` all at once, as a paste or a burst over SSH arrives, then let the
    app work ``settle`` seconds. (``pilot.press`` waits for the process to idle after
    every key, which a training process never does: two seconds per key.)"""
    import unicodedata

    from textual import events
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

    app = pilot.app
    for key in keys:
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        original = REPLACED_KEYS.get(key, key)
        try:
            char = unicodedata.lookup(_get_unicode_name_from_key(original))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)
    await pilot.pause(settle)


def wait_until(predicate, timeout: float = 30.0, step: float = 0.02) -> bool:
    """Poll ``predicate`` (off the event loop) until true or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def wait_holding(controls, timeout: float = 30.0) -> None:
    """Wait until the trainer of ``controls`` (a paused run in this process) holds.

    The trainer calls ``controls.on_idle`` only while it holds between epochs, after
    reporting every epoch it trained: once it has, the run's state is final. (Not "the
    epoch stood still a while", which a descheduled thread on a loaded machine also
    does.) Call it once the pause (or the stepped epoch) was seen."""
    offer, holding = controls.on_idle, threading.Event()

    def idle() -> None:
        if offer is not None:
            offer()
        holding.set()

    controls.on_idle = idle
    try:
        assert holding.wait(timeout), "the run never held still"
    finally:
        controls.on_idle = offer


def wait_held(host, timeout: float = 30.0) -> int:
    """The epoch the paused run of ``host`` (trained in this process) holds at."""
    wait_holding(host.controls, timeout)
    return host.state.epoch


async def held(host, timeout: float = 30.0) -> int:
    """``wait_held`` for a test driving an app: the app's loop runs meanwhile."""
    import asyncio

    return await asyncio.get_running_loop().run_in_executor(None, wait_held, host, timeout)


def boundary_drawn(pair, epoch: int) -> bool:
    """The pair's boundary picture is the analyst's of ``epoch`` at the size the view
    draws (one for another size, or an earlier epoch, may arrive first)."""
    view = pair.boundary_view
    shown = view._boundary
    return view.epoch == epoch and shown is not None and shown.shape[::-1] == view.wanted()


def status(app) -> str:
    """The dashboard's status line as the user reads it."""
    from tui.widgets.run.status import StatusLine

    return str(app.screen.query_one("#status", StatusLine).render())
