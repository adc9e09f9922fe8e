"""``bp-tui attach [RUN]`` and ``bp-tui watch [RUN]``: the full dashboard of a run, from
any terminal.

A live run (its process answers on its control socket) opens with full control —
pause, resume, step, stop, lr — unless ``--read-only``; a finished, stopped or dead run
opens from its files, read-only, saying why. Leaving never disturbs the run.
"""

from __future__ import annotations

from collections.abc import Sequence

from tui.commands.common import Parser, add_runs_dir_flag, runs_root

__all__ = ["run_attach", "run_watch"]


def _parser(prog: str, read_only: bool) -> Parser:
    what = "Follow a run read-only" if read_only else "Attach to a run with full control"
    p = Parser(prog=prog, description=f"{what} — curves, prediction, log, inspect views — "
                                      "from any terminal. Leaving never disturbs the run.")
    p.add_argument("run", nargs="?", default=None,
                   help="run name or directory (default: the newest live run)")
    if not read_only:
        p.add_argument("--read-only", action="store_true", help="watch without control")
    p.add_argument("--fps", type=float, default=8.0, help="screen refreshes per second (1–30)")
    add_runs_dir_flag(p)
    return p


def run_attach(argv: Sequence[str], read_only: bool = False,
               prog: str = "bp-tui attach") -> int:
    """``bp-tui attach``: exit 2 with one line for a run that cannot be found or read."""
    p = _parser(prog, read_only)
    args = p.parse_args(argv)
    if not 1 <= args.fps <= 30:
        p.error("argument --fps: must be from 1 to 30")
    from core.records.index import RunsError, newest_live_run, read_row, resolve_run
    from core.run.links import LinkError, SocketLink, open_link

    root = runs_root(args)
    try:
        path = resolve_run(root, args.run) if args.run else newest_live_run(root)
    except RunsError as exc:
        p.error(f"argument RUN: {exc}")
    row = read_row(path)
    if row.damaged:
        p.error(f"argument RUN: run {path.name} is damaged: {row.damaged}")
    read_only = read_only or getattr(args, "read_only", False)
    try:
        if row.attachable:
            link = SocketLink(path, read_only=read_only)  # live: its socket or nothing
        else:
            link = open_link(path, read_only=read_only)
    except (LinkError, OSError, ValueError) as exc:
        p.error(f"argument RUN: {exc} (another user's run, or its process is stuck?)")
    from tui.app import create_app
    from tui.commands.dashboard import run_app
    from tui.process import leave_if_signalled

    app = create_app(runs_dir=root, link=link, fps=args.fps)
    leave_if_signalled()  # a Ctrl-C that an import swallowed
    return run_app(app)


def run_watch(argv: Sequence[str]) -> int:
    """``bp-tui watch``: ``attach --read-only``."""
    return run_attach(argv, read_only=True, prog="bp-tui watch")
