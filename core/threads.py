"""OS-level names for bp-tui's threads, so `top -H`, /proc/PID/task/*/comm and the
benchmarks can tell the trainer, the analyst and the UI apart (Python before 3.14 names
threads for itself only). Linux only; elsewhere a no-op."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading

__all__ = ["name_os_thread"]

_PR_SET_NAME = 15
_libc = None


def name_os_thread(name: str | None = None) -> None:
    """Give the calling thread ``name`` (default: its Python name), cut to the 15 bytes
    the kernel keeps."""
    global _libc
    if not sys.platform.startswith("linux"):
        return
    try:
        if _libc is None:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        raw = (name or threading.current_thread().name).encode("utf-8", "replace")[:15]
        _libc.prctl(_PR_SET_NAME, ctypes.c_char_p(raw), 0, 0, 0)
    except (OSError, AttributeError):
        pass
