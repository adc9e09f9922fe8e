"""Which figures a run (or several) gets, and writing them as SVG / PNG files.

One run: its loss (linear and log10 axis), both accuracies, ground truth beside
prediction, and the continuous ŷ field. Several runs: their loss and accuracy
histories overlaid, labelled by the settings that differ (``core.labels``), and a grid
of their decision boundaries titled the same way.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from core.figures.backend import FORMATS, pyplot, save
from core.figures.history import Line, history_figure, loss_label
from core.figures.pictures import Panel, boundary_grid, pair_figure, wrap_label, yhat_figure
from core.figures.source import FigureSource, load_source, series
from core.labels import describe_setting, differing_labels

__all__ = ["FigureMaker", "comparison_figures", "run_figures", "run_title", "save_figures",
           "write_figures"]

FigureMaker = Callable[[], Any]
"""Draws one figure when called (so figures are made, saved and closed one at a time)."""

SOFT = "soft accuracy (1 − mean|y − ŷ|)"
RIGHT = "classified right (ŷ ≥ 0.5 ⇔ class 1)"


def _n(src: FigureSource) -> int | None:
    return len(src.y) if src.y is not None else src.config.n_points


def run_title(src: FigureSource, name: str | None = None,
              settings: Sequence[str] = ("data", "hidden", "lr", "epochs")) -> str:
    """A run's name (or ``name``) and its ``settings``, broken between settings to fit
    a column: ``xor · XOR · (64,64)`` / ``lr 0.1 · 2,000 epochs``."""
    c = src.config
    parts = [name or src.name, *(describe_setting(k, getattr(c, k)) for k in settings)]
    return wrap_label(" · ".join(parts), 44)


def _loss_lines(sources: Sequence[FigureSource], labels: Sequence[str]) -> list[Line]:
    return [Line(label, *series(s.rows, "loss")) for s, label in zip(sources, labels)]


def run_figures(src: FigureSource) -> dict[str, FigureMaker]:
    """File stem → figure maker for one run (the pictures only if it has points and
    weights)."""
    name, c = src.name, src.config
    ylabel = loss_label(c.loss, _n(src))
    loss = _loss_lines([src], ["training set"])
    makers: dict[str, FigureMaker] = {
        f"{name}-loss": lambda: history_figure(loss, f"Loss — {name}", ylabel),
        f"{name}-loss-log": lambda: history_figure(loss, f"Loss (log scale) — {name}",
                                                   ylabel, log=True),
        f"{name}-accuracy": lambda: history_figure(
            [Line(SOFT, *series(src.rows, "soft_acc")),
             Line(RIGHT, *series(src.rows, "acc"))],
            f"Accuracy — {name}", "accuracy (%)", percent=True),
    }
    if src.can_draw_points:
        panel = Panel.of(name, src.X, src.y, src.net)
        title = run_title(src)
        makers[f"{name}-prediction"] = lambda: pair_figure(panel, title)
        field_title = run_title(src, f"Network output ŷ of {name}")
        makers[f"{name}-yhat"] = lambda: yhat_figure(panel, field_title)
    return makers


def comparison_figures(sources: Sequence[FigureSource], prefix: str = "compare",
                       subject: str = "") -> dict[str, FigureMaker]:
    """File stem → figure maker comparing ``sources`` (labelled by what differs);
    ``subject`` ends each title (``Loss history: different learning rates``)."""
    of = f": {subject}" if subject else ""
    labels = differing_labels([s.config for s in sources], [s.name for s in sources])
    losses = {s.config.loss for s in sources}
    sizes = {_n(s) for s in sources}
    ylabel = loss_label(losses.pop() if len(losses) == 1 else None,
                        sizes.pop() if len(sizes) == 1 else None)
    loss = _loss_lines(sources, labels)
    soft = [Line(lb, *series(s.rows, "soft_acc")) for s, lb in zip(sources, labels)]
    right = [Line(lb, *series(s.rows, "acc")) for s, lb in zip(sources, labels)]
    makers: dict[str, FigureMaker] = {
        f"{prefix}-loss": lambda: history_figure(loss, f"Loss history{of}", ylabel),
        f"{prefix}-loss-log": lambda: history_figure(loss, f"Loss history{of} (log)",
                                                     ylabel, log=True),
        f"{prefix}-accuracy": lambda: history_figure(
            soft, f"Accuracy history{of}", "soft accuracy (%)",
            percent=True),
        f"{prefix}-classified": lambda: history_figure(
            right, f"Classified right{of}", "classified right (%)",
            percent=True),
    }
    drawable = [(s, lb) for s, lb in zip(sources, labels) if s.can_draw_points]
    if drawable:
        panels = [Panel.of(lb, s.X, s.y, s.net) for s, lb in drawable]
        makers[f"{prefix}-boundaries"] = lambda: boundary_grid(
            panels, f"Decision boundaries{of}", pixels=72)
    return makers


_JOBS: tuple[dict[str, FigureMaker], Path, tuple[str, ...], int] | None = None
"""What forked drawing processes draw (set only while ``save_figures`` runs them)."""


def _child_signals() -> None:
    """A drawing process leaves signals to its parent: Ctrl-C is the parent's to act
    on, and the pool's SIGTERM at the end just ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)


def _draw(stem: str) -> list[Path]:
    makers, out, formats, dpi = _JOBS
    return save(makers[stem](), out / stem, formats, dpi)


def save_figures(makers: dict[str, FigureMaker], out: str | Path,
                 formats: Sequence[str] = FORMATS, dpi: int = 200,
                 processes: int = 1) -> list[Path]:
    """Draw each figure and write it into folder ``out`` (created) in every format.

    ``processes`` > 1 draws in that many forked processes (where the platform forks;
    only from a program's main thread, e.g. ``bp-tui reproduce`` once its sweep is
    done), the grids first."""
    global _JOBS
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stems = sorted(makers, key=lambda s: not s.endswith(("boundaries", "prediction")))
    if processes > 1 and len(stems) > 1 and "fork" in mp.get_all_start_methods():
        _JOBS = (makers, out, tuple(formats), dpi)
        try:
            with mp.get_context("fork").Pool(min(processes, len(stems)),
                                             initializer=_child_signals) as pool:
                done = dict(zip(stems, pool.map(_draw, stems, chunksize=1)))
                pool.close()
                pool.join()
        finally:
            _JOBS = None
        return [path for stem in makers for path in done[stem]]
    written: list[Path] = []
    for stem, make in makers.items():
        written += save(make(), out / stem, formats, dpi)
    return written


def write_figures(runs: Sequence[str | Path], out: str | Path,
                  formats: Sequence[str] = FORMATS, dpi: int = 200) -> list[Path]:
    """The figures of one run, or the comparison figures of several, written into
    ``out``. SourceError for a run that cannot be drawn, FiguresUnavailable without
    matplotlib (both before any file is written), OSError from writing."""
    pyplot()  # fail before reading anything if matplotlib is not there
    sources = [load_source(p) for p in runs]
    makers = run_figures(sources[0]) if len(sources) == 1 else comparison_figures(sources)
    return save_figures(makers, out, formats, dpi)
