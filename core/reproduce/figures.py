"""The report's figures, one for one: its linear and XOR runs (ground truth beside
prediction, loss), the six hidden shapes (accuracy, loss, boundaries), the four learning
rates, linear against XOR, the fresh test points and the 10,000-point boundaries.

``report_figures`` draws them from a ``Reproduction`` (runs read back through
``core.records``) into the report's folder, as SVG and PNG; ``tui.report.markdown``
embeds them. matplotlib is loaded only here, when the figures are drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from core.figures import (
    FORMATS,
    FigureSource,
    SourceError,
    comparison_figures,
    load_source,
    run_figures,
    save_figures,
)
from core.figures.backend import pyplot
from core.figures.pictures import Panel, pair_figure, sample_figure
from core.figures.writer import FigureMaker, run_title
from core.reproduce.results import BOUNDARY_N, Points, Reproduction

__all__ = ["PREFIX", "report_figures"]

PREFIX = "figure-"
"""Every figure file of the report starts with this (``figure-linear-prediction.png``)."""

# section key -> the subject of its figures' titles and the comparison figures it shows
_COMPARED = {"hidden-units": ("hidden units", ("accuracy", "loss-log", "boundaries")),
             "learning-rates": ("learning rates", ("loss", "accuracy")),
             "linear-vs-xor": ("linear vs XOR", ("loss", "accuracy"))}


def _sources(rep: Reproduction) -> dict[str, FigureSource]:
    """label → the run's figure source (runs that cannot be drawn are left out)."""
    out = {}
    for s in rep.sections:
        for r in s.runs:
            if r.label not in out:
                try:
                    out[r.label] = load_source(rep.root / r.member.name)
                except SourceError:
                    continue
    return out


def _points_panel(title: str, pts: Points, src: FigureSource | None) -> Panel:
    return Panel(title, pts.X, pts.y, pts.yhat, src.net if src is not None else None)


def _makers(rep: Reproduction) -> dict[str, FigureMaker]:
    """Every report figure that ``rep``'s runs can draw: PREFIX + key → its maker."""
    sources = _sources(rep)
    makers = _run_makers(sources)
    makers.update(_comparison_makers(rep, sources))
    if "stuck" in sources:
        own = run_figures(sources["stuck"])
        makers["stuck-accuracy"] = own[f"{sources['stuck'].name}-accuracy"]
    makers.update(_points_makers(rep, sources))
    return {PREFIX + k: m for k, m in makers.items()}


def _run_makers(sources: dict[str, FigureSource]) -> dict[str, FigureMaker]:
    """The linear and XOR runs' prediction (if their points can be drawn) and loss."""
    makers: dict[str, FigureMaker] = {}
    for label in ("linear", "xor"):
        src = sources.get(label)
        if src is None:
            continue
        own = run_figures(src)
        title = run_title(src, f"The {'linear' if label == 'linear' else 'XOR'} run",
                          ("hidden", "lr", "epochs"))
        if src.can_draw_points:
            panel = Panel.of(title, src.X, src.y, src.net)
            makers[f"{label}-prediction"] = lambda p=panel: pair_figure(p, p.title)
        makers[f"{label}-loss"] = own[f"{src.name}-loss"]
    return makers


def _comparison_makers(rep: Reproduction,
                       sources: dict[str, FigureSource]) -> dict[str, FigureMaker]:
    """Each compared section's figures (``_COMPARED``), when it has two runs or more."""
    makers: dict[str, FigureMaker] = {}
    for s in rep.sections:
        subject, kinds = _COMPARED.get(s.key, ("", ()))
        runs = [sources[r.label] for r in s.runs if r.label in sources]
        if kinds and len(runs) > 1:
            compared = comparison_figures(runs, prefix=s.key, subject=subject)
            makers.update({f"{s.key}-{k}": compared[f"{s.key}-{k}"] for k in kinds
                           if f"{s.key}-{k}" in compared})
    return makers


def _points_makers(rep: Reproduction, sources: dict[str, FigureSource]) -> dict[str, FigureMaker]:
    """The fresh test points and the random-points boundary, when ``rep`` has them."""
    makers: dict[str, FigureMaker] = {}
    if rep.fresh is not None:
        panel = _points_panel(f"The linear model on {len(rep.fresh.y)} fresh points",
                              rep.fresh, sources.get("linear"))
        makers["fresh-points"] = lambda: pair_figure(panel, panel.title,
                                                     predict_title="Its answers")
    if rep.boundary:
        panels = [_points_panel(f"{'linear' if lb == 'linear' else 'XOR'} model", pts, None)
                  for lb, pts in rep.boundary.items()]
        makers["boundary"] = lambda: sample_figure(
            panels, f"Answers on {BOUNDARY_N:,} random points")
    return makers


def report_figures(rep: Reproduction, out: str | Path, formats: Sequence[str] = FORMATS,
                   dpi: int = 200, processes: int = 1) -> dict[str, str]:
    """Draw the report's figures into folder ``out`` (in ``processes`` processes):
    figure key (``linear-prediction``, ``hidden-units-boundaries``, …) → the file stem
    written (``figure-linear-prediction``, beside report.md). FiguresUnavailable if
    matplotlib cannot be loaded."""
    pyplot()
    makers = _makers(rep)
    save_figures(makers, out, formats, dpi, processes)
    return {stem.removeprefix(PREFIX): stem for stem in makers}
