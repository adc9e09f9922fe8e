"""``bp-tui resume RUN [--epochs N]``: continue a run exactly where it stopped.

A stopped run, a run whose process died (from its last checkpoint), or a finished run
for more epochs: the same final weights and metrics rows as one uninterrupted run. It
trains here, printing the report's log like ``bp-tui train``, and is attachable.
"""

from __future__ import annotations

from collections.abc import Sequence

from tui.commands.common import Parser, add_runs_dir_flag, runs_root, typed

__all__ = ["run_resume"]


def run_resume(argv: Sequence[str]) -> int:
    """``bp-tui resume``: one line and exit 2 when the run cannot be resumed."""
    p = Parser(prog="bp-tui resume",
               description="Continue a stopped, dead or finished run exactly, in its own "
                           "run directory.")
    p.add_argument("run", metavar="RUN", help="run name or directory")
    p.add_argument("--epochs", type=typed("epochs"), default=None,
                   help="train to this many epochs (default: the run's own; a finished "
                        "run needs more)")
    p.add_argument("--no-predictions", action="store_true",
                   help="do not print the predicted probabilities at the end")
    add_runs_dir_flag(p)
    args = p.parse_args(argv)
    from core.records.index import RunsError, read_row, resolve_run
    from core.records.paths import check_writable_run
    from core.run.session import Session, SetupError
    from tui.commands.train import train_in_terminal

    root = runs_root(args)
    try:
        path = check_writable_run(root, resolve_run(root, args.run))
    except RunsError as exc:
        p.error(f"argument RUN: {exc}")
    row = read_row(path)
    if row.status == "running":
        p.error(f"argument RUN: run {path.name} is still training; attach to it instead")
    try:
        session = Session.resume(path, epochs=args.epochs)
    except SetupError as exc:
        p.error(f"argument --epochs: {exc.reason}" if exc.field == "epochs"
                else f"argument RUN: {exc}")
    return train_in_terminal(session, args.no_predictions)
