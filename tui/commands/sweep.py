"""``bp-tui sweep``: a grid of runs in parallel, on local worker processes or a Dask cluster.

The flags go through ``core.sweep.parse_spec`` (the sweep screen's parser too).
Ctrl-C once cancels cleanly (running members stop at their next chunk and keep their
records, queued ones never start); twice leaves at once (the workers notice and end
themselves). SIGTERM does the same. Exit 0 when every member ran, 1 when some failed (the
reasons on stderr), 130 when cancelled by Ctrl-C, 143 by SIGTERM, 2 for a bad flag.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Sequence

from tui.commands.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    Parser,
    add_runs_dir_flag,
    keep_going_after_hangup,
    runs_root,
)
from tui.process import HandlerEvent, signal_status

__all__ = ["Interrupts", "follow", "leave_now", "run_sweep", "sweep_parser"]

LISTS = (("data", "data sets, e.g. --data linear xor-grid"),
         ("n", "numbers of points; one value applies to every data set"),
         ("hidden", "hidden shapes, one per value, e.g. --hidden 64,64 128,128"),
         ("lr", "learning rates, e.g. --lr 0.1 0.01"),
         ("activation", "hidden activations"), ("optimizer", "optimisers"),
         ("loss", "losses: mse, bce"), ("init", "initial weights: normal, xavier, he"))
SCALARS = (("epochs", "epochs of every run"),
           ("seed", "seed of the first repeat (default 1)"),
           ("backend", "training engine of every run: auto, numba, numpy"),
           ("log_every", "log line every E epochs (default epochs / 10)"))


def sweep_parser() -> Parser:
    """Flags of ``bp-tui sweep``."""
    from core.sweep import MAX_MEMBERS, PRESETS

    p = Parser(prog="bp-tui sweep",
               description="Train a grid of runs in parallel; each is recorded as a normal "
                           "run named <sweep>-<i>. Every flag applies to every grid cell.")
    p.add_argument("--preset", default=None, metavar="NAME",
                   help="the report's experiments: " + ", ".join(PRESETS))
    for flag, text in LISTS:
        p.add_argument(f"--{flag}", nargs="+", default=None, help=text)
    for flag, text in SCALARS:
        p.add_argument(f"--{flag.replace('_', '-')}", dest=flag, default=None, help=text)
    p.add_argument("--repeats", default=None,
                   help=f"runs per grid cell, seeds seed, seed+1, … (at most {MAX_MEMBERS:,} "
                        "runs in all)")
    p.add_argument("--workers", default=None,
                   help="parallel worker processes (default one per core)")
    p.add_argument("--dask", default=None, metavar="ADDRESS",
                   help="run the members on this Dask scheduler, e.g. tcp://host:8786 "
                        "(needs bp-tui[dask] and a runs directory shared with the workers)")
    p.add_argument("--dask-timeout", default=None, metavar="SECONDS",
                   help="with --dask: give up on a scheduler that does not answer within "
                        "this many seconds (default 10)")
    p.add_argument("--name", default=None, help="sweep name (runs are <name>-1, <name>-2, …)")
    p.add_argument("--quiet", action="store_true", help="print only the final tables")
    add_runs_dir_flag(p)
    return p


def _spec(p: Parser, args):
    """The parsed sweep, or exit 2 naming the flag."""
    from core.sweep import SweepError, parse_spec

    values = {k: getattr(args, k) for k, _ in (*LISTS, *SCALARS)}
    values.update(preset=args.preset, repeats=args.repeats, workers=args.workers,
                  name=args.name)
    if args.dask is None and args.dask_timeout is not None:
        p.error("argument --dask-timeout: only with --dask ADDRESS")
    if args.dask is not None and args.workers is not None:
        p.error("argument --workers: not used with --dask (the cluster's workers run "
                "the members)")
    try:
        return parse_spec(values)
    except SweepError as exc:
        p.error(f"argument --{exc.field}: {exc.reason}")


def _dask_timeout(p: Parser, args) -> float:
    """--dask-timeout as seconds (default ``DASK_TIMEOUT``), or exit 2."""
    from core.sweep.dask_cluster import DASK_TIMEOUT

    if args.dask_timeout is None:
        return DASK_TIMEOUT
    try:
        seconds = float(args.dask_timeout)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 3600:  # NaN fails here too
        p.error("argument --dask-timeout: must be a number of seconds above 0, at most 3600")
    return seconds


def _executor(p: Parser, args, workers: int):
    """(executor, close) for --dask ADDRESS or the local pool."""
    from core.sweep import ExecutorError, dask_executor, local_executor

    if args.dask is None:
        ex = local_executor(workers)
        return ex, lambda: ex.shutdown(wait=True)
    try:
        return dask_executor(args.dask, _dask_timeout(p, args))
    except ExecutorError as exc:
        p.error(f"argument --dask: {exc}")


class Interrupts:
    """Counts SIGINT/SIGTERM and wakes the waiting loop; does nothing else in the
    handler (no exception is ever raised from it, so no traceback)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.count = 0
        self.first: int | None = None  # the first signal: the exit status says which
        self.wake = HandlerEvent()  # Event.set could wait for ever in a handler
        self._saved = {sig: signal.signal(sig, self._on_signal) for sig in self.SIGNALS}
        self._saved[signal.SIGHUP] = signal.getsignal(signal.SIGHUP)
        keep_going_after_hangup()  # a dropped SSH link: the sweep goes on

    def _on_signal(self, signum, frame) -> None:
        self.count += 1
        if self.first is None:
            self.first = signum
        self.wake.set()

    @property
    def status(self) -> int:
        """The exit status of a cancelled sweep: 130 after Ctrl-C, 143 after SIGTERM."""
        return signal_status(self.first if self.first is not None else signal.SIGINT)

    def restore(self) -> None:
        """Put the previous handlers back."""
        for sig, handler in self._saved.items():
            signal.signal(sig, handler)


