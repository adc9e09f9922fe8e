"""What a sweep's tables say: each member named by the settings that tell it apart
(``core.labels``), and one line per grid cell with medians over its repeats, stuck
runs counted apart.

Shared by the CLI and the sweep screen (no Textual). A stuck run (see
``core.sweep.member``: every training point answered the same class) is not
averaged in: it would drag a cell's median loss to the constant-answer plateau, which
says "this seed got stuck", not "this setting learns worse".
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from core.labels import RIGHT, SOFT_ACC, describe_setting, differing_labels, differing_settings
from core.records.compare import fmt_duration
from core.sweep.runner import MemberState

__all__ = [
    "MEMBER_COLUMNS",
    "STUCK_NOTE",
    "CellSummary",
    "member_labels",
    "member_row",
    "member_status",
    "summarise",
]

MEMBER_COLUMNS = ("status", "epoch", "loss", SOFT_ACC, RIGHT, "ms/epoch", "time")
"""The columns after ``run`` and ``settings``, in both sweep tables: the status, live
epoch, loss, the report's soft accuracy, the share classified right, time per epoch."""


def _num(x: float | None, spec: str) -> str:
    return "" if x is None else format(x, spec)


STUCK_NOTE = ("stuck: finished with every training point answered the same class "
              "(the constant-answer plateau); left out of the medians")


def member_labels(members: Sequence[MemberState]) -> list[str]:
    """Each member named by the settings that set it apart (``(512,512) · lr 0.1``),
    as every comparison names runs (``core.labels.differing_labels``); a sweep of one
    run by its data set and hidden sizes (its name is in the column before)."""
    names = [m.name for m in members] if len(members) > 1 else None
    return differing_labels([m.config for m in members], names)


def member_status(m: MemberState) -> str:
    """What happened to the run (its status, as the runs screen says it), with the
    diagnosis "stuck" beside it for a finished run that answers one class throughout."""
    return f"{m.status} · stuck" if m.stuck and m.status == "finished" else m.status


def member_row(m: MemberState, label: str) -> list[str]:
    """One member as table cells: its name, its settings ``label``, then MEMBER_COLUMNS."""
    return [m.name, label, member_status(m),
            f"{m.epoch}/{m.config.epochs}", _num(m.loss, ".4f"), _num(m.soft_acc, ".2f"),
            _num(m.acc, ".2f"), _num(m.ms_per_epoch, ".3f"), fmt_duration(m.duration)]


@dataclass(frozen=True)
class CellSummary:
    """One grid cell over its repeats. Medians are over the runs that finished and were
    not stuck (None when there are none)."""

    settings: tuple[str, ...]
    runs: int
    finished: int
    stuck: int
    failed: int
    loss: float | None
    soft_acc: float | None
    acc: float | None
    ms_per_epoch: float | None

    @property
    def label(self) -> str:
        """The cell's settings as every comparison writes them (``(64,64) · lr 0.1``)."""
        return " · ".join(self.settings) or "all runs"


def _median(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def summarise(members: Sequence[MemberState]) -> list[CellSummary]:
    """One CellSummary per grid cell (members equal but for their seed), in grid order."""
    keys = [k for k in differing_settings([m.config for m in members]) if k != "seed"]
    cells: dict[tuple[str, ...], list[MemberState]] = {}
    for m in members:
        cell = tuple(describe_setting(k, getattr(m.config, k)) for k in keys)
        cells.setdefault(cell, []).append(m)
    out = []
    for cell, group in cells.items():
        stuck = [m for m in group if m.status == "finished" and m.stuck]
        good = [m for m in group if m.status == "finished" and not m.stuck]
        out.append(CellSummary(
            settings=cell, runs=len(group),
            finished=len(good) + len(stuck), stuck=len(stuck),
            failed=sum(m.status == "error" for m in group),
            loss=_median([m.loss for m in good]),
            soft_acc=_median([m.soft_acc for m in good]),
            acc=_median([m.acc for m in good]),
            ms_per_epoch=_median([m.ms_per_epoch for m in good]),
        ))
    return out
