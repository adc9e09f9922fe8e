"""The recorded runs as a table: listing (cheaply re-polled), liveness, rename, delete, diff.

``RunsIndex.refresh()`` re-reads only the run directories whose files changed (by
mtime and size), so a screen may call it a few times a second over hundreds of runs. A
run whose summary says "running" but whose process is gone shows as "dead"
(``core.records.liveness`` has the rule); a damaged
directory shows as "damaged" with the reason and never hides the others.
No Textual here: the CLI, the sweep table and the runs screen share it.
"""

from __future__ import annotations

import os
import shutil
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.config import ConfigError, parse_field
from core.records import layout
from core.records.liveness import liveness
from core.records.lock import writer_pid
from core.records.paths import RunsError, entry_problem, run_dir
from core.records.reader import (
    as_float,
    as_int,
    last_metrics,
    printable,
    read_json,
    read_run,
)
from core.records.writer import clean_temp_files, write_json_atomic
from core.state import RunState

__all__ = [
    "BOOKKEEPING",
    "RunRow",
    "RunsError",
    "RunsIndex",
    "config_diff",
    "delete_run",
    "list_runs",
    "newest_live_run",
    "read_row",
    "rename_run",
    "resolve_run",
]

BOOKKEEPING = ("name", "created", "version")
"""config.json keys that are not settings (left out of a config diff)."""
STARTING_SECONDS = 3.0  # a brand-new directory may lack its files this long
BATCH_SECONDS = 2.0  # a long first read publishes what it has read this often


@dataclass
class RunRow:
    """One line of the runs table. Numbers are None when unknown."""

    name: str
    path: Path
    status: RunState = RunState.UNKNOWN
    data: str = ""
    hidden: str = ""
    activation: str = ""
    optimizer: str = ""
    lr: float | None = None
    epoch: int | None = None
    epochs: int | None = None
    loss: float | None = None
    soft_acc: float | None = None
    acc: float | None = None
    duration: float | None = None
    created: str = ""
    sweep: str = ""
    damaged: str | None = None
    message: str = ""
    """summary.json's message (why a run ended in "error"), printable."""
    attachable: bool = False
    """Live and serving its control socket: ``bp-tui attach`` gives full control
    (``core.records.liveness``)."""
    config: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def alive(self) -> bool:
        """True while the run's process is training it."""
        return self.status == RunState.RUNNING


def read_row(path: str | Path) -> RunRow:
    """Read one run directory into a table row, never raising. Text in the row is
    ``printable``; numbers are finite or None."""
    path = Path(path)
    try:
        return _read_row(path)
    except Exception as exc:  # a last guard: the hypothesis suite checks it never fires
        row = RunRow(path.name, path, status=RunState.DAMAGED)
        row.damaged = f"unreadable ({type(exc).__name__})"
        return row


def _damaged(path: Path, reason: str, config: dict[str, Any]) -> RunRow:
    row = RunRow(path.name, path, config=config, damaged=reason)
    try:
        young = time.time() - path.stat().st_mtime < STARTING_SECONDS
    except OSError:
        young = False
    row.status = (RunState.STARTING if young and path.is_dir() and not path.is_symlink()
                  else RunState.DAMAGED)
    return row


def _read_row(path: Path) -> RunRow:
    problem = entry_problem(path)
    if problem:
        return _damaged(path, problem, {})
    info = read_run(path)
    if info.damaged:
        return _damaged(path, info.damaged, info.config)
    row = RunRow(info.path.name, info.path, config=info.config)
    c, s = info.config, info.summary
    _fill_from_files(row, c, s)
    live = liveness(info.path, s)
    row.status, row.attachable = live.status, live.attachable
    if RunState.parse(info.status) == RunState.RUNNING:
        last = last_metrics(info.path)
        if last is not None:
            row.epoch = last["epoch"]
            row.loss = last.get("loss")
            row.soft_acc = last.get("soft_acc")
            row.acc = last.get("acc")
            row.duration = last.get("wall")
            row.lr = last.get("lr") or row.lr
    return row


