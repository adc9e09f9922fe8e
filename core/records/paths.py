"""Path safety for operations on runs: which directory a run name may mean, and where
an export may write.

A run that is renamed or deleted must be a real directory (not a symbolic link) directly
under the runs root, named without separators, "." or "..". An export never writes under
the runs root or into anything that looks like a run directory, so it cannot overwrite a
run's own records.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from core.records import layout
from core.records.reader import printable

__all__ = ["RunsError", "check_export_target", "check_writable_run", "count_entries",
           "entry_problem", "looks_like_run", "run_dir"]


class RunsError(ValueError):
    """A refused runs operation (rename, delete, lookup, export); the message is one line."""


def _shown(name: str) -> str:
    return repr(printable(name, 80))


def run_dir(root: str | Path, name: str) -> Path:
    """The directory of run ``name``: a real directory directly under ``root``.

    RunsError for an empty name, a name with a separator, ".", "..", a hidden name
    (".sweeps"), a symbolic link, or anything that is not a directory.
    """
    if not isinstance(name, str) or not name.strip():
        raise RunsError("no run name given (the name is empty)")
    if (name in (".", "..") or name.startswith(".")
            or "/" in name or "\0" in name or (os.altsep and os.altsep in name)):
        raise RunsError(f"not a run name: {_shown(str(name))} (a run is a folder directly "
                        "under the runs root)")
    path = Path(root) / name
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise RunsError(f"no run named {_shown(name)}") from None
    except OSError as exc:
        raise RunsError(f"run {_shown(name)} cannot be read ({exc.strerror})") from None
    if stat.S_ISLNK(st.st_mode):
        raise RunsError(f"{_shown(name)} is a symbolic link, not a run directory; "
                        "remove or rename the link itself")
    if not stat.S_ISDIR(st.st_mode):
        raise RunsError(f"no run named {_shown(name)} (it is not a directory)")
    return path


def check_writable_run(root: str | Path, path: str | Path) -> Path:
    """``path`` if a writer (resume, rename, delete, export, figures) may use it as a run
    directory: a real directory, not a symbolic link, directly under ``root`` once both
    are resolved. RunsError (one line) otherwise; reads only."""
    path = Path(path)
    shown = printable(str(path), 120)
    problem = entry_problem(path)
    if problem:
        raise RunsError(f"{shown} is {problem}; bp-tui writes only real run directories "
                        "under the runs root")
    real, home = Path(os.path.realpath(path)), Path(os.path.realpath(root))
    if real.parent != home:
        raise RunsError(f"{shown} is not a run directory under the runs root "
                        f"({printable(str(root), 120)}); give --runs-dir its folder")
    return path


def entry_problem(path: str | Path) -> str | None:
    """Why an entry of the runs root is no run directory ("a symbolic link loop", "a
    dangling symbolic link", "a symbolic link to a character device", "a regular file,
    not a directory"…), or None for a real directory. Never raises; links not followed
    further than one ``stat``."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return "missing"
    except (OSError, ValueError) as exc:
        return f"unreadable ({getattr(exc, 'strerror', None) or type(exc).__name__})"
    if stat.S_ISDIR(st.st_mode):
        return None
    if not stat.S_ISLNK(st.st_mode):
        return f"{_kind(st.st_mode)}, not a directory"
    try:
        target = os.stat(path)
    except FileNotFoundError:
        return "a dangling symbolic link, not followed"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop, not followed"
        return f"a symbolic link that cannot be followed ({exc.strerror})"
    return f"a symbolic link to {_kind(target.st_mode)}, not followed"


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISREG, "a regular file"),
          (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def count_entries(root: str | Path, most: int) -> int:
    """How many entries ``root`` lists as runs, counting no further than ``most``
    (cheap: names only)."""
    n = 0
    try:
        with os.scandir(root) as it:
            for entry in it:
                n += not entry.name.startswith(".")
                if n >= most:
                    break
    except OSError:
        pass
    return n


def looks_like_run(folder: Path) -> bool:
    """True if ``folder`` holds a run's config.json, summary.json and metrics.jsonl."""
    return all(os.path.lexists(folder / f) for f in (layout.CONFIG, layout.SUMMARY,
                                                       layout.METRICS))


def check_export_target(target: str | Path, root: str | Path,
                        runs: Iterable[str | Path] = ()) -> None:
    """RunsError unless writing ``target`` (a file or a folder to fill) stays out of the
    runs root, the exported ``runs`` and any folder that looks like a run directory.

    Symbolic links on the way are followed, so a link into a run is refused too.
    """
    real = Path(os.path.realpath(target))
    guarded = [Path(os.path.realpath(root)), *(Path(os.path.realpath(r)) for r in runs)]
    for folder in guarded:
        if real == folder or folder in real.parents:
            where = "the runs directory" if folder == guarded[0] else "a run's directory"
            raise RunsError(f"{printable(str(target), 120)} is inside {where} "
                            f"({printable(str(folder), 120)}); export somewhere else")
    for folder in [real, *real.parents]:
        if folder.is_dir() and looks_like_run(folder):
            raise RunsError(f"{printable(str(target), 120)} is inside the run directory "
                            f"{printable(str(folder), 120)}; export somewhere else")
