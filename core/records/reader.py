"""The one reader of run directories: every screen and command reads runs through here.

Reading never raises for a damaged run: ``read_run`` returns a ``RunInfo`` whose
``damaged`` names the problem; the append-only files are read tolerantly (a torn or
foreign line is skipped); ``TailReader`` follows a growing file from an offset, for live
runs. Numbers from the files go through ``as_float`` / ``as_int``, so a wrong type reads
as "unknown" instead of failing later.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.config import ConfigError, RunConfig
from core.records import layout
from core.records.weights import WeightsError, load_weights

__all__ = [
    "RunInfo",
    "TailReader",
    "as_float",
    "as_int",
    "last_metrics",
    "parse_metrics_line",
    "read_data",
    "read_metrics",
    "read_run",
    "read_weights",
]


def as_float(value: Any) -> float | None:
    """A JSON number as a float; None for anything else (bools included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def as_int(value: Any) -> int | None:
    """A JSON integer; None for anything else (bools included)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


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
        return "damaged" if self.damaged else str(self.summary.get("status", "unknown"))


def _read_json(path: Path) -> dict[str, Any]:
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path.name} is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError(f"{path.name} is not readable JSON") from None
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
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{layout.CONFIG}: unusable settings ({exc})") from None


def read_run(path: str | Path) -> RunInfo:
    """Read config.json and summary.json of one run directory, never raising."""
    info = RunInfo(Path(path))
    try:
        info.config = _read_json(info.path / layout.CONFIG)
        info.summary = _read_json(info.path / layout.SUMMARY)
        _check_config(info.config)
    except ValueError as exc:
        info.damaged = str(exc)
    return info


def parse_metrics_line(line: str | bytes) -> dict[str, Any] | None:
    """One metrics.jsonl row (a dict with an integer ``epoch``), or None if it is not one."""
    try:
        row = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(row, dict) and as_int(row.get("epoch")) is not None:
        return row
    return None


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a run's metrics.jsonl; a torn or foreign line is skipped."""
    rows = []
    try:
        with open(Path(path) / layout.METRICS, encoding="utf-8") as fh:
            for line in fh:
                row = parse_metrics_line(line)
                if row is not None:
                    rows.append(row)
    except (OSError, UnicodeDecodeError):
        return rows
    return rows


def last_metrics(path: str | Path, tail: int = 4096) -> dict[str, Any] | None:
    """The newest complete row of a run's metrics.jsonl, reading only its tail."""
    try:
        with open(Path(path) / layout.METRICS, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - tail))
            chunk = fh.read()
    except OSError:
        return None
    for line in reversed(chunk.split(b"\n")):
        row = parse_metrics_line(line)
        if row is not None:
            return row
    return None


class TailReader:
    """Reads the complete new lines of a growing file (log.txt, metrics.jsonl) since the
    last call; a torn last line waits for the next call."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.offset = 0

    def read(self) -> list[str]:
        """New complete lines since the last call ([] when the file is missing)."""
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                chunk = fh.read()
        except OSError:
            return []
        end = chunk.rfind(b"\n")
        if end < 0:
            return []
        self.offset += end + 1
        return chunk[: end + 1].decode("utf-8", "replace").splitlines()


def read_weights(path: str | Path) -> dict[str, np.ndarray] | None:
    """A run's latest weights (final or checkpoint), or None if absent or unreadable."""
    try:
        named, _ = load_weights(Path(path) / layout.WEIGHTS)
    except WeightsError:
        return None
    return named


def read_data(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """A run's training points (X (n, 2), y (n, 1)); ValueError with a reason if unusable."""
    try:
        with np.load(Path(path) / layout.DATA, allow_pickle=False) as d:
            X = np.asarray(d["X"], dtype=float)
            y = np.asarray(d["y"], dtype=float).reshape(-1, 1)
    except (OSError, KeyError, ValueError, EOFError) as exc:
        raise ValueError(f"{layout.DATA} is not readable ({type(exc).__name__})") from None
    if X.ndim != 2 or X.shape[0] != y.shape[0]:
        raise ValueError(f"{layout.DATA} holds X {X.shape} and y {y.shape}, which do not fit")
    return X, y