def _fill_from_files(row: RunRow, c: dict, s: dict) -> None:
    """Set the row's settings and figures from config.json ``c`` and summary.json ``s``
    (text made printable and bounded, numbers coerced)."""
    row.data = printable(c.get("data", ""), 32)
    row.hidden = printable(",".join(str(h) for h in c.get("hidden", [])), 120)
    row.activation = printable(c.get("activation", ""), 32)
    row.optimizer = printable(c.get("optimizer", ""), 32)
    row.lr = as_float(s.get("lr", c.get("lr")))
    row.epochs = as_int(c.get("epochs"), 0)
    row.epoch = as_int(s.get("epoch"), 0)
    row.loss, row.soft_acc, row.acc = (as_float(s.get(k)) for k in ("loss", "soft_acc", "acc"))
    row.duration = as_float(s.get("duration"))
    row.created = printable(c.get("created", s.get("started", "")), 40)
    row.sweep = printable(c.get("sweep", "") or "", 80)
    row.message = printable(s.get("message", "") or "", 200)


def _run_dirs(root: Path) -> list[os.DirEntry]:
    """Every entry of ``root`` but the hidden ones (".sweeps"): run directories, and
    anything else (links, loops, files, devices) to list as damaged. [] if ``root``
    cannot be read; an entry is never stat-ed here (a loop cannot raise)."""
    entries = []
    try:
        with os.scandir(root) as it:
            for entry in it:
                if not entry.name.startswith("."):
                    entries.append(entry)
    except OSError:
        pass  # the entries read so far are listed
    return entries


def _newest(stamp: tuple) -> int:
    """The newest file time in a ``_stamp`` (0 if none): the order runs are read in."""
    return max((part[-2] for part in stamp if part is not None), default=0)


def _stamp(path: str) -> tuple:
    try:
        st = os.lstat(path)
    except OSError:
        return (None,)
    if not stat.S_ISDIR(st.st_mode):  # a link or a file: its own change is what counts
        return ((st.st_mode, st.st_mtime_ns, st.st_size),)
    out = []
    for name in (layout.CONFIG, layout.SUMMARY, layout.METRICS):
        try:
            st = os.lstat(os.path.join(path, name))
            out.append((st.st_mtime_ns, st.st_size))
        except OSError:
            out.append(None)
    return tuple(out)


