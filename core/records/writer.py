"""The writer of run directories (see ``core.records.layout`` for the files).

Whole files (config.json, summary.json, weights.npz, data.npz) are replaced atomically
(temp file beside it, fsync, rename; permissions follow the umask) and the append-only
files are read back tolerantly (a torn last line is skipped), so a run killed at any
instant leaves every file readable or absent. A start that fails removes the directory
it made; a write that fails (disk full) marks the run "error" with the reason, if
summary.json can still be written, and every later write raises the same ``RecordError``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import stat
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from core import __version__
from core.records import layout
from core.records.atomic import atomic_open, is_temp_of
from core.records.checkpoint import checkpoint_members
from core.records.lock import RunBusy, RunLock
from core.records.weights import save_weights
from core.state import RunState

__all__ = ["CHECKPOINT_SECONDS", "RecordError", "RunRecorder", "clean_temp_files",
           "write_json_atomic"]

CHECKPOINT_SECONDS = 5.0


class RecordError(OSError):
    """A run's files cannot be written; one line naming the directory and the reason.

    An OSError, with the ``errno`` of the failure (ENOSPC for a full disk)."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.errno = code


def clean_temp_files(run_dir: str | Path) -> int:
    """Remove the temporary files a killed writer left in ``run_dir`` (``.weights.npz-…``
    and the like); returns how many. Call it only where no other process writes the run
    (opening a run to write it, renaming an ended run)."""
    removed = 0
    try:
        entries = list(os.scandir(run_dir))
    except OSError:
        return 0
    for entry in entries:
        if any(is_temp_of(entry.name, f) for f in layout.ATOMIC_FILES):
            with contextlib.suppress(OSError):
                if not entry.is_dir(follow_symlinks=False):
                    os.unlink(entry.path)
                    removed += 1
    return removed


def write_json_atomic(path: Path, obj: Any) -> None:
    """Replace ``path`` with ``obj`` as JSON in one rename."""
    with atomic_open(path) as fh:
        json.dump(obj, fh, indent=2, allow_nan=False, default=_jsonable)
        fh.write("\n")


def _rewrite_in_place(path: Path, obj: Any) -> None:
    """Overwrite a regular file with ``obj`` as JSON within the disk blocks it already
    has (padded with spaces to its old size), so it needs no free space; OSError if it
    would not fit. Not atomic: only for marking a run "error" when the disk is full
    (a crash during this one write of under 4 KiB could tear it)."""
    data = (json.dumps(obj, indent=2, allow_nan=False, default=_jsonable) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or len(data) > max(st.st_size, st.st_blocks * 512):
            raise OSError(errno.ENOSPC, "no room in the old file")
        data += b" " * (st.st_size - len(data))
        os.pwrite(fd, data, 0)
        os.fsync(fd)
    finally:
        os.close(fd)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, (tuple, set)):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _finite(x: float | None) -> float | None:
    """JSON has no NaN: non-finite numbers are written as null."""
    return None if x is None or not np.isfinite(x) else float(x)


def _now_iso() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


