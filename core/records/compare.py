"""Comparing runs: TensorBoard's smoothing, overlay series, and CSV / Markdown export.

Plain Python: the overlay screen, ``bp-tui export`` and the tests share it.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core.labels import METRIC_NAMES, run_labels
from core.records.index import RunRow
from core.records.reader import printable, read_metrics, read_run

__all__ = [
    "METRICS",
    "TABLE_COLUMNS",
    "Series",
    "ema",
    "fmt_duration",
    "load_comparison",
    "load_series",
    "markdown_table",
    "metrics_csv",
    "row_labels",
    "sibling_labels",
    "table_cells",
    "table_csv",
    "table_markdown",
]

METRICS = ("loss", "soft_acc", "acc")
"""The metrics.jsonl keys that are compared and exported."""
MAX_SMOOTHING = 0.99


def ema(values: Sequence[float | None], weight: float) -> list[float | None]:
    """TensorBoard's debiased exponential moving average of ``values``.

    last = last·w + (1 − w)·x, shown as last / (1 − w^k) after k finite points, so the
    start is not pulled towards 0. ``weight`` is clipped to [0, 0.99]; a non-finite or
    missing value passes through unchanged and does not move the average.
    """
    w = min(max(float(weight), 0.0), MAX_SMOOTHING)
    last, k, out = 0.0, 0, []
    for x in values:
        if x is None or not math.isfinite(x):
            out.append(x)
            continue
        last = last * w + (1.0 - w) * x
        k += 1
        out.append(last / (1.0 - w**k) if w > 0 else last)
    return out


@dataclass(frozen=True)
class Series:
    """One run's metrics as columns: epoch, wall (s) and each of METRICS (None = missing);
    ``label``: the settings that set it apart from the runs it is compared with."""

    run: str
    epoch: list[int]
    wall: list[float | None]
    values: dict[str, list[float | None]]
    label: str = ""

    def x(self, axis: str) -> list[float]:
        """The x values: "epoch" or "wall" (seconds since the run started)."""
        if axis == "wall":
            return [w if w is not None else math.nan for w in self.wall]
        return [float(e) for e in self.epoch]

    def smoothed(self, key: str, weight: float) -> list[float | None]:
        """``ema`` of one metric."""
        return ema(self.values[key], weight)


def load_series(path: str | Path) -> Series:
    """A run's metrics.jsonl as a Series (torn or foreign lines skipped)."""
    rows = read_metrics(path)  # numbers are finite floats or None already
    return Series(
        run=printable(Path(path).name, 120),
        epoch=[r["epoch"] for r in rows],
        wall=[r.get("wall") for r in rows],
        values={k: [r.get(k) for r in rows] for k in METRICS},
    )


def _config(path: str | Path) -> dict[str, Any] | None:
    info = read_run(path)
    return None if info.damaged else info.config


def load_comparison(paths: Sequence[str | Path]) -> list[Series]:
    """The runs' Series, each labelled by the settings that differ between them
    (``(512,512)``, ``lr 0.1``; its name when nothing does or its settings are unreadable)."""
    series = [load_series(p) for p in paths]
    labels = run_labels([_config(p) for p in paths], [s.run for s in series])
    return [replace(s, label=label) for s, label in zip(series, labels)]


def row_labels(rows: Sequence[RunRow]) -> list[str]:
    """Each row labelled by the settings that differ between ``rows`` (damaged: its name)."""
    return run_labels([None if r.damaged else r.config for r in rows],
                      [printable(r.name) for r in rows])


def sibling_labels(rows: Sequence[RunRow]) -> dict[str, str]:
    """Run name → the settings that set it apart from the other runs of its sweep
    (``(512,512)``), for every run that belongs to a sweep of two or more runs."""
    by_sweep: dict[str, list[RunRow]] = {}
    for r in rows:
        if r.sweep:
            by_sweep.setdefault(r.sweep, []).append(r)
    out: dict[str, str] = {}
    for group in by_sweep.values():
        if len(group) > 1:
            out.update(zip((r.name for r in group), row_labels(group)))
    return out


def _cell(v: float | None, fmt: str = "{:.6g}") -> str:
    return "" if v is None else fmt.format(v)


