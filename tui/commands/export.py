"""``bp-tui export RUN… --metrics out.csv --table out.md``.

An output under the runs root, inside an exported run or in any folder that looks like
a run directory is refused (exit 2, one line): export never overwrites a run's records.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from pathlib import Path

from core.files import printable
from tui.commands.common import (
    DISK_FULL,
    EXIT_FAILED,
    EXIT_OK,
    Parser,
    add_runs_dir_flag,
    runs_root,
)

__all__ = ["run_export"]


def run_export(argv: Sequence[str]) -> int:
    """``bp-tui export RUN… --metrics out.csv --table out.md``."""
    p = _parser()
    args = p.parse_args(argv)
    smoothing = _smoothing(p, args)
    root = runs_root(args)
    paths = _run_paths(p, root, args.runs)
    outputs = [(flag, out) for flag, out in (("--metrics", args.metrics), ("--table", args.table))
               if out is not None]
    from core.records.index import RunsError
    from core.records.paths import check_export_target

    for flag, out in outputs:
        try:
            check_export_target(out, root, paths)
        except RunsError as exc:
            p.error(f"argument {flag}: {exc}")
    for flag, out in outputs:
        try:
            _write(flag, out, paths, smoothing)
        except OSError as exc:
            if exc.errno in DISK_FULL:
                print(f"bp-tui export: cannot write {flag} {printable(out, 200)}: "
                      f"{exc.strerror}", file=sys.stderr)
                return EXIT_FAILED
            p.error(f"argument {flag}: {exc.strerror or exc}")
    return EXIT_OK


def _parser() -> Parser:
    p = Parser(prog="bp-tui export",
               description="Export runs' metrics (raw and smoothed) and their comparison "
                           "table (.csv or .md).")
    p.add_argument("runs", nargs="+", metavar="RUN", help="run names or directories")
    p.add_argument("--metrics", default=None, metavar="OUT.csv", help="metrics CSV file")
    p.add_argument("--table", default=None, metavar="OUT.md|OUT.csv",
                   help="comparison table: Markdown (.md) or CSV (.csv)")
    p.add_argument("--smoothing", default="0", help="EMA weight 0–0.99 for *_smoothed columns")
    add_runs_dir_flag(p)
    return p


def _smoothing(p: Parser, args) -> float:
    """The checked EMA weight; the outputs asked for are checked here too."""
    try:
        w = float(args.smoothing)
    except ValueError:
        w = math.nan
    if not 0 <= w <= 0.99:  # NaN fails this too; never an assert (gone under python -O)
        p.error("argument --smoothing: must be a number from 0 to 0.99")
    if args.metrics is None and args.table is None:
        p.error("give --metrics OUT.csv and/or --table OUT.md")
    if args.table is not None and not args.table.endswith((".md", ".csv")):
        p.error("argument --table: the file must end in .md or .csv")
    return w


def _run_paths(p: Parser, root: Path, names: Sequence[str]) -> list[Path]:
    from core.records.index import RunsError, resolve_run
    from core.records.paths import check_writable_run

    paths = []
    for name in names:
        try:
            paths.append(check_writable_run(root, resolve_run(root, name)))
        except RunsError as exc:
            p.error(f"argument RUN: {exc}")
    return paths


def _write(flag: str, out: str, paths: list[Path], smoothing: float) -> None:
    from core.records.compare import load_comparison, metrics_csv, table_csv, table_markdown
    from core.records.index import read_row

    if flag == "--metrics":
        metrics_csv(load_comparison(paths), out, smoothing)
    elif out.endswith(".csv"):
        table_csv([read_row(x) for x in paths], out)
    else:
        Path(out).write_text(table_markdown([read_row(x) for x in paths]), encoding="utf-8")
