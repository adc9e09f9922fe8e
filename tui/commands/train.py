"""``bp-tui train``: train headless, printing the report's log line for line.

The run trains under a run host, so ``bp-tui attach`` can show and drive it from any
terminal. Ctrl-C (SIGINT) and SIGTERM stop the run at its next step: it is flushed and
recorded "stopped", and the exit status is 130 or 143; a second signal leaves at once. A
hangup (SIGHUP: the terminal went away) does not: the run trains on to its end, printing
nowhere, still attachable. A run that cannot be recorded (disk full) or whose output
cannot be written (``> /dev/full``) ends with one line on stderr, exit 1, and its
records marked "error".
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Sequence

from tui.commands.common import (
    DISK_FULL,
    EXIT_DIVERGED,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    Parser,
    add_run_flags,
    config_from_args,
    keep_going_after_hangup,
)
from tui.process import EXIT_TERMINATED, Terminated, pending_signal, silence_stdout

__all__ = ["run_train", "train_in_terminal", "train_parser"]

EXIT_BY_SIGNAL = {signal.SIGINT: EXIT_INTERRUPTED, signal.SIGTERM: EXIT_TERMINATED}
SIGNAL_WORDS = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}


def train_parser() -> Parser:
    """The flags of ``bp-tui train``."""
    p = Parser(prog="bp-tui train", description="Train headless, printing the report's log.")
    add_run_flags(p)
    p.add_argument("--no-predictions", action="store_true",
                   help="do not print the predicted probabilities at the end")
    return p


def _say(message: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(f"bp-tui: {message}", file=sys.stderr, flush=True)


def _setup_failure(parser: Parser, exc) -> int:
    """Exit status for a SetupError: 1 for a full or failing disk, else usage (2)."""
    cause = exc.__context__
    if exc.field == "runs_dir" and getattr(cause, "errno", None) in DISK_FULL:
        _say(str(cause))
        return EXIT_FAILED
    if exc.field:
        parser.error(f"argument --{exc.field.replace('_', '-')}: {exc.reason}")
    parser.error(str(exc))
    return EXIT_FAILED  # not reached: parser.error exits


class _Stopper:
    """The signal handlers of a run: the first signal asks the run to stop, a second
    one (or one before the run exists) leaves at once (KeyboardInterrupt for Ctrl-C,
    ``tui.process.Terminated`` for the others)."""

    def __init__(self) -> None:
        self.controls = None
        self.signum: int | None = None

    def __call__(self, signum, frame) -> None:
        first = self.signum is None
        self.signum = signum
        if self.controls is None or not first:
            raise KeyboardInterrupt if signum == signal.SIGINT else Terminated(signum)
        self.controls.stop()

    def check_pending(self) -> None:
        """Before training: leave now if a signal came during the set-up, even one whose
        KeyboardInterrupt an import (NumPy's or numba's C code) swallowed."""
        pending = self.signum if self.signum is not None else pending_signal()
        if pending is not None:
            self.signum = pending
            raise KeyboardInterrupt if pending == signal.SIGINT else Terminated(pending)

    def install(self) -> None:
        for sig in EXIT_BY_SIGNAL:
            if signal.getsignal(sig) is not signal.SIG_IGN:
                signal.signal(sig, self)
        keep_going_after_hangup()  # the run trains on (attachable), printing nowhere


def run_train(argv: Sequence[str]) -> int:
    """``bp-tui train``: the report's log on stdout, notes on stderr."""
    parser = train_parser()
    args = parser.parse_args(argv)
    config = config_from_args(parser, args)
    from core.run.session import Session, SetupError

    stopper = _Stopper()
    stopper.install()
    stopper.check_pending()
    try:
        session = Session(config, runs_root=args.runs_dir, record=not args.no_record)
    except SetupError as exc:
        return _setup_failure(parser, exc)
    return train_in_terminal(session, args.no_predictions, stopper)


def train_in_terminal(session, no_predictions: bool = False, stopper=None) -> int:
    """Train ``session`` under a run host (attachable through its control socket),
    printing the report's lines; the exit status of the run (``train``, ``resume``)."""
    if stopper is None:
        stopper = _Stopper()
        stopper.install()
    stopper.controls = session.controls
    try:
        stopper.check_pending()
        last = _train(session)
        if last is not None and last.status == "finished" and not no_predictions:
            _predictions(session, last)
    except (KeyboardInterrupt, Terminated):
        _end(session, "stopped", "interrupted")
        _say(_where(session, SIGNAL_WORDS.get(stopper.signum, "interrupted")))
        return EXIT_BY_SIGNAL.get(stopper.signum, EXIT_INTERRUPTED)
    except BrokenPipeError:
        _end(session, "stopped", "output closed")
        silence_stdout()
        return EXIT_INTERRUPTED
    except OSError as exc:
        return _failed(session, exc)
    if last is None or last.status == "stopped":
        word = SIGNAL_WORDS.get(stopper.signum, "stopped by a signal")
        _say(_where(session, word if stopper.signum is not None else "stopped"))
        return EXIT_BY_SIGNAL.get(stopper.signum, EXIT_INTERRUPTED)
    if session.recorder is not None:
        _say(f"run recorded in {session.recorder.dir}")
    if last.status == "diverged":
        _say(last.message)
        return EXIT_DIVERGED
    return EXIT_OK


def _where(session, word: str) -> str:
    """"interrupted; run recorded in DIR (stopped)" — one line for a stopped run."""
    if session.recorder is None:
        return word
    return f"{word}; run recorded in {session.recorder.dir} ({session.status})"


def _train(session):
    """Run under a run host, printing each report's lines; a failed print ends the run
    while the session's generator is still open, so its records say why."""
    from core.run.host import RunHost

    reports: list = []

    def on_report(p) -> None:
        try:
            for line in p.lines:
                print(line, flush=True)
        except BrokenPipeError:
            _end(session, "stopped", "output closed")
            raise
        except OSError as exc:
            _end(session, "error", _output_reason(exc))
            raise
        reports[:] = [p]

    host = RunHost.for_session(session)
    host.on_report(on_report)
    host.run(reraise=True)
    return reports[-1] if reports else None


def _output_reason(exc: OSError) -> str:
    return f"cannot write the output: {exc.strerror or exc}"


def _predictions(session, last) -> None:
    from core.train.logfmt import prediction_lines

    lines = prediction_lines(last.yhat)
    print("\n".join(lines), flush=True)
    session.log(lines)


def _end(session, status: str, message: str) -> None:
    """Mark the run ended (if it is not yet); a record that cannot be written stays."""
    if session.status in ("running", "ready"):
        with contextlib.suppress(OSError):
            session.finish(status, message)


def _failed(session, exc: OSError) -> int:
    """A write failed: the run's records (RecordError) or stdout (a print)."""
    from core.records import layout
    from core.records.writer import RecordError

    if isinstance(exc, RecordError):
        rec = session.recorder
        marked = rec is not None and rec.error_recorded
        said = "says error" if marked else "not updated"
        _say(f"{exc} ({layout.SUMMARY} {said})")
        return EXIT_FAILED
    reason = _output_reason(exc)
    _end(session, "error", reason)
    silence_stdout()
    _say(reason)
    return EXIT_FAILED