class RunsIndex:
    """Every run under ``root``, re-read incrementally. Call ``refresh`` to poll (from
    any one thread at a time: a lock keeps two refreshes from interleaving)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._cache: dict[str, tuple[tuple, RunRow]] = {}
        self.rows: list[RunRow] = []
        self.version = 0
        self._lock = threading.Lock()

    def refresh(self, on_batch: Callable[[], None] | None = None, first: int = 100,
                every: float = BATCH_SECONDS) -> bool:
        """Re-read changed runs; True if anything shown changed since the last call.

        Runs are read newest first (by their files' times). With ``on_batch``, the rows
        read so far (and the others as last read) are published in ``rows`` after the
        first ``first`` reads, then after ``every`` seconds of reading, twice that, and
        so on, and ``on_batch`` is called: a screen shows its first page at once and the
        rest as it comes (a few times, not per run: each showing costs a redraw).
        """
        with self._lock:
            return self._refresh(on_batch, first, every)

    def _refresh(self, on_batch: Callable[[], None] | None, first: int, every: float
                 ) -> bool:
        changed = False
        seen: dict[str, tuple[tuple, RunRow]] = {}
        stamped = sorted(((_stamp(e.path), e) for e in _run_dirs(self.root)),
                         key=lambda se: _newest(se[0]), reverse=True)
        reads, due = 0, None
        for stamp, entry in stamped:
            cached = self._cache.get(entry.name)
            if cached is not None and cached[0] == stamp and cached[1].status not in (
                RunState.RUNNING, RunState.STARTING
            ):
                seen[entry.name] = cached
                continue
            row = read_row(entry.path)
            reads += 1
            if cached is None or cached[0] != stamp or cached[1].status != row.status:
                changed = True
            seen[entry.name] = (stamp, row)
            if on_batch is not None and reads >= first and (
                    due is None or time.monotonic() >= due):
                due, every = time.monotonic() + every, every * 2
                self._publish({**{n: c for n, c in self._cache.items()
                                  if n not in seen}, **seen})
                on_batch()
        if set(seen) != set(self._cache):
            changed = True
        if changed or (not self.rows and seen):
            self._publish(seen)
        self._cache = seen
        return changed

    def _publish(self, rows: dict[str, tuple[tuple, RunRow]]) -> None:
        self.rows = sorted((r for _, r in rows.values()), key=lambda r: r.name)
        self.version += 1

    def get(self, name: str) -> RunRow | None:
        """The row of run ``name`` (as of the last refresh), or None."""
        hit = self._cache.get(name)
        return hit[1] if hit else None


def list_runs(root: str | Path) -> list[RunRow]:
    """All runs under ``root``, sorted by name (a one-shot ``RunsIndex``)."""
    index = RunsIndex(root)
    index.refresh()
    return index.rows


def newest_live_run(root: str | Path) -> Path:
    """The newest run under ``root`` whose process is training it; RunsError if none."""
    rows = [r for r in list_runs(root) if r.status == RunState.RUNNING]
    if not rows:
        raise RunsError(f"no live run under {root}; give a run's name to open it")
    return max(rows, key=lambda r: (r.created, r.name)).path


def resolve_run(root: str | Path, name: str | None) -> Path:
    """The directory of run ``name`` (any entry of that name under root, or a path to a
    run directory); None = the newest run. Writers check it with
    ``core.records.paths.check_writable_run``."""
    root = Path(root)
    if name is None:
        dirs = [e for e in _run_dirs(root) if e.is_dir(follow_symlinks=False)]
        if not dirs:
            raise RunsError(f"no runs recorded under {printable(str(root), 120)}")
        newest = max(dirs, key=lambda e: _created_key(Path(e.path)))
        return Path(newest.path)
    if name and "\0" not in name:
        if "/" not in name and not name.startswith(".") and os.path.lexists(root / name):
            return root / name  # whatever it is: the caller's reader says what is wrong
        candidate = Path(name)
        if candidate.is_dir() and os.path.lexists(candidate / layout.CONFIG):
            return candidate
    raise RunsError(f"no run {printable(name, 80)!r} under {printable(str(root), 120)} "
                    "(give a run name or a run directory)")


def _created_key(path: Path) -> float:
    try:
        return os.lstat(path / layout.CONFIG).st_mtime
    except OSError:
        try:
            return path.stat().st_mtime
        except OSError:
            return 0.0


def _refuse_running(path: Path, name: str, what: str) -> None:
    if read_row(path).status in (RunState.RUNNING, RunState.STARTING):
        raise RunsError(f"{printable(name, 80)} is still running; {what}")
    pid = writer_pid(path)
    if pid is not None:
        who = f" (pid {pid})" if pid else ""
        raise RunsError(f"{printable(name, 80)} is being written by another bp-tui "
                        f"process{who}; {what}")


def rename_run(root: str | Path, old: str, new: str) -> Path:
    """Rename run ``old`` to ``new`` (validated, unused); a running run, a symbolic link
    or anything but a directory directly under ``root`` is refused. The run's leftover
    temporary files are removed and its config/summary say the new name."""
    if not isinstance(new, str) or not new.strip():
        raise RunsError("name: the new name is empty; type a name for the run")
    try:
        new = parse_field("name", new)
    except ConfigError as exc:
        raise RunsError(f"name: {exc.reason}") from None
    if not isinstance(new, str):
        raise RunsError("name: the new name is empty; type a name for the run")
    src = run_dir(root, old)
    if new == old:
        return src
    dst = Path(root) / new
    if os.path.lexists(dst):
        raise RunsError(f"a run named {new!r} already exists")
    _refuse_running(src, old, "rename it when it has ended")
    try:
        os.rename(src, dst)
    except OSError as exc:
        raise RunsError(f"cannot rename {printable(old, 80)}: {exc.strerror}") from None
    clean_temp_files(dst)
    for fname in (layout.CONFIG, layout.SUMMARY):
        try:
            obj = read_json(dst / fname)
            obj["name"] = new
            write_json_atomic(dst / fname, obj)
        except (OSError, ValueError):
            continue  # a damaged file stays as it was
    return dst


def delete_run(root: str | Path, name: str) -> None:
    """Delete run ``name`` and all its files; a running run, a symbolic link or anything
    but a directory directly under ``root`` is refused."""
    path = run_dir(root, name)
    _refuse_running(path, name, "stop it first")
    try:
        shutil.rmtree(path)
    except OSError as exc:
        raise RunsError(f"cannot delete all of {printable(name, 80)}: {exc.strerror}") from None


def _flat(config: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in config.items():
        if key in BOOKKEEPING:
            continue
        if isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


def config_diff(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """Settings that differ between two config.json dicts: (key, a's value, b's value).

    A key missing on one side reads as None there. Bookkeeping keys (name, created,
    version) are left out; nested dicts (``extra``) compare key by key.
    """
    fa, fb = _flat(a), _flat(b)
    keys = list(fa) + [k for k in fb if k not in fa]
    return [(k, fa.get(k), fb.get(k)) for k in keys if fa.get(k) != fb.get(k)]
