"""The ``bp-tui`` command: the dashboard by default, subcommands by name.

Each subcommand lives in ``tui.commands`` and is imported only when it runs, so
``bp-tui train`` never loads Textual.

``entry`` (the console script) guards the whole process: from its first line, Ctrl-C
exits 130 and SIGTERM 143, each with one line on stderr and no traceback, also while
NumPy or numba is still importing; output that cannot be encoded (``PYTHONIOENCODING=
ascii``) is escaped, not fatal; stdout that cannot be written (``> /dev/full``) is one
line and exit 1; signals after the command has returned cannot change its exit status.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
from collections.abc import Sequence

from tui.process import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    Terminated,
    ignore_signals,
    install_early_handlers,
    leave_if_signalled,
    pending_signal,
    signal_status,
    silence_stdout,
)


def _quiet_unraisable(args) -> None:
    """``sys.unraisablehook``: an exception Python cannot raise (in a ctypes callback of
    llvmlite while numba compiles, in a ``__del__``) is one line, not a traceback; a
    signal's KeyboardInterrupt there is silent (the signal is recorded and acted on)."""
    if isinstance(args.exc_value, (KeyboardInterrupt, Terminated)):
        return
    first = (str(args.exc_value).splitlines() or [""])[0][:200]
    _say(f"ignored an error ({args.exc_type.__name__}: {first})")


def _quiet_excepthook(exc_type, exc_value, tb) -> None:
    """``sys.excepthook``, also what C code's ``PyErr_Print`` calls (numba's extension
    modules do, when ``import_array`` is interrupted): a signal's exception is silent
    (recorded and acted on), anything else one line."""
    if issubclass(exc_type, (KeyboardInterrupt, Terminated)):
        return
    if os.environ.get("BP_TUI_DEBUG"):
        sys.__excepthook__(exc_type, exc_value, tb)
        return
    first = (str(exc_value).splitlines() or [""])[0][:200]
    _say(f"error ({exc_type.__name__}: {first})")


def _signal_status(signum: int) -> int:
    """Exit status and one line for a command ended by ``signum``."""
    ignore_signals()
    if signum == signal.SIGINT:
        _say("interrupted")
        return EXIT_INTERRUPTED
    _say("terminated" if signum == signal.SIGTERM else "hung up")
    return signal_status(signum)


# One BLAS thread: the training kernel is single-threaded and the UI needs the other
# core; OpenBLAS's helper thread only contends with both (bench/dashboard.py). Set
# before NumPy loads; a user's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__all__ = ["EXIT_TERMINATED", "SUBCOMMANDS", "Terminated", "entry", "leave_if_signalled", "main",
           "pending_signal",
           "silence_stdout"]

# name -> "module:function" taking argv and returning an exit status; imported lazily
SUBCOMMANDS: dict[str, str] = {
    "train": "tui.commands.train:run_train",
    "runs": "tui.commands.runs:run_runs",
    "attach": "tui.commands.attach:run_attach",
    "watch": "tui.commands.attach:run_watch",
    "resume": "tui.commands.resume:run_resume",
    "sweep": "tui.commands.sweep:run_sweep",
    "reproduce": "tui.commands.reproduce:run_reproduce",
    "export": "tui.commands.export:run_export",
    "eval": "tui.commands.evaluate:run_eval",
    "backprop": "tui.commands.backprop:run_backprop",
    "figures": "tui.commands.figures:run_figures_command",
    "serve": "tui.commands.serve:run_serve",
}
DASHBOARD = "tui.commands.dashboard:run_dashboard"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``bp-tui`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    target = SUBCOMMANDS[argv[0]] if argv and argv[0] in SUBCOMMANDS else DASHBOARD
    if target != DASHBOARD:
        argv = argv[1:]
    module, _, func = target.partition(":")
    return getattr(importlib.import_module(module), func)(argv)


def _safe_streams() -> None:
    """Escape what the terminal's encoding cannot show instead of failing on it."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(errors="backslashreplace")


def _say(message: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(f"bp-tui: {message}", file=sys.stderr, flush=True)


def _flush_stdout() -> int | None:
    """Flush stdout; None if fine, else the exit status for output that failed."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        return None
    except OSError as exc:
        silence_stdout()
        _say(f"cannot write the output: {exc.strerror or exc}")
        return EXIT_FAILED
    except ValueError:  # stdout closed
        return None
    return None


def _run() -> int:
    """``main()`` with every way out turned into an exit status and at most one line."""
    try:
        code = main()
    except KeyboardInterrupt:
        return _signal_status(signal.SIGINT)
    except Terminated as exc:
        return _signal_status(exc.signum)
    except SystemExit as exc:
        code = exc.code
    except BrokenPipeError:
        silence_stdout()
        return EXIT_FAILED
    except Exception:
        if pending_signal() is None:
            return _failure()
        return _signal_status(pending_signal())  # a signal turned into another error
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    _say(str(code))  # SystemExit("message")
    return EXIT_FAILED


def _failure() -> int:
    """The status and one line for an exception that escaped a command."""
    exc = sys.exc_info()[1]
    if isinstance(exc, MemoryError):
        _say("out of memory")
        return EXIT_FAILED
    if isinstance(exc, OSError):  # e.g. stdout on a full disk, as a print failed
        silence_stdout()
        where = f" ({exc.filename})" if exc.filename else ""
        _say(f"cannot go on: {exc.strerror or exc}{where}")
        return EXIT_FAILED
    if os.environ.get("BP_TUI_DEBUG"):
        raise exc
    first = (str(exc).splitlines() or [""])[0][:200]
    _say(f"unexpected error ({type(exc).__name__}: {first}); "
         "BP_TUI_DEBUG=1 shows the traceback")
    return EXIT_FAILED


def entry() -> None:
    """Console-script wrapper: exit with ``main``'s status, whatever happens (a signal
    arriving while the handlers are being installed included)."""
    try:
        install_early_handlers()
        sys.unraisablehook = _quiet_unraisable
        sys.excepthook = _quiet_excepthook
        _safe_streams()
        os.environ.setdefault("PYTHONIOENCODING", "utf-8")
        code = _run()
        ignore_signals()  # teardown: a late signal cannot change the status
        failed = _flush_stdout()
    except KeyboardInterrupt:  # a signal in the handlers above
        ignore_signals()
        code, failed = EXIT_INTERRUPTED, None
    except Terminated as exc:
        ignore_signals()
        code, failed = signal_status(exc.signum), None
    sys.exit(failed if failed is not None and code == 0 else code)


if __name__ == "__main__":
    entry()
