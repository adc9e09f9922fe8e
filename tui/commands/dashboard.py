"""``bp-tui``: the dashboard; and what happens to its run when the UI goes away."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Sequence

from core import __version__
from tui.commands.common import Parser, add_run_flags, config_from_args
from tui.process import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    Watchdog,
    has_job_control,
    signal_status,
    streams_to,
    to_background,
)

__all__ = ["dashboard_parser", "run_app", "run_dashboard", "train_on"]


def dashboard_parser() -> Parser:
    """The flags of ``bp-tui`` (the dashboard): every flag of ``bp-tui train`` too."""
    p = Parser(
        prog="bp-tui",
        description="A terminal dashboard in which a from-scratch back-propagation network "
                    "learns 2-D toy problems.",
        epilog="subcommands (each has --help): train (headless training, the report's log), "
               "runs (the recorded runs), attach [RUN] (the dashboard of a live run, from "
               "any terminal), watch [RUN] (the same, read-only), resume RUN (continue a "
               "run exactly), sweep (a grid of runs in parallel), reproduce (the report's "
               "experiments, written up beside its numbers, with figures), export RUN… "
               "(metrics and tables), figures RUN… (SVG/PNG figures for a report), eval "
               "RUN (test a run's weights on fresh or CSV data), backprop [RUN] --point I "
               "(one point's forward and backward pass, update and gradient check), serve "
               "(the dashboard in browser tabs).",
    )
    p.add_argument("--version", action="version", version=f"bp-tui {__version__}")
    add_run_flags(p)
    p.add_argument("--no-predictions", action="store_true",
                   help="accepted as by bp-tui train (the dashboard prints ŷ on y only)")
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
    from tui.process import leave_if_signalled

    app = create_app(config, runs_dir=args.runs_dir, record=not args.no_record,
                     start=args.start, fps=args.fps)
    leave_if_signalled()  # a Ctrl-C that an import swallowed
    return run_app(app)


def run_app(app) -> int:
    """Run ``app`` under the process guard (``tui.process.UiGuard``); when it was left
    with its own run training (``d``, "leave it running", a hangup), keep training it to
    its end in this process. The exit status: 0, or 143/130 after SIGTERM/SIGINT, 129
    after a hangup of a UI with no run of its own."""
    c = app.controller
    with app.guard() as guard:
        app.run()
        if app.detached and c.owns_run:
            guard.hold_hangups()  # a tab closed just after `d` must not end the run
    code = app.return_code or 0
    if app.detached and c.owns_run:
        code = train_on(c, hung_up=app.hung_up or guard.hung_up)
    if code in (EXIT_TERMINATED, EXIT_INTERRUPTED):
        with contextlib.suppress(OSError, ValueError):
            print(f"bp-tui: {'terminated' if code == EXIT_TERMINATED else 'interrupted'}",
                  file=sys.stderr, flush=True)
    Watchdog().arm(code)  # the interpreter's own exit is bounded too
    return code


def train_on(controller, hung_up: bool) -> int:
    """The UI is gone and the run trains on: say how to come back (unless the terminal
    is gone), stop using the terminal, leave the shell its prompt, wait for the end.
    The exit status: 0 when the run ends (its records say how), 143/130 when SIGTERM or
    SIGINT stopped it."""
    name, run_dir = controller.state.run_name, controller.run_dir
    if not hung_up:
        print(f"bp-tui: run {name} trains on in the background (pid {os.getpid()}); "
              f"`bp-tui attach {name}` shows it again from any terminal.", file=sys.stderr,
              flush=True)
    job_control = has_job_control()
    if not hung_up and job_control:
        print("bp-tui: (if your shell says \"Stopped\", that lasts a moment: the job "
              "goes on in the background)", file=sys.stderr, flush=True)
    streams_to(run_dir / "detached.log" if run_dir is not None else None)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # a closing terminal leaves it be
    stopped_by: list[int] = []

    def stop(signum, frame) -> None:
        if stopped_by:  # once: a second signal may interrupt the first's stop()
            return
        stopped_by.append(signum)
        controller.host.controls.stop()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    if not hung_up and job_control:
        to_background()
    controller.host.join()
    return signal_status(stopped_by[0]) if stopped_by else EXIT_OK
