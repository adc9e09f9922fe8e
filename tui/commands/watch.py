"""``bp-tui watch [RUN]``: follow a run live from its files (default: the newest)."""

from __future__ import annotations

from collections.abc import Sequence

from tui.commands.common import Parser, add_runs_dir_flag, runs_root

__all__ = ["run_watch"]


def run_watch(argv: Sequence[str]) -> int:
    """``bp-tui watch [RUN]``: follow a run live (default: the newest)."""
    p = Parser(prog="bp-tui watch",
               description="Follow a run live — log, curves, predictions — from any "
                           "terminal. Leaving never disturbs the run.")
    p.add_argument("run", nargs="?", default=None, help="run name or directory (default: newest)")
    add_runs_dir_flag(p)
    args = p.parse_args(argv)
    from core.records.index import RunsError, resolve_run

    try:
        path = resolve_run(runs_root(args), args.run)
    except RunsError as exc:
        p.error(f"argument RUN: {exc}")
    from tui.app import create_app
    from tui.cli import leave_if_signalled

    app = create_app(runs_dir=args.runs_dir, watch=path)
    leave_if_signalled()  # a Ctrl-C that an import swallowed
    app.run()
    return app.return_code or 0
