"""The text tables of ``bp-tui sweep``: every member with its settings and live epoch,
loss and accuracy; per-cell medians with stuck runs apart; a live view on a terminal.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Sequence
from typing import TextIO

from core.labels import RIGHT, SOFT_ACC
from core.sweep import (
    MEMBER_COLUMNS,
    CellSummary,
    MemberState,
    member_labels,
    member_row,
)

__all__ = ["DROP_FIRST", "LiveTable", "cell_lines", "fit_columns", "format_table",
           "member_lines"]

LEFT = {"run", "settings", "status", "cell"}


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns padded to their widest cell; text columns left, numbers right."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        out = [c.ljust(w) if h in LEFT else c.rjust(w)
               for c, w, h in zip(cells, widths, headers)]
        return "  ".join(out).rstrip()

    return [line(headers), *(line(r) for r in rows)]


DROP_FIRST = ("run", RIGHT, "epoch", "status")
"""Columns that give way, in this order, when a table is wider than the terminal: the
settings that differ name a row, and the numbers asked for (loss, accuracy, ms/epoch,
time) stay."""


def fit_columns(headers: Sequence[str], rows: Sequence[Sequence[str]],
                width: int | None) -> tuple[list[str], list[list[str]]]:
    """``headers`` and ``rows`` without the DROP_FIRST columns it takes (in order) for
    the table to fit ``width`` characters (None: all of them)."""
    headers, rows = list(headers), [list(r) for r in rows]
    for name in (*DROP_FIRST, None):
        if width is None or len(format_table(headers, rows)[0]) <= width or name is None:
            break
        if name in headers and len(headers) > 2:
            i = headers.index(name)
            headers.pop(i)
            for r in rows:
                r.pop(i)
    return headers, rows


def member_lines(members: Sequence[MemberState], width: int | None = None) -> list[str]:
    """The members table: run, its settings (those that differ), status, epoch, loss,
    both accuracies, time (within ``width`` characters: low-value columns go first)."""
    headers = ["run", "settings", *MEMBER_COLUMNS]
    labels = member_labels(members)
    rows = [member_row(m, lab) for m, lab in zip(members, labels)]
    return format_table(*fit_columns(headers, rows, width))


def _median(x: float | None, spec: str) -> str:
    return "—" if x is None else format(x, spec)


def cell_lines(cells: Sequence[CellSummary]) -> list[str]:
    """Per grid cell: runs, how many stuck or failed, medians of the others."""
    headers = ["cell", "runs", "stuck", "failed", "median loss", f"median {SOFT_ACC}",
               f"median {RIGHT}", "median ms/epoch"]
    rows = [[c.label, str(c.runs), str(c.stuck), str(c.failed), _median(c.loss, ".4f"),
             _median(c.soft_acc, ".2f"), _median(c.acc, ".2f"),
             _median(c.ms_per_epoch, ".3f")] for c in cells]
    return format_table(headers, rows)


class LiveTable:
    """Progress on stderr while a sweep runs.

    On a terminal the members table is redrawn in place (when it fits); otherwise one
    line per member whenever its status changes, and its epoch and loss at most every
    ``every`` seconds while it runs.
    """

    def __init__(self, out: TextIO | None = None, every: float = 10.0) -> None:
        self.out = out or sys.stderr
        self.every = every
        self.drawn = 0
        self.seen: dict[str, tuple[str, float]] = {}
        try:
            self.tty = self.out.isatty()
        except (AttributeError, ValueError):
            self.tty = False

    def update(self, members: Sequence[MemberState]) -> None:
        """Show the members' newest state."""
        size = shutil.get_terminal_size((100, 24))
        lines = member_lines(members, size.columns - 1 if self.tty else None)
        if self.tty and len(lines) < size.lines - 2:
            self._redraw(lines)
        else:
            self._lines(members, lines)

    def _redraw(self, lines: list[str]) -> None:
        width = shutil.get_terminal_size((100, 24)).columns
        up = f"\x1b[{self.drawn}F" if self.drawn else ""
        body = "".join(f"\x1b[2K{line[:width - 1]}\n" for line in lines)
        self.out.write(up + body)
        self.out.flush()
        self.drawn = len(lines)

    def _lines(self, members: Sequence[MemberState], lines: list[str]) -> None:
        now = time.monotonic()
        if not self.seen:
            print(lines[0], file=self.out, flush=True)
        for m, row in zip(members, lines[1:]):
            status, at = self.seen.get(m.name, ("", -1e9))
            if m.status != status or (m.status == "running" and now - at >= self.every):
                self.seen[m.name] = (m.status, now)
                print(row, file=self.out, flush=True)