class RunRecorder:
    """Writes one run's directory as the run goes. Not thread-safe: one writer, which
    holds the run's lock (``core.records.lock``) until ``close``."""

    def __init__(
        self,
        root: str | Path,
        config: dict[str, Any],
        X: np.ndarray,
        y: np.ndarray,
        name: str | None = None,
        checkpoint_seconds: float = CHECKPOINT_SECONDS,
    ) -> None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        self.dir = _new_run_dir(Path(root), name or f"{stamp}-{config.get('data', 'run')}")
        self.name = self.dir.name
        self.started = time.time()
        self.checkpoint_seconds = checkpoint_seconds
        self._last_checkpoint = 0.0
        self.failed: str | None = None
        self._failed_errno: int | None = None
        self.error_recorded = False
        """True once a failed write has been recorded in summary.json as "error"."""
        self.config = {**config, "name": self.name, "version": __version__, "created": _now_iso()}
        self._metrics = self._log = None
        self._lock: RunLock | None = None
        self._open(X, y)

    def _open(self, X: np.ndarray, y: np.ndarray) -> None:
        """Lock the new directory and write its first files; on failure remove it
        (RecordError for an OSError)."""
        try:
            self._lock = RunLock.acquire(self.dir)
            self._start(X, y)
        except BaseException as exc:
            self._abandon()
            if isinstance(exc, OSError):
                raise RecordError(f"cannot record the run in {self.dir}: {_why(exc)}",
                                  exc.errno) from None
            raise

    def _start(self, X: np.ndarray, y: np.ndarray) -> None:
        write_json_atomic(self.dir / layout.CONFIG, self.config)
        write_json_atomic(self.dir / layout.SUMMARY, self._summary("running", {}))
        with atomic_open(self.dir / layout.DATA, "wb") as fh:
            np.savez(fh, X=np.asarray(X, float), y=np.asarray(y, float))
        self._metrics = open(self.dir / layout.METRICS, "a", encoding="utf-8")  # noqa: SIM115
        self._log = open(self.dir / layout.LOG, "a", encoding="utf-8")  # noqa: SIM115

    def _abandon(self) -> None:
        """A start that failed: close what opened and remove the directory it made."""
        for fh in (self._metrics, self._log):
            if fh is not None:
                with contextlib.suppress(OSError):
                    fh.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.release()

    def release(self) -> None:
        """Drop the run's lock: this recorder writes no more (idempotent; the end of
        the process drops it too)."""
        if self._lock is not None:
            self._lock.release()

    @contextlib.contextmanager
    def _writing(self, what: str) -> Iterator[None]:
        """Run a write of ``what``; an OSError marks the run failed (see module doc)."""
        if self.failed:
            raise RecordError(self.failed, self._failed_errno)
        try:
            yield
        except OSError as exc:
            self._fail(f"cannot write {what} of run {self.name}: {_why(exc)}", exc.errno)
            raise RecordError(self.failed, exc.errno) from None

    def _fail(self, reason: str, code: int | None) -> None:
        self.failed, self._failed_errno = reason, code
        for fh in (self._metrics, self._log):
            if fh is not None:
                with contextlib.suppress(OSError):
                    fh.close()
        summary = self._summary("error", {"message": reason})
        try:
            write_json_atomic(self.dir / layout.SUMMARY, summary)
        except OSError:
            try:  # a full disk has no room for a new file: reuse the old one's block
                _rewrite_in_place(self.dir / layout.SUMMARY, summary)
            except OSError:
                return  # the last good summary stays
        self.error_recorded = True

    # ------------------------------------------------------------ as the run goes
    def log(self, lines: list[str] | tuple[str, ...]) -> None:
        """Append printed lines to log.txt (also after ``close``: the CLI prints the
        predictions once the run is finished and closed); see ``flush``."""
        if not lines:
            return
        text = "".join(line + "\n" for line in lines)
        with self._writing(layout.LOG):
            if self._log.closed:
                self._append_after_close(text)
                return
            self._log.write(text)

    def _append_after_close(self, text: str) -> None:
        """Append to log.txt of a closed run, under its lock again; skipped if another
        process writes the run by now (it may have cut log.txt back)."""
        try:
            lock = RunLock.acquire(self.dir)
        except RunBusy:
            return
        try:
            with open(self.dir / layout.LOG, "a", encoding="utf-8") as fh:
                fh.write(text)
        finally:
            lock.release()

    def metrics(self, epoch: int, loss: float, soft_acc: float, acc: float, lr: float,
                wall: float, **extra: float) -> None:
        """Append one evaluated epoch to metrics.jsonl, flushed."""
        row = {
            "epoch": epoch, "loss": _finite(loss), "soft_acc": _finite(soft_acc),
            "acc": _finite(acc), "lr": lr, "wall": round(wall, 6),
        }
        row.update({k: _finite(v) for k, v in extra.items()})
        with self._writing(layout.METRICS):
            self._metrics.write(json.dumps(row) + "\n")

    def flush(self) -> None:
        """Push what ``log`` and ``metrics`` wrote to the files (the session does after
        every chunk of epochs, so a reader is never more than ~20 ms behind)."""
        for fh, what in ((self._log, layout.LOG), (self._metrics, layout.METRICS)):
            if fh is not None and not fh.closed:
                with self._writing(what):
                    fh.flush()

    def checkpoint(self, named: dict[str, np.ndarray], force: bool = False,
                   state: dict[str, Any] | None = None) -> bool:
        """Save weights.npz (with ``state``, a ``Trainer.state()``, as a checkpoint) if
        forced or ``checkpoint_seconds`` passed; True if saved."""
        now = time.monotonic()
        if not force and now - self._last_checkpoint < self.checkpoint_seconds:
            return False
        self._last_checkpoint = now
        with self._writing(layout.WEIGHTS):
            extra = None
            if state is not None:
                extra = checkpoint_members(state, self._size(self._metrics, layout.METRICS),
                                           self._size(self._log, layout.LOG))
            save_weights(self.dir / layout.WEIGHTS, named, self.config, extra)
        return True

    def _size(self, fh, name: str) -> int:
        """Bytes written to an append-only file so far."""
        if fh is not None and not fh.closed:
            fh.flush()
            return fh.tell()
        return (self.dir / name).stat().st_size

    @classmethod
    def resume(cls, run_dir: Path, config: dict[str, Any], metrics_bytes: int,
               log_bytes: int, checkpoint_seconds: float = CHECKPOINT_SECONDS,
               lock: RunLock | None = None) -> RunRecorder:
        """Reopen a recorded run to continue it: temp files a killed writer left are
        removed, metrics.jsonl and log.txt cut back to their checkpointed lengths (rows
        a killed run wrote later are dropped, never duplicated), config.json replaced by
        ``config``, the summary "running" again. ``lock`` is the run's lock, held by the
        caller (taken here if None: ``RunBusy`` if another process writes the run)."""
        self = cls.__new__(cls)
        self._lock = lock if lock is not None else RunLock.acquire(run_dir)
        self.dir, self.name = Path(run_dir), Path(run_dir).name
        self.started = time.time()
        self.checkpoint_seconds, self._last_checkpoint = checkpoint_seconds, time.monotonic()
        self.failed, self._failed_errno, self.error_recorded = None, None, False
        self.config = {**config, "name": self.name}
        self._metrics = self._log = None
        clean_temp_files(self.dir)
        with self._writing("the run's files"):
            for name, size in ((layout.METRICS, metrics_bytes), (layout.LOG, log_bytes)):
                with open(self.dir / name, "r+b") as fh:
                    fh.truncate(size)
            write_json_atomic(self.dir / layout.CONFIG, self.config)
            self._metrics = open(self.dir / layout.METRICS, "a", encoding="utf-8")  # noqa: SIM115
            self._log = open(self.dir / layout.LOG, "a", encoding="utf-8")  # noqa: SIM115
        self.write_summary(RunState.RUNNING)
        return self

    def add_to_config(self, **fields: Any) -> None:
        """Record ``fields`` in config.json too (a sweep member: the sweep's name)."""
        self.config.update(fields)
        write_json_atomic(self.dir / layout.CONFIG, self.config)

    def write_summary(self, status: RunState, **fields: Any) -> None:
        """Replace summary.json with the status and any final figures (after a failed
        write it keeps saying "error": RecordError)."""
        summary = self._summary(status, fields)
        with self._writing(layout.SUMMARY):
            write_json_atomic(self.dir / layout.SUMMARY, summary)

    def _summary(self, status: RunState, fields: dict[str, Any]) -> dict[str, Any]:
        summary = {"status": RunState(status).value, "name": self.name,
                   "started": self.config.get("created", ""),
                   "updated": _now_iso(), "pid": os.getpid()}
        summary.update({k: _finite(v) if isinstance(v, float) else v for k, v in fields.items()})
        return summary

    def close(self) -> None:
        """Close the append-only files and drop the run's lock (idempotent; a failed
        flush marks the run)."""
        try:
            for fh, what in ((self._metrics, layout.METRICS), (self._log, layout.LOG)):
                if fh is not None and not fh.closed:
                    with self._writing(what):
                        fh.close()
        finally:
            self.release()


def _why(exc: OSError) -> str:
    """The one-line reason of an OSError ("No space left on device")."""
    if exc.strerror:
        return exc.strerror
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def _new_run_dir(root: Path, base: str) -> Path:
    """A new directory named ``base`` (or ``base-2``, ``base-3``…) under ``root``, made
    with ``root`` if need be; RecordError saying which could not be made."""
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RecordError(f"cannot create the runs directory {root}: {_why(exc)}",
                          exc.errno) from None
    try:
        return _unique_dir(root, base)
    except OSError as exc:
        raise RecordError(f"cannot make a run directory under {root}: {_why(exc)}",
                          exc.errno) from None


def _unique_dir(root: Path, base: str) -> Path:
    for i in range(1000):
        candidate = root / (base if i == 0 else f"{base}-{i + 1}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise OSError(f"cannot make a new run directory under {root}")
