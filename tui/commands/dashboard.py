"""``bp-tui``: the dashboard; and what happens to its run when the UI goes away."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence

from core import __version__
from tui.commands.common import Parser, add_run_flags, config_from_args

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
               "experiments, written up beside its numbers), export RUN… (metrics and "
               "tables), eval RUN (test a run's weights on fresh or CSV data), serve (the "
               "dashboard in browser tabs).",
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
    from tui.cli import leave_if_signalled

    app = create_app(config, runs_dir=args.runs_dir, record=not args.no_record,
                     start=args.start, fps=args.fps)
    leave_if_signalled()  # a Ctrl-C that an import swallowed
    return run_app(app)


def run_app(app) -> int:
    """Run ``app``; when it was left with its own run training (``d``, "leave it
    running", a hangup), keep training it to its end in this process."""
    app.run()
    c = app.controller
    if app.detached and c.owns_run:
        train_on(c, hung_up=app.hung_up)
    return app.return_code or 0


def train_on(controller, hung_up: bool) -> None:
    """The UI is gone and the run trains on: say how to come back (unless the terminal
    is gone), stop using the terminal, leave the shell its prompt, wait for the end."""
    name, run_dir = controller.state.run_name, controller.run_dir
    if not hung_up:
        print(f"bp-tui: run {name} trains on in the background (pid {os.getpid()}); "
              f"`bp-tui attach {name}` shows it again from any terminal.", file=sys.stderr,
              flush=True)
    job_control = _has_job_control()
    if not hung_up and job_control:
        print("bp-tui: (if your shell says \"Stopped\", that lasts a moment: the job "
              "goes on in the background)", file=sys.stderr, flush=True)
    _streams_to(run_dir / "detached.log" if run_dir is not None else None)
    for sig in (signal.SIGTSTP, signal.SIGCONT):  # Textual's: they would restart the UI
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # a closing terminal leaves it be
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: controller.host.controls.stop())
    if not hung_up and job_control:
        _to_background()
    controller.host.join()


def _has_job_control() -> bool:
    """True when a job-control shell started us in a process group of our own that holds
    the terminal (so it gives the prompt back once we stop)."""
    try:
        pgrp = os.getpgrp()
        return os.tcgetpgrp(sys.stdin.fileno()) == pgrp and pgrp != os.getsid(0)
    except (OSError, ValueError):
        return False


def _streams_to(log) -> None:
    """stdin from /dev/null; stdout and stderr appended to ``log`` (or /dev/null)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    out = devnull
    if log is not None:
        try:
            out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
        except OSError:
            out = devnull
    os.dup2(devnull, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    for fd in {devnull, out}:
        os.close(fd)


def _to_background() -> None:
    """Stop, so the shell prints its prompt; a helper continues us a moment later, as
    `bg` would: the run trains on as a background job."""
    subprocess.Popen(["/bin/sh", "-c", f"sleep 0.3; kill -CONT {os.getpid()}"],
                     start_new_session=True, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.kill(os.getpid(), signal.SIGSTOP)
