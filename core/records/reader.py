"""The one reader of run directories: every screen and command reads runs through here.

Reading is total. ``read_run`` never raises: whatever a run's files hold (wrong JSON
types, NaN, giant numbers, deep nesting, binary junk, a FIFO, a device, a symbolic link,
a file over its limit in ``core.records.layout``), it returns a ``RunInfo`` whose
``damaged`` is one line naming the file and the problem. Files are opened only if they
are regular files (``core.files``), symbolic links are not followed. The append-only
files are read tolerantly (a torn, foreign or bad line is skipped); ``TailReader``
follows a growing file from an offset, for live runs. Numbers from the files go through
``as_float`` / ``as_int`` (finite floats, bounded ints, or None) and text through
``printable``, so nothing read can fail later or reach a terminal as control codes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.config import ConfigError, RunConfig
from core.files import FileRefused, open_regular, parse_json, printable, read_bounded
from core.records import layout
from core.records.npz import NpzError, open_npz
from core.records.weights import WeightsError, load_weights

__all__ = [
    "METRIC_KEYS",
    "RunInfo",
    "TailReader",
    "as_float",
    "as_int",
    "has_metrics",
    "last_metrics",
    "parse_metrics_line",
    "printable",
    "read_data",
    "read_json",
    "read_metrics",
    "read_run",
    "read_weights",
    "read_weights_or_raise",
]

METRIC_KEYS = ("loss", "soft_acc", "acc", "lr", "wall")
"""metrics.jsonl keys that must be numbers (or null) for a line to count."""
INT_MAX = 2**63 - 1
REASON_MAX = 240
_NO_LIMIT = 2**62  # append-only files are read in bounded pieces, whatever their size


def as_float(value: Any) -> float | None:
    """A JSON number as a finite float; None for anything else (bools, NaN, 10⁴⁰⁰…)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def as_int(value: Any, lo: int = -INT_MAX, hi: int = INT_MAX) -> int | None:
    """A JSON integer from ``lo`` to ``hi``; None for anything else (bools included)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if lo <= value <= hi else None


@dataclass
class RunInfo:
    """What a run directory holds, as far as it is readable. ``damaged`` names a problem."""

    path: Path
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    damaged: str | None = None

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def status(self) -> str:
        return "damaged" if self.damaged else printable(self.summary.get("status"), 24)


def read_json(path: Path, limit: int | None = None) -> dict[str, Any]:
    """A JSON object from a regular file of at most ``limit`` bytes (``MAX_JSON_BYTES``);
    ValueError with a one-line reason ("config.json holds NaN, which JSON does not
    allow") otherwise."""
    limit = layout.MAX_JSON_BYTES if limit is None else limit
    try:
        obj = parse_json(read_bounded(path, limit))
    except ValueError as exc:  # FileRefused too
        raise ValueError(f"{path.name} {exc}") from None
    if not isinstance(obj, dict):
        raise ValueError(f"{path.name} is not a JSON object")
    return obj


def _check_config(config: dict[str, Any]) -> None:
    """ValueError naming the first setting of config.json that a run could not have had."""
    if not isinstance(config.get("hidden"), list):
        raise ValueError(f"{layout.CONFIG} has no hidden sizes")
    try:
        RunConfig.from_dict(config).validate()
    except ConfigError as exc:
        raise ValueError(f"{layout.CONFIG}: {exc}") from None
    except (TypeError, ValueError, ArithmeticError, RecursionError) as exc:
        raise ValueError(f"{layout.CONFIG}: unusable settings ({exc})") from None


def read_run(path: str | Path) -> RunInfo:
    """Read config.json and summary.json of one run directory, never raising."""
    info = RunInfo(Path(path))
    try:
        if not info.path.is_dir():
            raise ValueError("the run directory is missing or not a directory")
        info.config = read_json(info.path / layout.CONFIG)
        info.summary = read_json(info.path / layout.SUMMARY)
        _check_config(info.config)
        if not isinstance(info.summary.get("status"), str):
            raise ValueError(f"{layout.SUMMARY} has no status")
    except ValueError as exc:
        info.damaged = printable(str(exc), REASON_MAX)
    return info


# ------------------------------------------------------------------ metrics.jsonl
def parse_metrics_line(line: str | bytes) -> dict[str, Any] | None:
    """One metrics.jsonl row, or None if the line is not one.

    A row has an integer ``epoch`` ≥ 0, and each of ``METRIC_KEYS`` present is a finite
    number or null (else the line is skipped); numbers come back as floats, other keys
    that are not numbers are dropped.
    """
    if len(line) > layout.MAX_METRICS_LINE:
        return None
    try:
        row = parse_json(line, strict_numbers=False)
    except ValueError:
        return None
    if not isinstance(row, dict) or as_int(row.get("epoch"), 0) is None:
        return None
    out: dict[str, Any] = {}
    for key, value in row.items():
        finite = type(value) is float and value - value == 0.0  # the common case, fast
        if finite or key == "epoch" or value is None:
            out[key] = value
        elif (number := as_float(value)) is not None:
            out[key] = number
        elif key in METRIC_KEYS:
            return None
    return out


def _rows(chunk: bytes) -> list[dict[str, Any]]:
    rows = []
    for line in chunk.split(b"\n"):
        row = parse_metrics_line(line)
        if row is not None:
            rows.append(row)
    return rows


def has_metrics(path: str | Path) -> bool:
    """True once the run directory ``path`` has its metrics file (its records began)."""
    return (Path(path) / layout.METRICS).exists()


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a run's metrics.jsonl (its first ``MAX_METRICS_BYTES`` and its last
    row); a torn, foreign or bad line is skipped. [] if the file is missing or refused."""
    try:
        with open_regular(Path(path) / layout.METRICS, _NO_LIMIT) as fh:
            chunk = fh.read(layout.MAX_METRICS_BYTES + 1)
    except (FileRefused, OSError):
        return []
    if len(chunk) <= layout.MAX_METRICS_BYTES:
        return _rows(chunk)
    rows = _rows(chunk[: chunk.rfind(b"\n") + 1])
    last = last_metrics(path)
    if last is not None and (not rows or last["epoch"] > rows[-1]["epoch"]):
        rows.append(last)
    return rows


def last_metrics(path: str | Path, tail: int = 4096) -> dict[str, Any] | None:
    """The newest complete row of a run's metrics.jsonl, reading only its tail."""
    try:
        with open_regular(Path(path) / layout.METRICS, _NO_LIMIT) as fh:
            size = fh.seek(0, 2)
            fh.seek(max(0, size - tail))
            chunk = fh.read(tail)
    except (FileRefused, OSError):
        return None
    for line in reversed(chunk.split(b"\n")):
        row = parse_metrics_line(line)
        if row is not None:
            return row
    return None


