"""The report's own numbers ("Results the report shows" in the project's SPEC), to set
bp-tui's beside. Times are the report's wall-clock seconds on its author's machine.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["REPORTED", "Reported"]


@dataclass(frozen=True)
class Reported:
    """One run of the report: its final loss and (soft) accuracy, its time, and its
    epoch-0 line where the report prints one."""

    epochs: int
    loss: float
    acc: float
    seconds: float | None = None
    loss0: float | None = None
    acc0: float | None = None
    places: int = 4  # decimals of the loss as the report prints it


REPORTED: dict[str, Reported] = {
    "linear": Reported(5000, 0.4907, 96.74, 20.0, 15.3336, 53.34),
    "xor": Reported(5000, 1.8708, 91.84, 19.5, 29.2697, 50.45),
    "hidden (64,64)": Reported(2000, 4.2003, 81.81, 7.1),
    "hidden (128,128)": Reported(2000, 2.9671, 86.96, 31.4),
    "hidden (256,256)": Reported(2000, 1.8126, 92.03, 120.8),
    "hidden (512,512)": Reported(2000, 1.4980, 93.42, 392.0),
    "hidden (256,512)": Reported(2000, 1.9515, 91.59, 219.2),
    "hidden (512,256)": Reported(2000, 1.6816, 92.41, 216.2),
    "stuck": Reported(40000, 34.00, 50.72, None, 34.00, 50.72, places=2),
}
"""Keyed like ``core.reproduce.experiments``' members. The report gives no time for its
stuck run, and no numbers for its learning-rate and linear-vs-XOR comparisons (their
figures are lost): those are compared by observation only."""
