"""The Markdown report of ``bp-tui reproduce``: bp-tui's numbers beside the report's,
its observations checked, the comparison charts as text plots, the boundary maps as
text, the figures (``core.reproduce.figures``, embedded as relative image links beside
the text charts) and the timings.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from core import __version__
from core.analysis.observations import epochs_to_converge, overshoots
from core.labels import RIGHT, SOFT_ACC
from core.nn.metrics import classes
from core.records.compare import fmt_duration, markdown_table
from core.reproduce import BOUNDARY_N, QUICK_FACTOR, Reproduction, RunResult, SectionResult
from core.sweep import member_status
from core.train.logfmt import epoch_line
from tui.report.charts import line_chart
from tui.report.maps import LEGEND, class_map, point_map, side_by_side

__all__ = ["REPORT_FILE", "render", "write_report"]

REPORT_FILE = "report.md"

Figures = dict[str, str]
"""Figure key (``linear-prediction``) → file stem beside report.md (no extension)."""

CAPTIONS = {
    "linear-prediction": "The linear run: ground truth beside its prediction",
    "linear-loss": "The linear run: loss against epochs",
    "xor-prediction": "The XOR run: ground truth beside its prediction",
    "xor-loss": "The XOR run: loss against epochs",
    "hidden-units-accuracy": "Accuracy history of the six hidden shapes",
    "hidden-units-loss-log": "Loss history of the six hidden shapes (log scale)",
    "hidden-units-boundaries": "Decision boundaries of the six hidden shapes",
    "learning-rates-loss": "Loss history of the four learning rates",
    "learning-rates-accuracy": "Accuracy history of the four learning rates",
    "linear-vs-xor-loss": "Loss history: linear against XOR",
    "linear-vs-xor-accuracy": "Accuracy history: linear against XOR",
    "stuck-accuracy": "The stuck run's accuracies",
    "fresh-points": "The linear model on fresh test points",
    "boundary": "The decision boundary on 10,000 random points",
}


def _figure(figs: Figures, key: str) -> list[str]:
    """A figure's PNG embedded (relative link) with a link to its SVG; [] if not drawn."""
    stem = figs.get(key)
    if stem is None:
        return []
    return [f"![{CAPTIONS.get(key, key)}]({stem}.png)", "",
            f"*{CAPTIONS.get(key, key)}* ([SVG]({stem}.svg))", ""]


def _figures(figs: Figures, *keys: str) -> list[str]:
    return [line for key in keys for line in _figure(figs, key)]


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return markdown_table(headers, rows).splitlines()


def _block(lines: Sequence[str] | str) -> list[str]:
    body = lines.splitlines() if isinstance(lines, str) else list(lines)
    return ["```", *body, "```"]


def _num(x: float | None, spec: str = ".4f") -> str:
    return "—" if x is None else format(x, spec)


def _first(rows, key: str) -> float | None:
    return rows[0].get(key) if rows else None


def _status(r: RunResult) -> str:
    return member_status(r.member)


def _series(runs: Sequence[RunResult], key: str) -> list[tuple[str, list, list]]:
    return [(r.label, [row["epoch"] for row in r.rows], [row.get(key) for row in r.rows])
            for r in runs]


# ------------------------------------------------------------------ the parts
def _head(rep: Reproduction) -> list[str]:
    mode = (f" --quick` (every run's epochs ÷ {QUICK_FACTOR}: too short to show all the "
            "report saw)") if rep.quick else "`"
    return [
        '# bp-tui reproduces "Lab1: Back-propagation" (NCTU DLP, spring 2020)', "",
        f"Written by `bp-tui reproduce{mode} with bp-tui {__version__} on "
        f"{datetime.now():%Y-%m-%d %H:%M}: {fmt_duration(rep.wall)} on {rep.workers}.",
        f"Every run is recorded in `{rep.root}` (sweep `{rep.sweep}`): "
        f"`bp-tui runs --runs-dir {rep.root}` opens them. Loss is the report's "
        f"Σ(y − ŷ)² over the training points; \"{SOFT_ACC}\" is its accuracy, the soft "
        f"(1 − mean|ŷ − y|) × 100; \"{RIGHT}\" is the share of points classified right.",
        "",
    ]


def _summary(rep: Reproduction) -> list[str]:
    out = ["## The report's observations, checked", ""]
    out += [f"- {s.observation.line}" for s in rep.sections if s.observation]
    if rep.fresh is not None:
        out.append(f"- fresh test points: {_fresh_line(rep)}")
    return [*out, ""]