class TailReader:
    """Reads the complete new lines of a growing file (log.txt, metrics.jsonl) since the
    last call, at most ``MAX_TAIL_CHUNK`` bytes a call; a torn last line waits for the
    next call, a line longer than the chunk is skipped, a file that shrank is re-read.
    Lines come back ``printable`` (a control code in the file is shown escaped)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.offset = 0

    def read(self) -> list[str]:
        """New complete lines since the last call ([] when the file is missing)."""
        try:
            with open_regular(self.path, _NO_LIMIT) as fh:
                size = fh.seek(0, 2)
                if size < self.offset:
                    self.offset = 0
                fh.seek(self.offset)
                chunk = fh.read(layout.MAX_TAIL_CHUNK)
        except (FileRefused, OSError):
            return []
        end = chunk.rfind(b"\n")
        if end < 0:
            if len(chunk) >= layout.MAX_TAIL_CHUNK:
                self.offset += len(chunk)
            return []
        self.offset += end + 1
        return [printable(line) for line in
                chunk[: end + 1].decode("utf-8", "replace").split("\n")[:-1]]


# ------------------------------------------------------------------ the arrays
def read_weights_or_raise(path: str | Path) -> dict[str, np.ndarray]:
    """A run's latest weights (final or checkpoint); ValueError "weights.npz: <reason>"."""
    file = Path(path) / layout.WEIGHTS
    try:
        named, _ = load_weights(file, follow=False)
    except WeightsError as exc:
        reason = str(exc).removeprefix(f"{file}: ")
        raise ValueError(printable(f"{layout.WEIGHTS}: {reason}", REASON_MAX)) from None
    return named


def read_weights(path: str | Path) -> dict[str, np.ndarray] | None:
    """A run's latest weights (final or checkpoint), or None if absent or unreadable."""
    try:
        return read_weights_or_raise(path)
    except ValueError:
        return None


def read_data(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """A run's training points (X (n, 2), y (n, 1)); ValueError with a reason if unusable."""
    try:
        with open_npz(Path(path) / layout.DATA, budget=3 * layout.MAX_DATA_POINTS) as npz:
            X = npz.read("X", ndim=2)
            y = npz.read("y")
    except NpzError as exc:
        raise ValueError(printable(f"{layout.DATA} {exc}", REASON_MAX)) from None
    if X.shape[1] != 2 or not 1 <= X.shape[0] <= layout.MAX_DATA_POINTS:
        raise ValueError(f"{layout.DATA} holds X of shape {X.shape}, not (n, 2) points")
    if y.size != X.shape[0] or y.ndim > 2:
        raise ValueError(f"{layout.DATA} holds X {X.shape} and y {y.shape}, which do not fit")
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise ValueError(f"{layout.DATA} holds NaN or infinite values")
    return X, y.reshape(-1, 1)
