"""``bp-tui``: the dashboard."""

from __future__ import annotations

from collections.abc import Sequence

from core import __version__
from tui.commands.common import Parser, add_run_flags, config_from_args

__all__ = ["dashboard_parser", "run_dashboard"]


def dashboard_parser() -> Parser:
    """The flags of ``bp-tui`` (the dashboard)."""
    p = Parser(
        prog="bp-tui",
        description="A terminal dashboard in which a from-scratch back-propagation network "
                    "learns 2-D toy problems.",
        epilog="subcommands (each has --help): train (headless training, the report's log), "
               "runs (the recorded runs), watch [RUN] (follow a run live), sweep (a grid of "
               "runs in parallel), export RUN… (metrics and tables), eval RUN (test a "
               "run's weights on fresh or CSV data).",
    )
    p.add_argument("--version", action="version", version=f"bp-tui {__version__}")
    add_run_flags(p)
    p.add_argument("--start", action="store_true", help="start training at once")
    p.add_argument("--fps", type=float, default=8.0, help="screen refreshes per second (1–30)")
    return p


def run_dashboard(argv: Sequence[str]) -> int:
    """``bp-tui``: the Textual dashboard."""
    parser = dashboard_parser()
    args = parser.parse_args(argv)
    config = config_from_args(parser, args)
    if not 1 <= args.fps <= 30:
        parser.error("argument --fps: must be from 1 to 30")
    from tui.app import create_app
    from tui.cli import leave_if_signalled

    app = create_app(config, runs_dir=args.runs_dir, record=not args.no_record,
                     start=args.start, fps=args.fps)
    leave_if_signalled()  # a Ctrl-C that an import swallowed
    app.run()
    return app.return_code or 0
