"""Reading ``.npz`` archives that may be hostile: only the members asked for, each
``.npy`` header checked (numeric dtype, number of dimensions, size) before anything is
allocated, object (pickled) members refused, never ``np.load``.

    with open_npz(path, follow=False) as archive:       # NpzError if not a readable zip
        W1 = archive.read("W1", ndim=2)                 # float64, or NpzError naming W1

A member header claiming more numbers than the archive's budget (``MAX_NPZ_ELEMENTS``
over all members read) is refused from its header alone, so a 300-byte member that
claims (10⁷, 10⁷) costs nothing, and unused members are never decompressed.
"""

from __future__ import annotations

import contextlib
import lzma
import math
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from numpy.lib import format as npy_format

from core.files import FileRefused, open_regular
from core.records import layout

__all__ = ["NpzArchive", "NpzError", "open_npz"]

MAX_MEMBERS = 4096
"""An archive listing more members than this is refused (a real one has under 20)."""
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError,
               NotImplementedError, RuntimeError, EOFError, OSError, struct.error,
               ValueError, KeyError, OverflowError)
"""What zipfile may raise on a damaged archive or member (RuntimeError: encrypted,
NotImplementedError: an unknown compression method, OSError: a bad bz2 stream)."""


class NpzError(ValueError):
    """An archive or a member that cannot be used; one line, without the file's path."""

    def __init__(self, reason: str, missing: bool = False) -> None:
        super().__init__(reason)
        self.missing = missing


class NpzArchive:
    """The members of an open archive, read one at a time under a shared budget."""

    def __init__(self, zf: zipfile.ZipFile, budget: int) -> None:
        self._zf = zf
        self.budget = self.limit = budget
        self.members: dict[str, zipfile.ZipInfo] = {}
        for info in zf.infolist():
            name = info.filename
            key = name[:-4] if name.endswith(".npy") else name
            if key not in self.members or name.endswith(".npy"):
                self.members[key] = info

    def read(self, name: str, kinds: str = "fiu", ndim: int | None = None,
             max_bytes: int | None = None) -> np.ndarray:
        """Member ``name`` (without ".npy") as float64 (or as stored for kind "U").

        Refused (NpzError naming the member): missing, not an .npy file, an object,
        structured or non-``kinds`` dtype, not ``ndim``-dimensional, over the budget or
        ``max_bytes``, truncated.
        """
        max_bytes = 8 * layout.MAX_NPZ_ELEMENTS if max_bytes is None else max_bytes
        info = self.members.get(name)
        if info is None:
            raise NpzError(f"has no member {name}", missing=True)
        try:
            with self._zf.open(info) as fh:
                shape, fortran, dtype = _header(fh, name)
                _check(name, shape, dtype, kinds, ndim)
                data = fh.read(self._claim(name, shape, dtype, max_bytes))
        except NpzError:
            raise
        except _ZIP_ERRORS as exc:
            raise NpzError(f"member {name} is not readable ({_why(exc)})") from None
        return _array(name, data, shape, fortran, dtype)

    def _claim(self, name: str, shape: tuple[int, ...], dtype: np.dtype,
               max_bytes: int) -> int:
        """The bytes member ``name`` of ``shape`` and ``dtype`` takes, taken from the
        file's budget of numbers; NpzError if over the budget or over ``max_bytes``."""
        count = math.prod(shape)
        if count > self.budget:
            raise NpzError(f"member {name} claims shape {shape}, over the limit "
                           f"of {self.limit:,} numbers per file")
        nbytes = count * dtype.itemsize
        if nbytes > max_bytes:
            raise NpzError(f"member {name} claims {nbytes:,} bytes, over the limit "
                           f"of {max_bytes:,}")
        self.budget -= count
        return nbytes


def _array(name: str, data: bytes, shape: tuple[int, ...], fortran: bool,
           dtype: np.dtype) -> np.ndarray:
    """The member's bytes as an array of ``shape``: float64, or as stored for kind "U";
    NpzError if they are fewer than the shape needs (truncated)."""
    count = math.prod(shape)
    if len(data) < count * dtype.itemsize:
        raise NpzError(f"member {name} is truncated")
    arr = np.frombuffer(data, dtype=dtype, count=count)
    arr = arr.reshape(shape, order="F" if fortran else "C")
    return arr.copy() if dtype.kind == "U" else arr.astype(np.float64)


def _why(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:80]}" if text else type(exc).__name__


def _header(fh, name: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    try:
        version = npy_format.read_magic(fh)
    except ValueError:
        raise NpzError(f"member {name} is not an .npy array") from None
    readers = {(1, 0): npy_format.read_array_header_1_0,
               (2, 0): npy_format.read_array_header_2_0}
    if version not in readers:
        raise NpzError(f"member {name} has .npy format version {version[0]}.{version[1]}, "
                       "which is not read (1.0 and 2.0 are)")
    try:
        return readers[version](fh)
    except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
        raise NpzError(f"member {name} has a damaged .npy header") from None


def _check(name: str, shape: tuple, dtype: np.dtype, kinds: str, ndim: int | None) -> None:
    if dtype.hasobject:
        raise NpzError(f"member {name} holds pickled objects, which are refused")
    if dtype.fields is not None or dtype.subdtype is not None or dtype.kind not in kinds:
        what = "numeric" if kinds == "fiu" else "text"
        raise NpzError(f"member {name} is not {what} (dtype {dtype.str})")
    if ndim is not None and len(shape) != ndim:
        want = {0: "a single value", 1: "1-D", 2: "2-D"}.get(ndim, f"{ndim}-D")
        raise NpzError(f"member {name} has shape {tuple(shape)}; it must be {want}")


@contextlib.contextmanager
def open_npz(path: str | Path, follow: bool = False,
             budget: int | None = None) -> Iterator[NpzArchive]:
    """Open ``path`` (a regular file under ``MAX_NPZ_BYTES``) as a zip of .npy members,
    to read at most ``budget`` numbers (``MAX_NPZ_ELEMENTS``) from it."""
    budget = layout.MAX_NPZ_ELEMENTS if budget is None else budget
    try:
        fh = open_regular(path, layout.MAX_NPZ_BYTES, follow)
    except FileRefused as exc:
        raise NpzError(str(exc), missing=str(exc) == "is missing") from None
    with fh:
        try:
            magic = fh.read(4)
            fh.seek(0)
        except OSError as exc:
            raise NpzError(f"cannot be read ({exc.strerror})") from None
        if magic[:2] != b"PK":  # a bare .npy, a pickle, anything else
            raise NpzError("is not a .npz file (a zip archive of .npy arrays)")
        try:
            zf = zipfile.ZipFile(fh)
        except _ZIP_ERRORS as exc:
            raise NpzError(f"is not a readable .npz file, truncated or another format "
                           f"({_why(exc)})") from None
        with zf:
            if len(zf.infolist()) > MAX_MEMBERS:
                raise NpzError(f"lists {len(zf.infolist()):,} members, over {MAX_MEMBERS}")
            yield NpzArchive(zf, budget)
