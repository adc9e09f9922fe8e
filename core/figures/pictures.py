"""Pictures of the input square: ground truth beside prediction with the decision
boundary behind, the continuous ŷ field, a grid of boundaries (one panel per run) and a
sample of points coloured by the class the network answers (the report's 10,000 points).

The boundaries come from ``core.analysis.boundary`` (the dashboard's own). Class 0 is a red
``o``, class 1 a blue ``x``; a misclassified point gets a black ring; the two decision
regions differ in lightness and the ŷ = 0.5 line is drawn black, so all of it survives a
greyscale print.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.analysis.boundary import Bounds, boundary_of, data_bounds
from core.figures.backend import BLUE, FIELD_COLOURS, RED, WIDTH, pyplot
from core.nn.metrics import classes, misclassified
from core.nn.network import Network

__all__ = ["Panel", "boundary_grid", "pair_figure", "sample_figure", "wrap_label",
           "yhat_figure"]

RESOLUTION = 160
"""Field pixels along each axis of a full-width panel."""
FIELD_BUDGET = 4e9
"""Most multiply-adds one boundary may cost: a very large network gets fewer pixels."""


def boundary_pixels(net: Network, wanted: int) -> int:
    """``wanted`` pixels a side, fewer (at least 48) when the network is so large that
    wanted² forward passes would exceed ``FIELD_BUDGET`` multiply-adds."""
    most = int((FIELD_BUDGET / max(net.layout.n_params, 1)) ** 0.5)
    return max(min(wanted, most), min(wanted, 48))


@dataclass(frozen=True)
class Panel:
    """What one boundary panel shows: points X (n, 2), labels y (n,), the network's ŷ
    (n,) on them and the network (None: no field behind)."""

    title: str
    X: np.ndarray
    y: np.ndarray
    yhat: np.ndarray
    net: Network | None

    @classmethod
    def of(cls, title: str, X: np.ndarray, y: np.ndarray, net: Network) -> Panel:
        """A panel of ``net`` on X (n, 2) with labels y (n, 1) or (n,)."""
        with np.errstate(all="ignore"):
            yhat = net.predict(np.asarray(X, dtype=float)).reshape(-1)
        return cls(title, np.asarray(X, dtype=float), np.asarray(y, dtype=float).reshape(-1),
                   np.where(np.isfinite(yhat), yhat, 0.5), net)

    @property
    def wrong(self) -> np.ndarray:
        """Mask (n,) of points whose answered class (ŷ ≥ 0.5) differs from the label."""
        return misclassified(self.yhat, self.y)


def wrap_label(label: str, width: int) -> str:
    """A run label broken into lines of about ``width`` characters between its
    settings (``XOR · lr 0.5`` parts stay whole)."""
    lines: list[str] = []
    for part in label.split(" · "):
        if lines and len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    return "\n".join(lines)


def _square(ax, bounds: Bounds) -> None:
    ax.set_xlim(bounds[0], bounds[1])
    ax.set_ylim(bounds[2], bounds[3])
    ax.set_aspect("equal")


def _regions(ax, net: Network, bounds: Bounds, pixels: int) -> None:
    """The two decision regions and the ŷ = 0.5 line behind the points."""
    from matplotlib.colors import ListedColormap

    pixels = boundary_pixels(net, pixels)
    boundary = boundary_of(net, pixels, pixels, bounds)
    ax.imshow(boundary >= 0.5, extent=bounds, origin="upper", cmap=ListedColormap(
        FIELD_COLOURS), vmin=0, vmax=1, interpolation="nearest", zorder=0)
    _half_line(ax, boundary, bounds)


def _half_line(ax, boundary: np.ndarray, bounds: Bounds) -> None:
    if boundary.min() < 0.5 <= boundary.max():
        ax.contour(boundary, levels=[0.5], extent=bounds, origin="upper", colors="black",
                   linewidths=0.9, zorder=1)


def _points(ax, X: np.ndarray, cls: np.ndarray, size: float = 14.0, **kw: Any) -> None:
    """Class 0 as red o, class 1 as blue x."""
    zero = cls < 0.5
    ax.scatter(X[zero, 0], X[zero, 1], s=size, c=RED, marker="o", linewidths=0.4,
               edgecolors="white", zorder=3, label="class 0", **kw)
    ax.scatter(X[~zero, 0], X[~zero, 1], s=size, c=BLUE, marker="x",
               linewidths=1.0 if size > 4 else 0.5,
               zorder=3, label="class 1", **kw)


def _ring(ax, X: np.ndarray, wrong: np.ndarray, size: float = 14.0,
          label: str | None = None) -> None:
    """A black ring around each misclassified point (its count in the legend)."""
    ax.scatter(X[wrong, 0], X[wrong, 1], s=size * 4, facecolors="none",
               edgecolors="black", linewidths=0.8, marker="o", zorder=4,
               label=label or f"misclassified ({int(wrong.sum())})")


def _axes_labels(ax, left: bool = True, bottom: bool = True) -> None:
    if bottom:
        ax.set_xlabel("x₀ (input 1)")
    if left:
        ax.set_ylabel("x₁ (input 2)")


def _legend(fig, ax, regions: bool, ncols: int = 3) -> None:
    """Points, misclassified ring, regions and the ŷ = 0.5 line, below the panels."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles, labels = ax.get_legend_handles_labels()
    if regions:
        handles += [Patch(facecolor=FIELD_COLOURS[0], edgecolor="0.6"),
                    Patch(facecolor=FIELD_COLOURS[1], edgecolor="0.6"),
                    Line2D([], [], color="black", linewidth=0.9)]
        labels += ["answers 0", "answers 1", "boundary ŷ = 0.5"]
    fig.legend(handles, labels, loc="outside lower center", ncols=ncols)