def _results(rep: Reproduction) -> list[str]:
    rows = []
    for r in (r for s in rep.sections if s.key in ("basic", "hidden-units", "stuck")
              for r in s.runs):
        m, rp = r.member, r.reported
        ours = (f"{_num(_first(r.rows, 'loss'))} → {_num(m.loss)}",
                f"{_num(_first(r.rows, 'soft_acc'), '.2f')} → {_num(m.soft_acc, '.2f')} %")
        places = f".{rp.places}f" if rp is not None else ".4f"
        theirs = ("—", "—", "—") if rp is None else (
            (f"{_num(rp.loss0, places)} → " if rp.loss0 is not None else "")
            + _num(rp.loss, places),
            (f"{_num(rp.acc0, '.2f')} → " if rp.acc0 is not None else "")
            + f"{rp.acc:.2f} %", fmt_duration(rp.seconds) or "—")
        rows.append([r.label, str(m.epoch), *ours, _num(m.acc, ".2f"),
                     fmt_duration(m.duration), *theirs])
    return ["## bp-tui's numbers beside the report's", "",
            *_table(["run", "epochs", "loss", SOFT_ACC, RIGHT, "time",
                     "report: loss", f"report: {SOFT_ACC}", "report: time"], rows),
            "", "Seeds differ from the report's (it does not give them), so single numbers "
            "differ; the observations above are what should — and do or do not — carry "
            "over.", ""]


