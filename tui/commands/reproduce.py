"""``bp-tui reproduce``: the report's experiments, end to end, into a Markdown report.

Trains every run of ``core.reproduce.plan`` as one sweep on local worker processes
(recorded under ``OUT/runs`` unless ``--runs-dir`` says otherwise) and writes
``OUT/report.md`` with its figures beside it (``OUT/figure-*.svg`` and ``.png``, embedded
in the report). Ctrl-C cancels like ``bp-tui sweep`` (no report is written). Without a
working matplotlib the report is written without figures, one line says why, exit 1.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tui.commands.common import EXIT_FAILED, EXIT_OK, Parser

__all__ = ["reproduce_parser", "run_reproduce"]


def reproduce_parser() -> Parser:
    """Flags of ``bp-tui reproduce``."""
    p = Parser(prog="bp-tui reproduce",
               description="Run the report's experiments (its linear and XOR runs, hidden "
                           "units, learning rates, linear vs XOR, the stuck run, fresh test "
                           "points, the 10,000-point boundary) and write a Markdown report "
                           "of bp-tui's numbers beside the report's.")
    p.add_argument("--out", default="bp-tui-report", metavar="DIR",
                   help="folder for report.md (default ./bp-tui-report)")
    p.add_argument("--quick", action="store_true",
                   help="every run's epochs ÷ 10: a first look in a few seconds")
    p.add_argument("--workers", default=None,
                   help="parallel worker processes (default one per core)")
    p.add_argument("--runs-dir", default=None, metavar="DIR",
                   help="where the runs are recorded (default OUT/runs)")
    p.add_argument("--quiet", action="store_true", help="no live table while it runs")
    p.add_argument("--no-figures", action="store_true",
                   help="text charts only: no SVG/PNG figures beside report.md")
    return p


def _workers(p: Parser, text: str | None) -> int:
    from core.sweep import SweepError, parse_workers

    try:
        return parse_workers(text)
    except SweepError as exc:
        p.error(f"argument --{exc.field}: {exc.reason}")


def _folders(p: Parser, args) -> tuple[Path, Path]:
    out = Path(args.out)
    root = Path(args.runs_dir) if args.runs_dir else out / "runs"
    for flag, folder in (("--out", out), ("--runs-dir", root)):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            p.error(f"argument {flag}: cannot create {folder}: {exc.strerror}")
    return out, root


def _figures(rep, out: Path, workers: int) -> tuple[dict[str, str], str | None]:
    """Draw the report's figures into ``out`` on ``workers`` processes: (key → stem,
    None), or ({}, why not)."""
    from core.figures import FiguresUnavailable

    try:
        from core.reproduce.figures import report_figures

        return report_figures(rep, out, processes=workers), None
    except FiguresUnavailable as exc:
        return {}, str(exc)
    except OSError as exc:
        return {}, f"cannot write them into {out}: {exc.strerror or exc}"


def run_reproduce(argv: Sequence[str]) -> int:
    """``bp-tui reproduce``: train, gather, write OUT/report.md."""
    from core.reproduce import gather, plan

    p = reproduce_parser()
    args = p.parse_args(argv)
    workers = _workers(p, args.workers)
    out, root = _folders(p, args)
    the_plan = plan(quick=args.quick)
    start = time.monotonic()
    runner, members, interrupts = _train(p, the_plan, root, workers, args.quiet)
    if runner.cancelled:
        print("bp-tui: reproduction cancelled; no report written", file=sys.stderr)
        return interrupts.status
    where = f"{workers} worker process{'es' if workers != 1 else ''}"
    rep = gather(the_plan, runner, members, args.quick, where, time.monotonic() - start)
    no_figures = _write(rep, out, workers, args.no_figures, start)
    return _outcome(runner, no_figures)


def _train(p: Parser, the_plan, root: Path, workers: int, quiet: bool):
    """Train every run of ``the_plan`` on ``workers`` local processes, following them
    (a live table unless ``quiet``; Ctrl-C cancels): (runner, members, interrupts). A
    runs folder the sweep refuses exits 2 naming --runs-dir."""
    from core.reproduce import start_plan
    from core.sweep import SweepError, local_executor
    from tui.commands.sweep import Interrupts, follow, leave_now

    executor = local_executor(workers)
    try:
        runner, members = start_plan(the_plan, root, executor)
    except SweepError as exc:
        executor.shutdown()
        p.error(f"argument --runs-dir: {exc.reason}")
    interrupts = Interrupts()
    print(f"bp-tui: reproducing the report: {len(members)} runs on {workers} workers, "
          f"recorded in {root}", file=sys.stderr, flush=True)
    try:
        if follow(runner, quiet, interrupts):
            leave_now(runner, interrupts.status)
        executor.shutdown(wait=True)
    finally:
        runner.close()
        interrupts.restore()
    return runner, members, interrupts


def _write(rep, out: Path, workers: int, no_figures: bool, start: float) -> str | None:
    """Draw the figures (unless ``no_figures``) and write OUT/report.md, saying so on
    stderr with the time since ``start``: why there are no figures, or None."""
    from tui.report.markdown import write_report

    drawing = time.monotonic()
    figs, why_not = ({}, None) if no_figures else _figures(rep, out, workers)
    path = write_report(rep, out, figs, why_not)
    drawn = (f" and {len(figs)} figures (drawn in {time.monotonic() - drawing:.1f} s)"
             if figs else "")
    print(f"bp-tui: wrote {path}{drawn} in {time.monotonic() - start:.1f} s",
          file=sys.stderr)
    return why_not


def _outcome(runner, no_figures: str | None) -> int:
    """Exit 1 (saying why) when the figures could not be drawn or a run failed, else 0."""
    if no_figures:
        print(f"bp-tui reproduce: no figures: {no_figures}", file=sys.stderr)
        return EXIT_FAILED
    failed = runner.failed
    if failed:
        print(f"bp-tui: {len(failed)} runs failed; {failed[0].name}: {failed[0].message}",
              file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
