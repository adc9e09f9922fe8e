"""Run records on disk: one directory per run under a runs root.

    <root>/<run-id>/config.json     everything needed to reproduce the run
                    metrics.jsonl   one JSON line per evaluated epoch, flushed as it goes
                    log.txt         exactly the lines printed, flushed as it goes
                    weights.npz     final weights; checkpointed while the run goes
                    data.npz        the training points (X, y)
                    summary.json    status, final metrics, duration

Whole files are replaced atomically (temp file + rename) and the append-only files are
read back tolerantly (a torn last line is skipped), so a run killed at any instant leaves
every file readable.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from core import __version__
from core.atomic import atomic_open
from core.config import ConfigError, RunConfig
from core.weights import WeightsError, load_weights, save_weights

__all__ = [
    "CHECKPOINT_SECONDS",
    "RunInfo",
    "RunRecorder",
    "default_runs_root",
    "read_metrics",
    "read_run",
    "write_json_atomic",
]

CHECKPOINT_SECONDS = 5.0


def default_runs_root() -> Path:
    """``$BP_TUI_RUNS``, else ``$XDG_DATA_HOME/bp-tui/runs``, else ~/.local/share/bp-tui/runs."""
    env = os.environ.get("BP_TUI_RUNS")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg).expanduser() / "bp-tui" / "runs"


def write_json_atomic(path: Path, obj: Any) -> None:
    """Replace ``path`` with ``obj`` as JSON in one rename."""
    with atomic_open(path) as fh:
        json.dump(obj, fh, indent=2, allow_nan=False, default=_jsonable)
        fh.write("\n")


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
    """Writes one run's directory as the run goes. Not thread-safe: one writer."""

    def __init__(
        self,
        root: str | Path,
        config: dict[str, Any],
        X: np.ndarray,
        y: np.ndarray,
        name: str | None = None,
        checkpoint_seconds: float = CHECKPOINT_SECONDS,
    ) -> None:
        root = Path(root)
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OSError(f"cannot create the runs directory {root}: {exc.strerror}") from None
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        base = name or f"{stamp}-{config.get('data', 'run')}"
        self.dir = _unique_dir(root, base)
        self.name = self.dir.name
        self.started = time.time()
        self.checkpoint_seconds = checkpoint_seconds
        self._last_checkpoint = 0.0
        self.config = {**config, "name": self.name, "version": __version__, "created": _now_iso()}
        write_json_atomic(self.dir / "config.json", self.config)
        np.savez(self.dir / "data.npz", X=np.asarray(X, float), y=np.asarray(y, float))
        self._metrics = open(self.dir / "metrics.jsonl", "a", encoding="utf-8")  # noqa: SIM115
        self._log = open(self.dir / "log.txt", "a", encoding="utf-8")  # noqa: SIM115
        self.write_summary("running")

    # ------------------------------------------------------------ as the run goes
    def log(self, lines: list[str] | tuple[str, ...]) -> None:
        """Append printed lines to log.txt, flushed (also after ``close``: the CLI prints
        the predictions once the run is finished and closed)."""
        if not lines:
            return
        text = "".join(line + "\n" for line in lines)
        if self._log.closed:
            with open(self.dir / "log.txt", "a", encoding="utf-8") as fh:
                fh.write(text)
            return
        self._log.write(text)
        self._log.flush()

    def metrics(self, epoch: int, loss: float, soft_acc: float, acc: float, lr: float,
                wall: float, **extra: float) -> None:
        """Append one evaluated epoch to metrics.jsonl, flushed."""
        row = {
            "epoch": epoch, "loss": _finite(loss), "soft_acc": _finite(soft_acc),
            "acc": _finite(acc), "lr": lr, "wall": round(wall, 6),
        }
        row.update({k: _finite(v) for k, v in extra.items()})
        self._metrics.write(json.dumps(row) + "\n")
        self._metrics.flush()

    def checkpoint(self, named: dict[str, np.ndarray], force: bool = False) -> bool:
        """Save weights.npz if forced or ``checkpoint_seconds`` passed; True if saved."""
        now = time.monotonic()
        if not force and now - self._last_checkpoint < self.checkpoint_seconds:
            return False
        self._last_checkpoint = now
        save_weights(self.dir / "weights.npz", named, self.config)
        return True

    def write_summary(self, status: str, **fields: Any) -> None:
        """Replace summary.json with the status and any final figures."""
        summary = {"status": status, "name": self.name, "started": self.config["created"],
                   "updated": _now_iso(), "pid": os.getpid()}
        summary.update({k: _finite(v) if isinstance(v, float) else v for k, v in fields.items()})
        write_json_atomic(self.dir / "summary.json", summary)

    def close(self) -> None:
        """Close the append-only files (idempotent)."""
        for fh in (self._metrics, self._log):
            if not fh.closed:
                fh.close()


def _unique_dir(root: Path, base: str) -> Path:
    for i in range(1000):
        candidate = root / (base if i == 0 else f"{base}-{i + 1}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise OSError(f"cannot make a new run directory under {root}")


# ------------------------------------------------------------------ reading back
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


def read_run(path: str | Path) -> RunInfo:
    """Read config.json and summary.json of one run directory, never raising."""
    info = RunInfo(Path(path))
    try:
        info.config = _read_json(info.path / "config.json")
        info.summary = _read_json(info.path / "summary.json")
        if not isinstance(info.config.get("hidden"), list):
            raise ValueError("config.json has no hidden sizes")
        _check_config(info.config)
    except ValueError as exc:
        info.damaged = str(exc)
    return info


def _check_config(config: dict[str, Any]) -> None:
    """ValueError naming the first setting of config.json that a run could not have had."""
    try:
        RunConfig.from_dict(config).validate()
    except ConfigError as exc:
        raise ValueError(f"config.json: {exc}") from None
    except (TypeError, ValueError) as exc:
        raise ValueError(f"config.json: unusable settings ({exc})") from None


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a run's metrics.jsonl; a torn or foreign line is skipped."""
    rows = []
    try:
        with open(Path(path) / "metrics.jsonl", encoding="utf-8") as fh:
            for line in fh:
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(row, dict) and isinstance(row.get("epoch"), int):
                    rows.append(row)
    except (OSError, UnicodeDecodeError):
        return rows
    return rows


def read_weights(path: str | Path) -> dict[str, np.ndarray] | None:
    """A run's latest weights (final or checkpoint), or None if absent or unreadable."""
    try:
        named, _ = load_weights(Path(path) / "weights.npz")
    except WeightsError:
        return None
    return named