def _log_lines(r: RunResult, most: int = 6) -> list[str]:
    every = max(r.member.config.log_every, 1)
    lines = [epoch_line(row["epoch"], row["loss"], row["soft_acc"]) for row in r.rows
             if row["epoch"] % every == 0 and row.get("loss") is not None]
    if len(lines) > most:
        lines = [*lines[: most // 2], "...", *lines[-most // 2:]]
    return lines


def _basic(rep: Reproduction, s: SectionResult, figs: Figures) -> list[str]:
    out = [f"## {s.title}", ""]
    for r in s.runs:
        out += [f"**{r.label}** ({r.member.config.n_points} points, "
                f"{r.member.config.epochs} epochs, lr {r.member.config.lr:g}):", "",
                *_block(_log_lines(r)), ""]
        pts = rep.training.get(r.label)
        if pts is not None:
            truth = point_map(pts.X, pts.y)
            pred = point_map(pts.X, classes(pts.yhat).astype(float), wrong=pts.wrong)
            out += _block(side_by_side(truth, pred, ("Ground truth", "Predict result")))
            out += ["", f"{int(pts.wrong.sum())} of {len(pts.y)} training points "
                        "misclassified (`@`).", ""]
        out += _figures(figs, f"{r.label}-prediction", f"{r.label}-loss")
    return out


def _hidden(rep: Reproduction, s: SectionResult, figs: Figures) -> list[str]:
    rows = []
    for r in s.runs:
        m, rp = r.member, r.reported
        ms = m.ms_per_epoch
        speed = "—" if rp is None or rp.seconds is None or not ms else \
            f"{1000 * rp.seconds / rp.epochs / ms:.0f}×"
        rows.append([r.label.removeprefix("hidden "), _num(m.loss), _num(m.soft_acc, ".2f"),
                     _status(r), fmt_duration(m.duration), _num(ms, ".3f"),
                     "—" if rp is None else _num(rp.loss), speed])
    chart = line_chart(_series(s.runs, "soft_acc"), f"{SOFT_ACC} history", "epoch",
                       f"{SOFT_ACC} %")
    return [f"## {s.title}", "", *_table(
        ["hidden", "loss", SOFT_ACC, "status", "time", "ms/epoch", "report: loss",
         "× the report's speed per epoch"], rows), "", *_block(chart), "",
        *_figures(figs, "hidden-units-accuracy", "hidden-units-loss-log",
                  "hidden-units-boundaries")]


def _rates(rep: Reproduction, s: SectionResult, figs: Figures) -> list[str]:
    rows = [[f"{r.member.config.lr:g}", _num(epochs_to_converge(r.rows), "d"),
             "yes" if overshoots(r.rows) else "no", _num(r.member.loss),
             _num(r.member.soft_acc, ".2f"), _status(r)] for r in s.runs]
    chart = line_chart(_series(s.runs, "loss"), "loss history", "epoch", "loss")
    return [f"## {s.title}", "", *_table(
        ["lr", "epochs to 10 % of the first loss", "overshoots", "loss", SOFT_ACC,
         "status"], rows), "", *_block(chart), "",
        *_figures(figs, "learning-rates-loss", "learning-rates-accuracy")]


def _linear_xor(rep: Reproduction, s: SectionResult, figs: Figures) -> list[str]:
    rows = [[r.label, str(r.member.config.n_points), _num(epochs_to_converge(r.rows), "d"),
             _num(r.member.loss), _num(r.member.soft_acc, ".2f")] for r in s.runs]
    chart = line_chart(_series(s.runs, "soft_acc"), f"{SOFT_ACC} history", "epoch",
                       f"{SOFT_ACC} %")
    return [f"## {s.title}", "", *_table(
        ["data", "points", "epochs to 10 % of the first loss", "loss", SOFT_ACC], rows),
        "", *_block(chart), "", *_figures(figs, "linear-vs-xor-loss", "linear-vs-xor-accuracy")]


def _stuck(rep: Reproduction, s: SectionResult, figs: Figures) -> list[str]:
    r = s.runs[0]
    c = r.member.config
    return [f"## {s.title}", "",
            f"xor-grid, {c.n_points} points, hidden {','.join(map(str, c.hidden))}, lr "
            f"{c.lr:g}, seed {c.seed}, {c.epochs} epochs (the report: lr 0.0005, 40000 "
            f"epochs, loss 34.00 and {SOFT_ACC} 50.72 % at every epoch):", "",
            *_block(_log_lines(r, most=8)), "",
            f"{s.observation.line if s.observation else ''}", "",
            *_figures(figs, "stuck-accuracy")]


def _fresh_line(rep: Reproduction) -> str:
    f, t = rep.fresh, rep.training.get("linear")
    train = "" if t is None else (f"training points {SOFT_ACC} {t.metrics.soft_acc:.2f} "
                                  f"({RIGHT} {t.metrics.acc:.2f}), ")
    return (f"the linear model on {len(f.y)} new linear points: {train}fresh points "
            f"{SOFT_ACC} {f.metrics.soft_acc:.2f} ({RIGHT} {f.metrics.acc:.2f}, "
            f"{int(f.wrong.sum())} misclassified)")


def _fresh(rep: Reproduction, figs: Figures) -> list[str]:
    f = rep.fresh
    if f is None:
        return []
    square = rep.boundary.get("linear")
    out = ["## Fresh test points", "", _fresh_line(rep) + ".", ""]
    if square is not None:
        out += _block(class_map(square.X, square.yhat, points=f.X, labels=f.y,
                                wrong=f.wrong))
    wrong = [f"({x0:.3f}, {x1:.3f}) label {int(lab)}, ŷ {yh:.3f}"
             for (x0, x1), lab, yh, w in zip(f.X, f.y, f.yhat, f.wrong) if w]
    out += ["", LEGEND + ".", ""]
    if wrong:
        out += ["Misclassified: " + "; ".join(wrong) + ".", ""]
    return [*out, *_figures(figs, "fresh-points")]


def _boundary(rep: Reproduction, figs: Figures) -> list[str]:
    out = [f"## The decision boundary: {BOUNDARY_N:,} random points", ""]
    for label, b in rep.boundary.items():
        share = float(classes(b.yhat).mean()) * 100
        extra = (f"; {100 - float(b.wrong.mean()) * 100:.2f} % agree with the linear rule "
                 "(0 where x0 > x1)") if label == "linear" else ""
        out += [f"**{label} model**: {share:.1f} % of the points answered 1{extra}.", "",
                *_block(class_map(b.X, b.yhat)), ""]
    return [*out, LEGEND + ".", "", *_figures(figs, "boundary")]


def _timings(rep: Reproduction) -> list[str]:
    runs: dict[str, RunResult] = {}
    for s in rep.sections:
        for r in s.runs:
            runs.setdefault(r.member.name, r)
    rows = [[r.label, r.member.name, str(r.member.epoch), fmt_duration(r.member.duration),
             _num(r.member.ms_per_epoch, ".3f")] for r in runs.values()]
    total = sum(r.member.duration or 0.0 for r in runs.values())
    return ["## Timings", "", *_table(["run", "recorded as", "epochs", "time", "ms/epoch"],
                                      rows),
            "", f"Training time of all runs {fmt_duration(total)}; the whole reproduction "
                f"{fmt_duration(rep.wall)} wall time on {rep.workers}.", ""]


PARTS = {"basic": _basic, "hidden-units": _hidden, "learning-rates": _rates,
         "linear-vs-xor": _linear_xor, "stuck": _stuck}


def render(rep: Reproduction, figs: Figures | None = None,
           no_figures: str | None = None) -> str:
    """The whole report as Markdown text, embedding the figures ``figs`` (none drawn:
    ``no_figures`` says why, in the head)."""
    figs = figs or {}
    out = [*_head(rep)]
    if no_figures:
        out += [f"No figures in this report: {no_figures}.", ""]
    out += [*_summary(rep), *_results(rep)]
    for s in rep.sections:
        out += PARTS[s.key](rep, s, figs)
        if s.observation and s.key != "stuck":
            out += [s.observation.line, ""]
    out += [*_fresh(rep, figs), *_boundary(rep, figs), *_timings(rep)]
    return "\n".join(out).rstrip() + "\n"


def write_report(rep: Reproduction, out: str | Path, figs: Figures | None = None,
                 no_figures: str | None = None) -> Path:
    """Write ``render(rep, figs, no_figures)`` to ``out/report.md``; return its path."""
    path = Path(out) / REPORT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(rep, figs, no_figures), encoding="utf-8")
    return path
