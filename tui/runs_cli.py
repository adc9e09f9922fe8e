"""``bp-tui runs``, ``bp-tui watch``, ``bp-tui sweep`` and ``bp-tui export``.

Same rules as ``tui.cli``: every invalid value is refused before anything runs, with one
line naming the flag and exit status 2, never a traceback.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from core.config import ConfigError, RunConfig, parse_field
from tui.cli import EXIT_INTERRUPTED, EXIT_OK, Parser

__all__ = ["run_export", "run_runs", "run_sweep", "run_watch"]


def _runs_dir_flag(p: Parser) -> None:
    p.add_argument("--runs-dir", default=None, metavar="DIR",
                   help="where runs are recorded (default $BP_TUI_RUNS or "
                        "~/.local/share/bp-tui/runs)")


def _root(args) -> Path:
    from core.records import default_runs_root

    return Path(args.runs_dir) if args.runs_dir else default_runs_root()


def run_runs(argv: Sequence[str]) -> int:
    """``bp-tui runs``: the dashboard, opened straight onto the runs screen."""
    p = Parser(prog="bp-tui runs", description="Browse, compare and manage recorded runs.")
    _runs_dir_flag(p)
    args = p.parse_args(argv)
    from tui.app import create_app

    app = create_app(runs_dir=args.runs_dir, open_runs=True)
    app.run()
    return app.return_code or 0


def run_watch(argv: Sequence[str]) -> int:
    """``bp-tui watch [RUN]``: follow a run live (default: the newest)."""
    p = Parser(prog="bp-tui watch",
               description="Follow a run live — log, curves, predictions — from any "
                           "terminal. Leaving never disturbs the run.")
    p.add_argument("run", nargs="?", default=None, help="run name or directory (default: newest)")
    _runs_dir_flag(p)
    args = p.parse_args(argv)
    from core.records.index import RunsError, resolve_run

    try:
        path = resolve_run(_root(args), args.run)
    except RunsError as exc:
        p.error(f"argument RUN: {exc}")
    from tui.app import create_app

    app = create_app(runs_dir=args.runs_dir, watch=path)
    app.run()
    return app.return_code or 0


def _values(p: Parser, flag: str, field: str, texts: list[str] | None) -> list | None:
    if texts is None:
        return None
    out = []
    for t in texts:
        try:
            out.append(parse_field(field, t))
        except ConfigError as exc:
            p.error(f"argument --{flag}: {exc.reason}")
    return out


def sweep_parser() -> Parser:
    """Flags of ``bp-tui sweep``."""
    from core.train.sweep import PRESETS

    p = Parser(prog="bp-tui sweep",
               description="Train a grid of runs in parallel worker processes; each is "
                           "recorded as a normal run named <sweep>-<i>.")
    p.add_argument("--preset", choices=list(PRESETS), default=None,
                   help="the report's experiments: " + ", ".join(PRESETS))
    p.add_argument("--hidden", nargs="+", default=None, metavar="H",
                   help="hidden-size tuples, e.g. --hidden 64,64 128,128")
    p.add_argument("--lr", nargs="+", default=None, help="learning rates, e.g. --lr 0.1 0.01")
    p.add_argument("--data", nargs="+", default=None, help="data sets, e.g. --data xor-grid")
    p.add_argument("--activation", nargs="+", default=None, help="hidden activations")
    p.add_argument("--optimizer", nargs="+", default=None, help="optimisers")
    p.add_argument("--n", default=None, help="number of points of the data sets")
    p.add_argument("--epochs", default=None, help="epochs of every run")
    p.add_argument("--seed", default=None, help="seed of the first repeat (default 1)")
    p.add_argument("--repeats", default="1", help="runs per grid cell, seeds seed, seed+1, …")
    p.add_argument("--workers", default=None,
                   help="parallel worker processes (default one per core)")
    p.add_argument("--backend", default=None, help="training engine: auto, numba, numpy")
    p.add_argument("--name", default=None, help="sweep name (runs are <name>-1, <name>-2, …)")
    p.add_argument("--quiet", action="store_true", help="print only the final table")
    _runs_dir_flag(p)
    return p


def run_sweep(argv: Sequence[str]) -> int:
    """``bp-tui sweep``: a grid of runs in parallel; Ctrl-C cancels cleanly."""
    import os

    from core.records.compare import fmt_duration
    from core.train.sweep import (
        SweepError,
        SweepRunner,
        expand_grid,
        local_executor,
        preset,
        unique_sweep_name,
    )

    p = sweep_parser()
    args = p.parse_args(argv)
    base, grid = (preset(args.preset) if args.preset else (RunConfig(), {}))
    for flag, field in (("hidden", "hidden"), ("lr", "lr"), ("data", "data"),
                        ("activation", "activation"), ("optimizer", "optimizer")):
        values = _values(p, flag, field, getattr(args, flag))
        if values is not None:
            grid[field] = values
    changes = {}
    for flag in ("n", "epochs", "seed", "backend"):
        text = getattr(args, flag)
        if text is not None:
            changes[flag] = _values(p, flag, flag, [text])[0]
    if "epochs" in changes and "log_every" not in changes:
        changes["log_every"] = max(changes["epochs"] // 10, 1)
    try:
        repeats = int(args.repeats)
        assert repeats >= 1
    except (ValueError, AssertionError):
        p.error("argument --repeats: must be a whole number ≥ 1")
    workers = os.cpu_count() or 1
    if args.workers is not None:
        try:
            workers = int(args.workers)
            assert 1 <= workers <= 1024
        except (ValueError, AssertionError):
            p.error("argument --workers: must be a whole number from 1 to 1024")
    if not grid:
        p.error("give --preset or at least one of --hidden, --lr, --data, --activation, "
                "--optimizer")
    root = _root(args)
    try:
        base = base.with_changes(**changes)
        probe = expand_grid(base, grid, "probe", repeats)
        name = unique_sweep_name(root, args.name or args.preset or "sweep", len(probe))
        configs = expand_grid(base, grid, name, repeats)
        runner = SweepRunner(name, configs, root)
    except SweepError as exc:
        field = str(exc).split(":")[0].replace("_", "-")
        p.error(f"argument --{field}: {str(exc).partition(': ')[2]}")
    except OSError as exc:
        p.error(f"argument --runs-dir: {exc}")

    hits = {"count": 0}

    def on_signal(signum, frame):
        hits["count"] += 1
        if hits["count"] > 1:
            raise KeyboardInterrupt
        print("bp-tui: cancelling the sweep (Ctrl-C again to leave at once)", file=sys.stderr)
        runner.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    print(f"bp-tui: sweep {name}: {len(configs)} runs on {workers} workers in {root}",
          file=sys.stderr)
    seen: dict[str, str] = {}

    def report(members) -> None:
        if args.quiet:
            return
        for m in members:
            if seen.get(m.name) != m.status:
                seen[m.name] = m.status
                print(f"{m.name:<24} {m.status}", file=sys.stderr, flush=True)

    start = time.monotonic()
    executor = local_executor(workers)
    try:
        runner.submit(executor)
        members = runner.wait(on_poll=report, interval=0.3)
    except KeyboardInterrupt:
        runner.cancel()
        executor.shutdown(wait=False, cancel_futures=True)
        return EXIT_INTERRUPTED
    executor.shutdown(wait=True)
    print(f"{'run':<24} {'status':<10} {'epoch':>7} {'loss':>9} {'acc %':>7}  time")
    for m in members:
        loss = "" if m.loss is None else f"{m.loss:.4f}"
        acc = "" if m.soft_acc is None else f"{m.soft_acc:.2f}"
        print(f"{m.name:<24} {m.status:<10} {m.epoch:>7} {loss:>9} {acc:>7}  "
              f"{fmt_duration(m.duration)}")
    print(f"bp-tui: sweep {name} took {fmt_duration(time.monotonic() - start)}",
          file=sys.stderr)
    return EXIT_INTERRUPTED if runner.cancelled else EXIT_OK


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
    _runs_dir_flag(p)
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

    root = _root(args)
    paths = []
    for name in args.runs:
        try:
            paths.append(resolve_run(root, name))
        except RunsError as exc:
            p.error(f"argument RUN: {exc}")
    try:
        if args.metrics is not None:
            metrics_csv([load_series(x) for x in paths], args.metrics, w)
        if args.table is not None:
            rows = [read_row(x) for x in paths]
            if args.table.endswith(".csv"):
                table_csv(rows, args.table)
            else:
                Path(args.table).write_text(table_markdown(rows), encoding="utf-8")
    except OSError as exc:
        flag = "--metrics" if args.metrics and str(args.metrics) in str(exc) else "--table"
        p.error(f"argument {flag}: {exc.strerror or exc}")
    return EXIT_OK
