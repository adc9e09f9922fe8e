"""Replace a file in one rename, so a reader (or a crash) never sees half of it.

The temporary file is ``.<name>-XXXXXXXX`` beside the target, synced before the rename;
it gets the permissions any new file gets (0o666 less the umask), not mkstemp's 0600, so
a runs directory shared with others (NFS) stays readable to them. A crash can leave a
temporary file behind; ``is_temp_of`` recognises one (``writer.clean_temp_files``
removes them).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["FILE_MODE", "atomic_open", "is_temp_of", "process_umask"]


def process_umask() -> int:
    """The process's umask, read without changing it where Linux tells it
    (/proc/self/status), else by setting it and back (at import, before any thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


FILE_MODE = 0o666 & ~process_umask()
"""Mode of every file written here: what ``open()`` would give a new file."""


def _prefix(name: str) -> str:
    return f".{name}-"


def is_temp_of(entry: str, name: str) -> bool:
    """True if ``entry`` is a temporary file ``atomic_open`` makes for a file ``name``."""
    prefix = _prefix(name)
    return entry.startswith(prefix) and re.fullmatch(r"[a-z0-9_]{6,16}",
                                                     entry[len(prefix):]) is not None


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w") -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success it is flushed, synced and
    renamed over ``path``; on any error it is removed and ``path`` is left as it was.

    A symbolic link at ``path`` is replaced, never written through.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=_prefix(path.name), dir=path.parent)
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            os.fchmod(fh.fileno(), FILE_MODE)
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
