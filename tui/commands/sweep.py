"""``bp-tui sweep``: a grid of runs in parallel worker processes."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Sequence

from core.config import ConfigError, RunConfig, parse_field
from tui.cli import Terminated, leave_if_signalled
from tui.commands.common import EXIT_INTERRUPTED, EXIT_OK, Parser, add_runs_dir_flag, runs_root

__all__ = ["run_sweep", "sweep_parser"]


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
    add_runs_dir_flag(p)
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
    root = runs_root(args)
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

    hits = {"count": 0, "signum": signal.SIGINT}

    def on_signal(signum, frame):
        hits["count"] += 1
        hits["signum"] = signum
        if hits["count"] > 1:
            raise KeyboardInterrupt if signum == signal.SIGINT else Terminated(signum)
        print("bp-tui: cancelling the sweep (Ctrl-C again to leave at once)", file=sys.stderr)
        runner.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) is not signal.SIG_IGN:
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
    leave_if_signalled()  # a Ctrl-C that an import swallowed
    executor = local_executor(workers)
    try:
        _submit_ignoring_ctrl_c(runner, executor)
        members = runner.wait(on_poll=report, interval=0.3)
    except (KeyboardInterrupt, Terminated):
        runner.cancel()
        executor.shutdown(wait=False, cancel_futures=True)
        print(f"bp-tui: sweep {name} {_word(hits['signum'])}", file=sys.stderr)
        return _exit(hits["signum"])
    executor.shutdown(wait=True)
    print(f"{'run':<24} {'status':<10} {'epoch':>7} {'loss':>9} {'acc %':>7}  time")
    for m in members:
        loss = "" if m.loss is None else f"{m.loss:.4f}"
        acc = "" if m.soft_acc is None else f"{m.soft_acc:.2f}"
        print(f"{m.name:<24} {m.status:<10} {m.epoch:>7} {loss:>9} {acc:>7}  "
              f"{fmt_duration(m.duration)}")
    print(f"bp-tui: sweep {name} took {fmt_duration(time.monotonic() - start)}",
          file=sys.stderr)
    return _exit(hits["signum"]) if runner.cancelled else EXIT_OK


def _word(signum: int) -> str:
    return "terminated" if signum == signal.SIGTERM else "interrupted"


def _exit(signum: int) -> int:
    return 128 + signal.SIGTERM if signum == signal.SIGTERM else EXIT_INTERRUPTED


def _submit_ignoring_ctrl_c(runner, executor) -> None:
    """Submit the members with SIGINT ignored, so the worker processes started now
    inherit that (a Ctrl-C reaches the whole process group: the parent cancels, and a
    worker still importing must not print a KeyboardInterrupt traceback)."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        runner.submit(executor)
    finally:
        signal.signal(signal.SIGINT, previous)
