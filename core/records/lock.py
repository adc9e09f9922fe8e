"""One writer per run: an exclusive lock on ``<run>/writer.lock`` for the writer's life.

Whoever starts, resumes or trains into a run directory holds ``fcntl.flock(LOCK_EX)`` on
the run's lock file as long as it may write there. The kernel drops the lock when the
holder's last descriptor closes, so it dies with the process however it ends (SIGKILL
included): a stale lock file is harmless, and a lock is never "left behind". A second
writer's ``RunLock.acquire`` fails at once (``RunBusy``) before it writes anything. The
lock file holds the holder's pid, for the refusal's message only.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
from pathlib import Path

from core.records import layout

__all__ = ["RunBusy", "RunLock", "writer_pid"]

_FLAGS = os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class RunBusy(OSError):
    """Another process writes this run (it holds the run's lock); one line."""

    def __init__(self, message: str) -> None:
        super().__init__(errno.EBUSY, message)

    def __str__(self) -> str:
        return self.strerror


def _open(run_dir: Path, create: bool) -> int:
    """A descriptor of the run's lock file (a regular file, never a link); OSError."""
    flags = _FLAGS | (os.O_RDWR | os.O_CREAT if create else os.O_RDONLY)
    fd = os.open(run_dir / layout.LOCK, flags, 0o666)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, f"{layout.LOCK} is not a regular file")
    return fd


def _holder(fd: int) -> str:
    """" (pid N)" from the lock file's content, or ""."""
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(fd, 32, 0).decode("ascii").strip()
        if text.isdigit():
            return f" (pid {int(text)})"
    return ""


class RunLock:
    """The held lock of one run directory; ``release`` (or the process's end) drops it."""

    def __init__(self, fd: int, run_dir: Path) -> None:
        self._fd: int | None = fd
        self.run_dir = run_dir

    @classmethod
    def acquire(cls, run_dir: str | Path) -> RunLock:
        """Take the run's lock without waiting: RunBusy if another process holds it,
        OSError if the lock file cannot be made (a link, a FIFO, a read-only folder)."""
        run_dir = Path(run_dir)
        fd = _open(run_dir, create=True)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            who = _holder(fd)
            os.close(fd)
            raise RunBusy(f"run {run_dir.name} is being written by another bp-tui "
                          f"process{who}; attach to it, or wait until it ends") from None
        except BaseException:
            os.close(fd)
            raise
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(fd, run_dir)

    @property
    def held(self) -> bool:
        """True until released."""
        return self._fd is not None

    def release(self) -> None:
        """Drop the lock (idempotent)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    def __del__(self) -> None:
        self.release()


def writer_pid(run_dir: str | Path) -> int | None:
    """The pid of the process holding the run's lock (0 if it is held but the pid is
    unknown), or None if no process holds it. Reads only; creates nothing."""
    try:
        fd = _open(Path(run_dir), create=False)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        who = _holder(fd)
        return int(who[6:-1]) if who else 0
    except OSError:
        return None
    finally:
        os.close(fd)
    return None
