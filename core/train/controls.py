"""Thread-safe controls for a running trainer: pause, resume, step, stop, change lr.

The UI (or a signal handler) calls these from any thread; the trainer reads them at
every epoch boundary through ``wait_turn`` and ``take_lr``. Whether a run is paused is
held here and nowhere else: the run host shows it to viewers by reading ``paused``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["Controls"]


class Controls:
    """A small command channel shared by a trainer and whoever drives it."""

    def __init__(self, stop_event: threading.Event | None = None) -> None:
        self._cond = threading.Condition()
        self.stop_event = stop_event if stop_event is not None else threading.Event()
        self._paused = False
        self._steps = 0
        self._lr: float | None = None
        self._linked: list[threading.Event] = []
        self.on_idle: Callable[[], None] | None = None
        """Called by the trainer's thread about every 0.1 s while it holds (paused)."""

    def link(self, event: threading.Event) -> None:
        """Also stop when ``event`` is set (e.g. a worker's cancelled_event)."""
        self._linked.append(event)

    # ------------------------------------------------------------ callers
    def pause(self) -> None:
        """Hold before the next epoch."""
        with self._cond:
            self._paused = True
            self._cond.notify_all()

    def resume(self) -> None:
        """Run freely again."""
        with self._cond:
            self._paused = False
            self._steps = 0
            self._cond.notify_all()

    def step(self, epochs: int = 1) -> None:
        """While paused, let ``epochs`` more epochs run, then hold again."""
        with self._cond:
            self._paused = True
            self._steps += max(1, int(epochs))
            self._cond.notify_all()

    def stop(self) -> None:
        """End the run at the next epoch boundary (status "stopped")."""
        with self._cond:
            self.stop_event.set()
            self._cond.notify_all()

    def set_lr(self, lr: float) -> None:
        """Use learning rate ``lr`` from the next epoch's updates on."""
        with self._cond:
            self._lr = float(lr)
            self._cond.notify_all()

    @property
    def paused(self) -> bool:
        """True while the run holds (or will hold) between epochs."""
        return self._paused

    @property
    def pending_lr(self) -> float | None:
        """The learning rate asked for and not yet taken by the trainer, or None."""
        return self._lr

    @property
    def stopped(self) -> bool:
        """True once stop was asked for (here or through a linked event)."""
        return self.stop_event.is_set() or any(e.is_set() for e in self._linked)

    # ------------------------------------------------------------ trainer side
    def wait_turn(self) -> bool:
        """Block while paused with no step pending; False when the run must stop."""
        with self._cond:
            while self._paused and self._steps == 0 and not self.stopped:
                # Linked events do not notify us: look again every 0.1 s.
                self._cond.wait(0.1)
                if self.on_idle is not None:
                    self._cond.release()
                    try:
                        self.on_idle()
                    finally:
                        self._cond.acquire()
            if self.stopped:
                return False
            if self._paused and self._steps > 0:
                self._steps -= 1
            return True

    def take_lr(self) -> float | None:
        """The learning rate asked for since the last call, or None."""
        with self._cond:
            lr, self._lr = self._lr, None
            return lr

    def __repr__(self) -> str:
        """``Controls(paused=True, stop=False, steps=2, pending_lr=0.05)`` (read without
        the lock; steps and pending_lr only when there are some)."""
        words = [f"paused={self._paused}", f"stop={self.stopped}"]
        if self._steps:
            words.append(f"steps={self._steps}")
        if self._lr is not None:
            words.append(f"pending_lr={self._lr:g}")
        return f"Controls({', '.join(words)})"
