"""Shared helpers for the dashboard tests: a deterministic clock and waiting on state."""

from __future__ import annotations

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
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.02)
