"""Getting the compiled kernel ready in the background, as soon as an app opens.

``KernelWarmup`` compiles (first launch) or loads from the disk cache the one kernel in a
daemon thread, and says what it is doing and for how long, so a screen can show
"compiling the training kernel — first launch only — 0:12" instead of waiting silently.
A run started meanwhile simply waits for it (numba serialises compilations).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from core.train import kernels

__all__ = ["KernelWarmup"]


class KernelWarmup:
    """The background compile or cache load of the training kernel."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.started = clock()
        self.finished: float | None = None
        self.compiling = False  # a real compilation (not a cache load) is happening
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, name="bp-tui-warmup", daemon=True)

    def start(self) -> KernelWarmup:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            if kernels.kernel_unavailable() is not None:
                self.error = kernels.kernel_unavailable()
                return
            kernels.ensure_compiled(self._on_compile)
        except Exception as exc:  # reported on screen; training falls back to NumPy
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.finished = self.clock()

    def _on_compile(self, _note: str) -> None:
        self.compiling = True

    @property
    def done(self) -> bool:
        return self.finished is not None

    def seconds(self) -> float:
        """How long it has taken so far (or took)."""
        return (self.finished if self.finished is not None else self.clock()) - self.started

    def describe(self) -> str:
        """One line for the status line while it works ("" once ready)."""
        if self.done:
            return ""
        s = int(self.seconds())
        if self.compiling:
            return f"compiling the training kernel — first launch only — {s // 60}:{s % 60:02d}"
        return "loading the training kernel…"
