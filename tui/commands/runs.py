"""``bp-tui runs``: the dashboard opened straight onto the runs screen."""

from __future__ import annotations

from collections.abc import Sequence

from tui.commands.common import Parser, add_runs_dir_flag

__all__ = ["run_runs"]


def run_runs(argv: Sequence[str]) -> int:
    """``bp-tui runs``: the dashboard, opened straight onto the runs screen."""
    p = Parser(prog="bp-tui runs", description="Browse, compare and manage recorded runs.")
    add_runs_dir_flag(p)
    args = p.parse_args(argv)
    from tui.app import create_app

    app = create_app(runs_dir=args.runs_dir, open_runs=True)
    app.run()
    return app.return_code or 0
