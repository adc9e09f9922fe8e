"""Text line charts for the Markdown report, drawn by plotext without colour.

plotext keeps one global figure: call these from one thread only (the CLI's).
Series are told apart by their marker, listed in the chart's legend.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotext as plt

from core.analysis.history import thin_series

__all__ = ["MARKERS", "line_chart"]

MARKERS = ("o", "x", "+", "*", "#", "%", "@", "=")


def line_chart(series: Sequence[tuple[str, Sequence[float], Sequence[float]]], title: str,
               xlabel: str, ylabel: str, width: int = 76, height: int = 20,
               ylog: bool = False) -> str:
    """(label, xs, ys) series as one plain-text chart (no ANSI colour codes)."""
    plt.clear_figure()
    plt.plotsize(width, height)
    plt.theme("clear")
    for (label, xs, ys), marker in zip(series, MARKERS):
        pairs = [(x, y) for x, y in zip(xs, ys) if y is not None and (not ylog or y > 0)]
        if not pairs:
            continue
        px, py = thin_series([p[0] for p in pairs], [p[1] for p in pairs], 4 * width)
        plt.plot(px, py, label=f"{label}", marker=marker)
    if ylog:
        plt.yscale("log")
    plt.title(title)
    plt.xlabel(xlabel)
    plt.ylabel(ylabel)
    text = plt.uncolorize(plt.build())
    plt.clear_figure()
    return "\n".join(line.rstrip() for line in text.splitlines())