def follow(runner, quiet: bool, interrupts: Interrupts) -> bool:
    """Wait for the sweep, cancelling it at the first Ctrl-C; True if the user asked to
    leave at once (a second Ctrl-C)."""
    from tui.report.sweep_table import LiveTable

    live = None if quiet else LiveTable()
    on_poll = live.update if live else None
    handled = 0
    while True:
        runner.wait(on_poll=on_poll, interval=0.3, wake=interrupts.wake)
        if runner.done:
            return False
        interrupts.wake.clear()
        if interrupts.count >= 2:
            return True
        if interrupts.count > handled:
            handled = interrupts.count
            print("bp-tui: cancelling the sweep: running runs stop at their next chunk "
                  "(Ctrl-C again to leave at once)", file=sys.stderr, flush=True)
            runner.cancel()


def leave_now(runner, status: int = EXIT_INTERRUPTED) -> None:
    """Second Ctrl-C: clean up and end this process without waiting for the workers
    (local ones see it end, remote ones see the sweep's control folder go)."""
    runner.close()
    print(f"bp-tui: left sweep {runner.name}; its workers stop by themselves",
          file=sys.stderr, flush=True)
    sys.stdout.flush()
    os._exit(status)


def _report(runner, preset: str | None, took: float) -> None:
    """The final tables on stdout; the observation of a preset; the time on stderr."""
    from core.analysis.observations import observe
    from core.records.compare import fmt_duration
    from core.sweep import STUCK_NOTE, member_status, summarise
    from tui.report.sweep_table import cell_lines, member_lines

    members = runner.poll()
    print("\n".join(member_lines(members)))
    if any(member_status(m).endswith("stuck") for m in members):
        print(f"({STUCK_NOTE})")  # explains the "· stuck" beside a finished run
    cells = summarise(members)
    if any(c.runs > 1 for c in cells):
        print()
        print("\n".join(cell_lines(cells)))
    if preset and not runner.cancelled and not runner.failed:
        obs = observe(preset, members, runner.root)
        if obs is not None:
            print(f"\n{obs.line}")
    print(f"bp-tui: sweep {runner.name} took {fmt_duration(took)}", file=sys.stderr)


def _failures(runner) -> int:
    failed = runner.failed
    if not failed:
        return EXIT_OK
    first = failed[0]
    print(f"bp-tui: sweep {runner.name}: {len(failed)} of {len(runner.members)} runs failed; "
          f"{first.name}: {first.message or 'no reason given'}", file=sys.stderr)
    return EXIT_FAILED


def run_sweep(argv: Sequence[str]) -> int:
    """``bp-tui sweep``: a grid of runs in parallel; Ctrl-C cancels cleanly."""
    from core.sweep import SweepError, prepare

    p = sweep_parser()
    args = p.parse_args(argv)
    spec = _spec(p, args)
    root = runs_root(args)
    executor, close = _executor(p, args, spec.workers)
    try:
        runner = prepare(spec, root)
    except SweepError as exc:
        close()
        p.error(f"argument --{exc.field}: {exc.reason}")
    interrupts = Interrupts()
    where = f"the Dask cluster at {args.dask}" if args.dask else f"{spec.workers} workers"
    count = f"{len(runner.members)} run{'s' if len(runner.members) != 1 else ''}"
    print(f"bp-tui: sweep {runner.name}: {count} on {where} in {root}",
          file=sys.stderr, flush=True)
    start = time.monotonic()
    from tui.process import leave_if_signalled

    try:
        leave_if_signalled()  # a Ctrl-C that an import swallowed
        runner.submit(executor)
        if follow(runner, args.quiet, interrupts):
            leave_now(runner, interrupts.status)
        close()
        _report(runner, spec.preset, time.monotonic() - start)
    finally:
        runner.close()
        interrupts.restore()
    return interrupts.status if runner.cancelled else _failures(runner)
