"""The one vocabulary of a run's state, from the trainer to the widget and on disk.

``RunState`` is a ``str`` enum: its values are what ``summary.json``, the runs index, the
sweep tables and the wire carry, so a status read from a file compares equal to the
member (``RunState("finished") is RunState.FINISHED``). A run's life:

    ready → preparing → running ⇄ paused → finished | stopped | diverged | error

A sweep member starts ``queued`` and may end ``cancelled`` before it runs. What the runs
index can tell from files alone adds ``starting`` (a directory being created), ``dead``
(recorded as running, but its process is gone) and ``damaged`` (unreadable records).
Being stuck on a plateau is a diagnosis shown beside the status, never a status.
"""

from __future__ import annotations

from enum import Enum

__all__ = ["RunState"]


class RunState(str, Enum):
    """Where a run is. ``live``: training or about to; ``ended``: over for good."""

    READY = "ready"
    PREPARING = "preparing"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"
    STOPPED = "stopped"
    DIVERGED = "diverged"
    ERROR = "error"
    QUEUED = "queued"
    CANCELLED = "cancelled"
    STARTING = "starting"
    DEAD = "dead"
    DAMAGED = "damaged"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value

    @property
    def live(self) -> bool:
        return self in (RunState.PREPARING, RunState.RUNNING, RunState.PAUSED)

    @property
    def ended(self) -> bool:
        return self in (RunState.FINISHED, RunState.STOPPED, RunState.DIVERGED,
                        RunState.ERROR, RunState.CANCELLED)

    @classmethod
    def parse(cls, value: object, default: RunState | None = None) -> RunState:
        """The member for a status read from a file (``default``, else UNKNOWN, if none)."""
        try:
            return cls(value)
        except ValueError:
            return default if default is not None else cls.UNKNOWN
