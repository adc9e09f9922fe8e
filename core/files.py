"""Reading files that may be hostile: regular files only, under a size limit; JSON
that holds only what JSON means (no NaN, no Infinity, no giant integers, bounded depth);
text from files made safe to show (``printable``).

A FIFO, a device, a directory or (unless asked to follow) a symbolic link is refused
before anything is read, so nothing blocks and nothing reads without bound. Every refusal
is ``FileRefused``, a ``ValueError`` whose message is one line without the path (callers
prefix the file's name, or the flag that named it).
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import stat
import unicodedata
from pathlib import Path
from typing import IO, Any

__all__ = [
    "MAX_JSON_INT",
    "FileRefused",
    "cell_len",
    "open_regular",
    "parse_json",
    "printable",
    "read_bounded",
    "streams_to",
]

MAX_JSON_INT = 2**63
"""Integers in JSON records must lie in (−2⁶³, 2⁶³): a pid, a seed, an epoch count."""
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class FileRefused(ValueError):
    """A file that is not read: missing, not a regular file, too large, unreadable."""


def _size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} bytes"  # pragma: no cover


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def open_regular(path: str | Path, limit: int, follow: bool = False) -> IO[bytes]:
    """Open ``path`` for binary reading if it is a regular file of at most ``limit`` bytes.

    ``follow=False`` refuses a symbolic link (O_NOFOLLOW); the open never blocks
    (O_NONBLOCK: a FIFO is seen by ``fstat`` and refused, not waited on).
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise FileRefused("is missing") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow:
            raise FileRefused("is a symbolic link, which is not followed") from None
        raise FileRefused(f"cannot be read ({exc.strerror})") from None
    except ValueError:  # a NUL byte in the path
        raise FileRefused("has an impossible name") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileRefused(f"is {_kind(st.st_mode)}, not a regular file")
        if st.st_size > limit:
            raise FileRefused(f"is {_size(st.st_size)}, over the limit of {_size(limit)}")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bounded(path: str | Path, limit: int, follow: bool = False) -> bytes:
    """The whole content of a regular file of at most ``limit`` bytes (see open_regular)."""
    with open_regular(path, limit, follow) as fh:
        try:
            data = fh.read(limit + 1)
        except OSError as exc:
            raise FileRefused(f"cannot be read ({exc.strerror})") from None
    if len(data) > limit:  # it grew since fstat
        raise FileRefused(f"is over the limit of {_size(limit)}")
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"holds {name}, which JSON does not allow")


def _int(text: str) -> int:
    if len(text.lstrip("-")) > 19 or abs(value := int(text)) >= MAX_JSON_INT:
        raise ValueError(f"holds an integer too large ({len(text.lstrip('-'))} digits)")
    return value


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("holds a number too large for a float")
    return value


_STRICT = json.JSONDecoder(parse_constant=_no_constant, parse_int=_int, parse_float=_float)
_LENIENT = json.JSONDecoder(parse_constant=_no_constant)
"""Built once: ``json.loads`` with hooks builds a decoder per call (2x slower per line)."""


def parse_json(data: bytes | str, strict_numbers: bool = True) -> Any:
    """Strict JSON: UTF-8, finite floats, integers below 2⁶³, nesting the parser can take.

    Raises ValueError with a one-line reason (never RecursionError or OverflowError).
    ``strict_numbers=False`` (faster, for many small lines) refuses only NaN and
    Infinity: the caller bounds the numbers (1e400 then reads as inf, and integers up
    to Python's 4300-digit limit pass).
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return (_STRICT if strict_numbers else _LENIENT).decode(text)
    except (UnicodeDecodeError, json.JSONDecodeError):  # binary junk, truncation
        raise ValueError("is not readable JSON") from None
    except RecursionError:
        raise ValueError("is nested too deeply") from None
    except ValueError as exc:  # ours ("holds NaN…"), or int()'s 4300-digit limit
        reason = str(exc)
        raise ValueError(reason if reason.startswith("holds ") else
                         "holds an integer too large") from None


def printable(text: Any, limit: int | None = None) -> str:
    """``text`` safe to show: control and other unprintable characters (escape codes,
    newlines, lone surrogates) written as escapes (``\\x1b``), cut to ``limit`` with "…"."""
    if not isinstance(text, str):
        try:
            text = str(text)
        except ValueError:  # an int beyond Python's 4300-digit conversion limit
            text = "(too long to show)"
    cut = limit is not None and len(text) > limit
    if cut:
        text = text[: max(limit - 1, 0)]
    if not text.isprintable():
        text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                       for c in text)
        if limit is not None and len(text) > limit:
            text, cut = text[: max(limit - 1, 0)], True
    return text + "…" if cut else text


def cell_len(text: str) -> int:
    """How many terminal cells ``text`` takes: 2 for each East Asian wide or fullwidth
    character (CJK, most emoji), 0 for combining marks, zero-width joiners and other
    format characters, 1 for the rest (wcwidth's rule, by ``unicodedata``)."""
    if text.isascii():
        return len(text)
    cells = 0
    for ch in text:
        if ch.isascii():
            cells += 1
        elif unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        else:
            cells += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return cells


def streams_to(log: Path | None = None, fds: tuple[int, ...] = (0, 1, 2)) -> None:
    """Point ``fds`` away from the terminal: stdin at /dev/null, stdout and stderr
    appended to ``log`` (or /dev/null). Never raises: it runs in signal handlers and on
    the way out, where the terminal may already be gone."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_RDWR)
        out = devnull
        if log is not None:
            with contextlib.suppress(OSError):
                out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
        for fd in fds:
            with contextlib.suppress(OSError):
                os.dup2(devnull if fd == 0 else out, fd)
        for fd in {devnull, out}:
            os.close(fd)
