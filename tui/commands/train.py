"""``bp-tui train``: train headless, printing the report's log line for line."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence

from tui.commands.common import (
    EXIT_DIVERGED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    Parser,
    add_run_flags,
    config_from_args,
)

__all__ = ["run_train", "train_in_terminal", "train_parser"]


def _to_devnull() -> None:
    """Point stdin, stdout and stderr at /dev/null (the terminal or pipe is gone)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def train_parser() -> Parser:
    """The flags of ``bp-tui train``."""
    p = Parser(prog="bp-tui train", description="Train headless, printing the report's log.")
    add_run_flags(p)
    p.add_argument("--no-predictions", action="store_true",
                   help="do not print the predicted probabilities at the end")
    return p


def run_train(argv: Sequence[str]) -> int:
    """``bp-tui train``: the report's log on stdout, notes on stderr."""
    parser = train_parser()
    args = parser.parse_args(argv)
    config = config_from_args(parser, args)
    from core.train.session import Session, SetupError

    try:
        session = Session(config, runs_root=args.runs_dir, record=not args.no_record)
    except SetupError as exc:
        if exc.field:
            parser.error(f"argument --{exc.field.replace('_', '-')}: {exc.reason}")
        parser.error(str(exc))
    return train_in_terminal(session, args.no_predictions)


def train_in_terminal(session, no_predictions: bool = False) -> int:
    """Train ``session`` under a run host (attachable through its control socket),
    printing the report's lines; the exit status of the run (``train``, ``resume``)."""
    from core.train.host import RunHost

    host = RunHost.for_session(session)
    controls = session.controls
    interrupted = {"count": 0}
    reports: list = []

    def on_signal(signum, frame):
        interrupted["count"] += 1
        if interrupted["count"] > 1:
            raise KeyboardInterrupt
        controls.stop()

    def on_hangup(signum, frame):
        """The terminal is gone: the run trains on (attachable), printing nowhere."""
        _to_devnull()

    def on_report(p) -> None:
        reports[:] = [p]
        try:
            for line in p.lines:
                print(line, flush=True)
        except BrokenPipeError:  # the reader went away: stop cleanly, print no more
            _to_devnull()
            interrupted["pipe"] = True
            controls.stop()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    signal.signal(signal.SIGHUP, on_hangup)
    host.on_report(on_report)
    try:
        host.run()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    last = reports[-1] if reports else None
    if interrupted.get("pipe"):
        return EXIT_INTERRUPTED
    if last is not None and last.status == "finished" and not no_predictions:
        from core.train.logfmt import prediction_lines

        lines = prediction_lines(last.yhat)
        print("\n".join(lines), flush=True)
        session.log(lines)
    if session.recorder is not None:
        print(f"bp-tui: run recorded in {session.recorder.dir}", file=sys.stderr)
    if last is None or last.status == "stopped":
        return EXIT_INTERRUPTED
    if last.status == "diverged":
        print(f"bp-tui: {last.message}", file=sys.stderr)
        return EXIT_DIVERGED
    return EXIT_OK