def metrics_csv(series: Sequence[Series], out: str | Path, weight: float = 0.0) -> int:
    """Write every run's metrics, raw and smoothed, as CSV rows; returns the row count.

    Columns: run, its label (the settings that differ, ``Series.label``), epoch, wall,
    then for each metric its raw value and "<metric> smoothed" (debiased EMA with
    ``weight``), named as every screen names them (``core.labels.METRIC_NAMES``: loss,
    soft acc, right %). Missing values are empty cells.
    """
    header = ["run", "settings", "epoch", "wall"]
    for k in METRICS:
        header += [METRIC_NAMES[k], f"{METRIC_NAMES[k]} smoothed"]
    count = 0
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for s in series:
            smooth = {k: s.smoothed(k, weight) for k in METRICS}
            for i, epoch in enumerate(s.epoch):
                row: list[Any] = [s.run, s.label or s.run, epoch, _cell(s.wall[i], "{:.6f}")]
                for k in METRICS:
                    row += [_cell(s.values[k][i]), _cell(smooth[k][i])]
                w.writerow(row)
                count += 1
    return count


def fmt_duration(seconds: float | None, compact: bool = False) -> str:
    """A duration the one way bp-tui writes it: "7.1 s", "2 min 0.8 s" (the report's
    style, shortened), or ``compact`` for narrow columns: "9.5s", "2m40s", "1h05m"; ""
    when unknown."""
    if seconds is None or seconds != seconds:
        return ""
    if not compact:
        m, s = divmod(seconds, 60.0)
        return f"{int(m)} min {s:.1f} s" if m else f"{s:.1f} s"
    if seconds < 59.95:
        return f"{seconds:.1f}s"
    h, rem = divmod(round(seconds), 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub Markdown table ('|' in a cell escaped), one line per row."""
    def esc(text: str) -> str:
        return str(text).replace("|", "\\|")

    lines = ["| " + " | ".join(esc(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


TABLE_COLUMNS = (
    ("name", "name"), ("data", "data"), ("hidden", "hidden"), ("activation", "act"),
    ("optimizer", "opt"), ("lr", "lr"), ("epochs", "epochs"), ("loss", "loss"),
    ("soft_acc", METRIC_NAMES["soft_acc"]), ("acc", METRIC_NAMES["acc"]), ("duration", "time"),
    ("status", "status"), ("created", "date"),
)
"""(RunRow attribute, header) of the comparison table, in order."""


def table_cells(row: RunRow, short: bool = False) -> list[str]:
    """One run's cells of the comparison table, as text (``short``: no damage reason).
    Every cell is ``printable``: no control code from a file reaches a terminal."""
    def pct(v: float | None) -> str:  # metrics are recorded in percent already
        return "" if v is None else f"{v:.2f}"

    if row.epochs is None:
        epochs = ""
    elif row.epoch is not None and row.epoch != row.epochs:
        epochs = f"{row.epoch}/{row.epochs}"
    else:
        epochs = str(row.epochs)
    return [
        printable(row.name), row.data, row.hidden, row.activation, row.optimizer,
        "" if row.lr is None else f"{row.lr:g}", epochs,
        "" if row.loss is None else f"{row.loss:.4f}", pct(row.soft_acc), pct(row.acc),
        fmt_duration(row.duration),
        _status(row, short),
        row.created[:16].replace("T", " "),
    ]


def _status(row: RunRow, short: bool) -> str:
    """"finished"; "damaged: <reason>" and "error: <message>" unless ``short``."""
    if short:
        return row.status
    if row.damaged:
        return f"damaged: {row.damaged}"
    if row.status == "error" and row.message:
        return f"error: {row.message}"
    return row.status


def _export_rows(rows: Sequence[RunRow]) -> tuple[list[str], list[list[str]]]:
    """The exported table: TABLE_COLUMNS with "settings" (``row_labels``) after the name."""
    header = [h for _, h in TABLE_COLUMNS]
    cells = [table_cells(r) for r in rows]
    for c, label in zip(cells, row_labels(rows)):
        c.insert(1, label)
    return [header[0], "settings", *header[1:]], cells


def table_csv(rows: Sequence[RunRow], out: str | Path) -> None:
    """The comparison table as CSV (one header line, one line per run)."""
    header, cells = _export_rows(rows)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(cells)


def table_markdown(rows: Sequence[RunRow]) -> str:
    """The comparison table as a GitHub Markdown table."""
    return markdown_table(*_export_rows(rows))
