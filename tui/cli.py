"""The ``bp-tui`` command: the dashboard by default, subcommands by name.

Each subcommand lives in ``tui.commands`` and is imported only when it runs, so
``bp-tui train`` never loads Textual.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

# One BLAS thread: the training kernel is single-threaded and the UI needs the other
# core; OpenBLAS's helper thread only contends with both (bench/dashboard.py). Set
# before NumPy loads; a user's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__all__ = ["SUBCOMMANDS", "entry", "main"]

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


def entry() -> None:
    """Console-script wrapper: exit with ``main``'s status."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    sys.exit(main())


if __name__ == "__main__":
    sys.exit(main())
