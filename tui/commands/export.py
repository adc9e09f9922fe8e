"""``bp-tui export RUN… --metrics out.csv --table out.md``.

An output under the runs root, inside an exported run or in any folder that looks like
a run directory is refused (exit 2, one line): export never overwrites a run's records.
"""

from __future__ import annotations

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
    p = Parser(prog="bp-tui export",
               description="Export runs' metrics (raw and smoothed) and their comparison "
                           "table (.csv or .md).")
    p.add_argument("runs", nargs="+", metavar="RUN", help="run names or directories")
    p.add_argument("--metrics", default=None, metavar="OUT.csv", help="metrics CSV file")
    p.add_argument("--table", default=None, metavar="OUT.md|OUT.csv",
                   help="comparison table: Markdown (.md) or CSV (.csv)")
    p.add_argument("--smoothing", default="0", help="EMA weight 0–0.99 for *_smoothed columns")
    add_runs_dir_flag(p)
    args = p.parse_args(argv)
    try:
        w = float(args.smoothing)
        assert 0 <= w <= 0.99
    except (ValueError, AssertionError):
        p.error("argument --smoothing: must be a number from 0 to 0.99")
    if args.metrics is None and args.table is None:
        p.error("give --metrics OUT.csv and/or --table OUT.md")
    if args.table is not None and not args.table.endswith((".md", ".csv")):
        p.error("argument --table: the file must end in .md or .csv")
    from core.records.compare import load_series, metrics_csv, table_csv, table_markdown
    from core.records.index import RunsError, read_row, resolve_run
    from core.records.paths import check_export_target, check_writable_run

    root = runs_root(args)
    paths = []
    for name in args.runs:
        try:
            paths.append(check_writable_run(root, resolve_run(root, name)))
        except RunsError as exc:
            p.error(f"argument RUN: {exc}")
    for flag, out in (("--metrics", args.metrics), ("--table", args.table)):
        if out is not None:
            try:
                check_export_target(out, root, paths)
            except RunsError as exc:
                p.error(f"argument {flag}: {exc}")
    flag, out = "--metrics", args.metrics
    try:
        if args.metrics is not None:
            metrics_csv([load_series(x) for x in paths], args.metrics, w)
        flag, out = "--table", args.table
        if args.table is not None:
            rows = [read_row(x) for x in paths]
            if args.table.endswith(".csv"):
                table_csv(rows, args.table)
            else:
                Path(args.table).write_text(table_markdown(rows), encoding="utf-8")
    except OSError as exc:
        if exc.errno in DISK_FULL:
            print(f"bp-tui export: cannot write {flag} {printable(out, 200)}: "
                  f"{exc.strerror}", file=sys.stderr)
            return EXIT_FAILED
        p.error(f"argument {flag}: {exc.strerror or exc}")
    return EXIT_OK
