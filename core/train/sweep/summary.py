"""What a sweep's tables say: the settings that tell its members apart, and one line
per grid cell with medians over its repeats, stuck runs counted apart.

Shared by the CLI and the sweep screen (no Textual). A stuck run (see
``core.train.sweep.member``: every training point answered the same class) is not
averaged in: it would drag a cell's median loss to the constant-answer plateau, which
says "this seed got stuck", not "this setting learns worse".
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from core.config import RunConfig
from core.records.compare import fmt_duration
from core.train.sweep.runner import MemberState

__all__ = [
    "MEMBER_COLUMNS",
    "SETTING_KEYS",
    "STUCK_NOTE",
    "CellSummary",
    "member_row",
    "setting_text",
    "summarise",
    "varying_settings",
]

SETTING_KEYS = ("data", "n", "hidden", "lr", "activation", "optimizer", "loss", "init",
                "epochs", "seed")
"""Settings a table may show, in column order."""


def setting_text(config: RunConfig, key: str) -> str:
    """One setting as a table shows it: hidden ``64,64``, lr ``0.01``, n the point count."""
    if key == "hidden":
        return ",".join(map(str, config.hidden))
    if key == "lr":
        return f"{config.lr:g}"
    if key == "n":
        n = config.n_points
        return "file" if n is None else str(n)
    return str(getattr(config, key))


def varying_settings(configs: Sequence[RunConfig]) -> list[str]:
    """The keys of ``SETTING_KEYS`` whose shown value differs between ``configs`` (for
    a single run: its hidden sizes and lr, so a row is never without settings)."""
    keys = [k for k in SETTING_KEYS
            if len({setting_text(c, k) for c in configs}) > 1]
    return keys or ["hidden", "lr"]


MEMBER_COLUMNS = ("status", "epoch", "loss", "acc %", "class %", "ms/epoch", "time")
"""The columns after ``run`` and the varying settings, in both sweep tables: the live
epoch, loss, soft accuracy (the report's), classification accuracy, time per epoch."""


def _num(x: float | None, spec: str) -> str:
    return "" if x is None else format(x, spec)


STUCK_NOTE = ("stuck: finished with every training point answered the same class "
              "(the constant-answer plateau); left out of the medians")


def member_row(m: MemberState, keys: Sequence[str]) -> list[str]:
    """One member as table cells: its name, its ``keys`` settings, then MEMBER_COLUMNS
    (status "stuck" for a finished run that ended stuck)."""
    status = "stuck" if m.stuck and m.status == "finished" else m.status
    return [m.name, *(setting_text(m.config, k) for k in keys), status,
            f"{m.epoch}/{m.config.epochs}", _num(m.loss, ".4f"), _num(m.soft_acc, ".2f"),
            _num(m.acc, ".2f"), _num(m.ms_per_epoch, ".3f"), fmt_duration(m.duration)]


@dataclass(frozen=True)
class CellSummary:
    """One grid cell over its repeats. Medians are over the runs that finished and were
    not stuck (None when there are none)."""

    settings: tuple[tuple[str, str], ...]
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
        """The cell's settings as ``key value`` pairs."""
        return "  ".join(f"{k} {v}" for k, v in self.settings)


def _median(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def summarise(members: Sequence[MemberState]) -> list[CellSummary]:
    """One CellSummary per grid cell (members equal but for their seed), in grid order."""
    keys = [k for k in varying_settings([m.config for m in members]) if k != "seed"]
    cells: dict[tuple[tuple[str, str], ...], list[MemberState]] = {}
    for m in members:
        cell = tuple((k, setting_text(m.config, k)) for k in keys)
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
