"""Metric histories against epochs: one run's loss (linear or log axis) and both its
accuracies, or several runs overlaid and labelled by what differs between them.

Each line has its own colour, dash pattern and marker, so lines stay apart in a
greyscale print; the legend sits below the axes, outside the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.figures.backend import HEIGHT, WIDTH, pyplot

__all__ = ["LOOKS", "Line", "history_figure", "legend_columns", "loss_label"]

LOOKS = (  # colour, dashes, marker: distinct in colour and in grey
    ("#1f3f99", "-", "o"), ("#d62728", "--", "s"), ("#2ca02c", ":", "^"),
    ("#9467bd", "-.", "D"), ("#ff7f0e", (0, (5, 1, 1, 1)), "v"), ("#111111", "-", "x"),
    ("#8c564b", "--", "P"), ("#17becf", ":", "*"),
)


@dataclass(frozen=True)
class Line:
    """One plotted series: its legend label and the (epoch, value) pairs."""

    label: str
    epochs: Sequence[int]
    values: Sequence[float]


def loss_label(loss: str | None, n_points: int | None) -> str:
    """The loss axis label: what is summed (None: losses differ), over how many points."""
    what = {"mse": "Σ(y − ŷ)²", "bce": "Σ binary cross-entropy"}.get(loss or "", "summed")
    over = f" over {n_points} points" if n_points else ""
    return f"loss {what}{over}"


def history_figure(lines: Sequence[Line], title: str, ylabel: str, *, log: bool = False,
                   percent: bool = False) -> Any:
    """A figure of ``lines`` against epochs: a title, labelled axes, the legend below.

    ``log`` puts the values on a log10 axis; ``percent`` fixes the top of the axis at
    100 (accuracies). Returns the matplotlib Figure."""
    plt = pyplot()
    rows = -(-len(lines) // legend_columns([ln.label for ln in lines]))
    fig, ax = plt.subplots(figsize=(WIDTH, HEIGHT + 0.14 * max(rows - 1, 0)),
                           layout="constrained")
    for i, line in enumerate(lines):
        colour, dashes, marker = LOOKS[i % len(LOOKS)]
        ax.plot(line.epochs, line.values, color=colour, linestyle=dashes, marker=marker,
                markevery=_mark_every(len(line.epochs), i), markersize=3.5,
                markerfacecolor="none" if i % 2 else colour, label=line.label)
    ax.set_title(title)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    if log:
        ax.set_yscale("log")
    if percent:
        low = min((min(ln.values) for ln in lines if ln.values), default=0.0)
        ax.set_ylim(max(0.0, min(low, 95.0) - 3.0), 101.0)
    ax.margins(x=0.01)
    ax.grid(True, which="major")
    fig.legend(loc="outside lower center", ncols=legend_columns([ln.label for ln in lines]))
    return fig


def legend_columns(labels: Sequence[str], most: int = 2) -> int:
    """Legend columns that fit a column-wide figure: one when a label is long."""
    return 1 if max((len(lb) for lb in labels), default=0) > 22 else min(len(labels), most)


def _mark_every(n: int, i: int) -> tuple[int, int] | int:
    """Markers every ~n/8 points, shifted per line so they do not sit on each other."""
    step = max(n // 8, 1)
    return (min(i * step // 3, max(n - 1, 0)), step)