def pair_figure(panel: Panel, title: str, pixels: int = RESOLUTION,
                truth_title: str = "Ground truth",
                predict_title: str = "Predict result") -> Any:
    """Ground truth (points by label) beside the prediction (points by answered class,
    misclassified ringed, the decision regions behind), on the same axes."""
    plt = pyplot()
    bounds = data_bounds(panel.X)
    fig, (truth, pred) = plt.subplots(1, 2, figsize=(WIDTH, 2.35), sharex=True, sharey=True,
                                      layout="constrained")
    _points(truth, panel.X, panel.y)
    truth.set_title(truth_title)
    if panel.net is not None:
        _regions(pred, panel.net, bounds, pixels)
    _points(pred, panel.X, classes(panel.yhat).astype(float))
    _ring(pred, panel.X, panel.wrong)
    pred.set_title(predict_title)
    for ax in (truth, pred):
        _square(ax, bounds)
    _axes_labels(truth)
    _axes_labels(pred, left=False)
    fig.suptitle(title)
    _legend(fig, pred, regions=panel.net is not None)
    return fig


def yhat_figure(panel: Panel, title: str, pixels: int = RESOLUTION) -> Any:
    """The continuous ŷ over the input square (light = 0, dark = 1, a colour bar),
    the ŷ = 0.25 / 0.5 / 0.75 lines and the training points by label."""
    from matplotlib.colors import LinearSegmentedColormap

    plt = pyplot()
    bounds = data_bounds(panel.X)
    pixels = boundary_pixels(panel.net, pixels)
    boundary = boundary_of(panel.net, pixels, pixels, bounds)
    fig, ax = plt.subplots(figsize=(WIDTH, 3.05), layout="constrained")
    ramp = LinearSegmentedColormap.from_list("bp-yhat", ["#ffffff", "#7f9ccc"])
    image = ax.imshow(boundary, extent=bounds, origin="upper", cmap=ramp, vmin=0, vmax=1,
                      interpolation="bilinear", zorder=0)
    _yhat_lines(ax, boundary, bounds)
    _points(ax, panel.X, panel.y)
    _ring(ax, panel.X, panel.wrong)
    _square(ax, bounds)
    _axes_labels(ax)
    ax.set_title(title)
    fig.colorbar(image, ax=ax, shrink=0.85, label="ŷ (network output, 0 to 1)")
    _yhat_legend(fig, ax)
    return fig


