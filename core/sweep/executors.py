"""Where a sweep's members run: a local process pool, or a Dask cluster.

Both are ``concurrent.futures``-style executors (``submit`` → future), which is all
``SweepRunner`` needs. The local pool starts its workers by "spawn" (no fork of a
threaded process) with ``member.init_worker``, so they ignore Ctrl-C and end themselves
when the sweep process dies. The Dask one is ``core.sweep.dask_cluster``.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from core.sweep.dask_cluster import ExecutorError, dask_executor
from core.sweep.member import init_worker

__all__ = [
    "ExecutorError",
    "LocalPool",
    "dask_executor",
    "local_executor",
    "signals_blocked",
    "start_resource_tracker",
]


class LocalPool(ProcessPoolExecutor):
    """A spawn-started process pool whose workers are children of this process.

    ``parent_pid`` tells ``SweepRunner`` that its members may watch this process's pid.
    """

    def __init__(self, workers: int, quiet: bool = False) -> None:
        start_resource_tracker()
        self.parent_pid = os.getpid()
        super().__init__(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                         initializer=init_worker, initargs=(self.parent_pid, quiet))


def start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with real file descriptors for stdio.

    The tracker is started on first need with ``sys.stderr.fileno()`` among the
    descriptors it keeps; under Textual ``sys.stderr`` is a capture object whose
    ``fileno()`` is −1, and the start fails ("bad value(s) in fds_to_keep"). Started here
    first, with /dev/null as its stderr (and its fd 2), it never prints over a screen
    either — e.g. its "leaked semaphore" warning after the sweep process was killed.
    """
    from multiprocessing import resource_tracker

    saved, saved_fd = sys.stderr, os.dup(2)
    with open(os.devnull, "w") as devnull, signals_blocked():
        sys.stderr = devnull
        os.dup2(devnull.fileno(), 2)  # the tracker inherits fd 2 too (for a moment only)
        try:
            resource_tracker.ensure_running()
        finally:
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            sys.stderr = saved


def local_executor(workers: int | None = None, quiet: bool = False) -> LocalPool:
    """A local pool of ``workers`` processes (default one per core); ``quiet`` silences
    the workers' stderr (for the dashboard)."""
    return LocalPool(workers or os.cpu_count() or 1, quiet=quiet)


@contextmanager
def signals_blocked() -> Iterator[None]:
    """Block SIGINT and SIGHUP in this thread meanwhile: processes started here (pool
    workers, the resource tracker) inherit the mask, so a Ctrl-C during their start-up
    cannot print a traceback and a hangup of the terminal cannot kill them;
    ``init_worker`` unblocks both once it has its own handlers (the tracker keeps them
    blocked). Signals that arrive meanwhile wait, and reach this process afterwards."""
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGHUP})
    except (AttributeError, OSError, ValueError):
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
