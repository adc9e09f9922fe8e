"""The report's runs, one at a time: the settings behind the form's "Report" chooser
and the ``--preset NAME`` flag of ``bp-tui`` and ``bp-tui train``.

Each comes from a sweep preset (``core.sweep.PRESETS``), so the dashboard, ``bp-tui
train --preset``, ``bp-tui sweep --preset`` and ``bp-tui reproduce`` use the same numbers
(learning rate, seed, epochs). A comparison (hidden units, learning rates) loads its first
run; its line says what the report compared and how to run all of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.config import RunConfig
from core.sweep import preset

__all__ = ["REPORT_PRESETS", "ReportPreset", "report_config"]


@dataclass(frozen=True)
class ReportPreset:
    """One of the report's runs: the sweep preset it comes from, the grid value it
    takes (None: the grid's first), and one line saying what the report did."""

    sweep: str
    value: Any
    did: str


REPORT_PRESETS: dict[str, ReportPreset] = {
    "linear-run": ReportPreset(
        "linear-vs-xor", "linear",
        "the report's linear run: (64,64), 5000 epochs — loss 15.3336 → 0.4907, "
        "accuracy 53.34 % → 96.74 % in 20.0 s (its lr unstated; bp-tui uses 0.01)"),
    "xor-run": ReportPreset(
        "linear-vs-xor", "xor-grid",
        "the report's XOR run on its 69 points: (64,64), 5000 epochs — loss 29.2697 → "
        "1.8708, accuracy 50.45 % → 91.84 % in 19.5 s (lr 0.01 here)"),
    "hidden-units": ReportPreset(
        "hidden-units", None,
        "the report compared (64,64) … (512,512), (256,512), (512,256) for 2000 epochs: "
        "this is the first; `bp-tui sweep --preset hidden-units` runs all six"),
    "learning-rates": ReportPreset(
        "learning-rates", None,
        "the report compared lr 1, 0.1, 0.01, 0.001 at (64,64) for 2000 epochs: this is "
        "lr 1; `bp-tui sweep --preset learning-rates` runs all four"),
    "stuck": ReportPreset(
        "stuck", None,
        "the report's stuck run: lr 0.0005 sat at loss 34.00, accuracy 50.72 % for "
        "40000 epochs (seed 52 starts the same way: every point answered 0)"),
}
"""By name, in the order the report shows them."""


def report_config(name: str) -> RunConfig:
    """The settings of the report's run ``name`` (KeyError if there is none)."""
    chosen = REPORT_PRESETS[name]
    base, grid = preset(chosen.sweep)
    ((key, values),) = grid.items()
    value = values[0] if chosen.value is None else chosen.value
    if value not in values:
        raise KeyError(f"{chosen.sweep} has no {key} {value!r}")
    return base.with_changes(**{key: value})