def _yhat_lines(ax, boundary: np.ndarray, bounds: Bounds) -> None:
    """The ŷ = 0.25 / 0.5 / 0.75 lines the boundary picture crosses (0.5 solid and labelled, the
    others dashed; the others labelled only when 0.5 is not crossed)."""
    levels = [v for v in (0.25, 0.5, 0.75) if boundary.min() < v <= boundary.max()]
    if levels:
        lines = ax.contour(boundary, levels=levels, extent=bounds, origin="upper",
                           colors="black", linewidths=[0.9 if v == 0.5 else 0.5
                                                       for v in levels],
                           linestyles=["-" if v == 0.5 else "--" for v in levels], zorder=1)
        ax.clabel(lines, levels=[v for v in levels if v == 0.5] or levels, fmt="ŷ = %.2g",
                  fontsize=6)


def _yhat_legend(fig, ax) -> None:
    """The figure's legend: the points' labels, then the two kinds of ŷ line."""
    from matplotlib.lines import Line2D

    handles, labels = ax.get_legend_handles_labels()
    handles += [Line2D([], [], color="black", linewidth=0.9),
                Line2D([], [], color="black", linewidth=0.5, linestyle="--")]
    labels += ["ŷ = 0.5", "ŷ = 0.25, 0.75"]
    fig.legend(handles, labels, loc="outside lower center", ncols=3)


def boundary_grid(panels: Sequence[Panel], title: str, pixels: int = 100) -> Any:
    """One boundary panel per run (regions, ŷ = 0.5 line, points by label, misclassified
    ringed), titled by the run's label; up to three panels a row."""
    plt = pyplot()
    cols = min(len(panels), 3)
    rows = -(-len(panels) // cols)
    side = (WIDTH - 0.35) / cols
    fig, axes = plt.subplots(rows, cols, figsize=(WIDTH, rows * (side + 0.3) + 0.75),
                             squeeze=False, layout="constrained")
    for i, ax in enumerate(axes.flat):
        if i >= len(panels):
            ax.set_axis_off()
            continue
        p = panels[i]
        bounds = data_bounds(p.X)
        if p.net is not None:
            _regions(ax, p.net, bounds, pixels)
        _points(ax, p.X, p.y, size=6.0)
        _ring(ax, p.X, p.wrong, size=6.0, label="misclassified")
        _square(ax, bounds)
        ax.set_title(f"{wrap_label(p.title, 48 // cols)}\n"
                     f"{int(p.wrong.sum())} of {len(p.y)} wrong", fontsize=7)
        ax.tick_params(labelsize=6)
        _axes_labels(ax, left=i % cols == 0, bottom=i // cols == rows - 1)
    fig.suptitle(title)
    _legend(fig, axes.flat[0], regions=True, ncols=3)
    return fig


def sample_figure(panels: Sequence[Panel], title: str) -> Any:
    """Each model's answers on many points (the report's 10,000): a point is drawn as
    the class the network answers, one panel per model, rasterised in the SVG."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(panels), figsize=(WIDTH, 2.3), squeeze=False,
                             sharex=True, sharey=True, layout="constrained")
    for i, (ax, p) in enumerate(zip(axes.flat, panels)):
        _points(ax, p.X, classes(p.yhat).astype(float), size=1.0, rasterized=True)
        _square(ax, data_bounds(p.X))
        ax.set_title(p.title)
        _axes_labels(ax, left=i == 0)
    fig.suptitle(title)
    handles = [plt.Line2D([], [], color=RED, marker="o", linestyle="", markersize=4),
               plt.Line2D([], [], color=BLUE, marker="x", linestyle="", markersize=4)]
    fig.legend(handles, ["answers 0", "answers 1"], loc="outside lower center", ncols=2)
    return fig
