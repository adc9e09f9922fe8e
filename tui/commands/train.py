"""``bp-tui train``: train headless, printing the report's log line for line."""

from __future__ import annotations

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

__all__ = ["run_train", "train_parser"]


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
    controls = session.controls
    interrupted = {"count": 0}

    def on_signal(signum, frame):
        interrupted["count"] += 1
        if interrupted["count"] > 1:
            raise KeyboardInterrupt
        controls.stop()

    for sig in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, on_signal)
    last = None
    try:
        for p in session.iterate():
            for line in p.lines:
                print(line, flush=True)
            last = p
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        session.finish("stopped", "output closed")
        sys.stderr.close()
        return EXIT_INTERRUPTED
    if last is not None and last.status == "finished" and not args.no_predictions:
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
