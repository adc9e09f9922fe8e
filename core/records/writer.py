"""The writer of run directories (see ``core.records.layout`` for the files).

Whole files are replaced atomically (temp file + rename) and the append-only files are
read back tolerantly (a torn last line is skipped), so a run killed at any instant leaves
every file readable.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from core import __version__
from core.records import layout
from core.records.atomic import atomic_open
from core.records.checkpoint import checkpoint_members
from core.records.weights import save_weights

__all__ = ["CHECKPOINT_SECONDS", "RunRecorder", "write_json_atomic"]

CHECKPOINT_SECONDS = 5.0


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
        write_json_atomic(self.dir / layout.CONFIG, self.config)
        np.savez(self.dir / layout.DATA, X=np.asarray(X, float), y=np.asarray(y, float))
        self._metrics = open(self.dir / layout.METRICS, "a", encoding="utf-8")  # noqa: SIM115
        self._log = open(self.dir / layout.LOG, "a", encoding="utf-8")  # noqa: SIM115
        self.write_summary("running")

    # ------------------------------------------------------------ as the run goes
    def log(self, lines: list[str] | tuple[str, ...]) -> None:
        """Append printed lines to log.txt (also after ``close``: the CLI prints the
        predictions once the run is finished and closed); see ``flush``."""
        if not lines:
            return
        text = "".join(line + "\n" for line in lines)
        if self._log.closed:
            with open(self.dir / layout.LOG, "a", encoding="utf-8") as fh:
                fh.write(text)
            return
        self._log.write(text)

    def metrics(self, epoch: int, loss: float, soft_acc: float, acc: float, lr: float,
                wall: float, **extra: float) -> None:
        """Append one evaluated epoch to metrics.jsonl (see ``flush``)."""
        row = {
            "epoch": epoch, "loss": _finite(loss), "soft_acc": _finite(soft_acc),
            "acc": _finite(acc), "lr": lr, "wall": round(wall, 6),
        }
        row.update({k: _finite(v) for k, v in extra.items()})
        self._metrics.write(json.dumps(row) + "\n")

    def flush(self) -> None:
        """Push what ``log`` and ``metrics`` wrote to the files (the session does at the
        end of every chunk of epochs, so a reader is never more than ~20 ms behind)."""
        for fh in (self._log, self._metrics):
            if not fh.closed:
                fh.flush()

    def checkpoint(self, named: dict[str, np.ndarray], force: bool = False,
                   state: dict[str, Any] | None = None) -> bool:
        """Save weights.npz (with ``state``, a ``Trainer.state()``, as a checkpoint) if
        forced or ``checkpoint_seconds`` passed; True if saved."""
        now = time.monotonic()
        if not force and now - self._last_checkpoint < self.checkpoint_seconds:
            return False
        self._last_checkpoint = now
        extra = None
        if state is not None:
            extra = checkpoint_members(state, self._size(self._metrics, layout.METRICS),
                                       self._size(self._log, layout.LOG))
        save_weights(self.dir / layout.WEIGHTS, named, self.config, extra)
        return True

    def _size(self, fh, name: str) -> int:
        """Bytes written to an append-only file so far."""
        if not fh.closed:
            fh.flush()
            return fh.tell()
        return (self.dir / name).stat().st_size

    @classmethod
    def resume(cls, run_dir: Path, config: dict[str, Any], metrics_bytes: int,
               log_bytes: int, checkpoint_seconds: float = CHECKPOINT_SECONDS) -> RunRecorder:
        """Reopen a recorded run to continue it: metrics.jsonl and log.txt cut back to
        their checkpointed lengths (rows a killed run wrote later are dropped, never
        duplicated), config.json replaced by ``config``, the summary "running" again."""
        self = cls.__new__(cls)
        self.dir, self.name = Path(run_dir), Path(run_dir).name
        self.started = time.time()
        self.checkpoint_seconds, self._last_checkpoint = checkpoint_seconds, time.monotonic()
        self.config = {**config, "name": self.name}
        for name, size in ((layout.METRICS, metrics_bytes), (layout.LOG, log_bytes)):
            with open(self.dir / name, "r+b") as fh:
                fh.truncate(size)
        write_json_atomic(self.dir / layout.CONFIG, self.config)
        self._metrics = open(self.dir / layout.METRICS, "a", encoding="utf-8")  # noqa: SIM115
        self._log = open(self.dir / layout.LOG, "a", encoding="utf-8")  # noqa: SIM115
        self.write_summary("running")
        return self

    def write_summary(self, status: str, **fields: Any) -> None:
        """Replace summary.json with the status and any final figures."""
        summary = {"status": status, "name": self.name, "started": self.config.get("created", ""),
                   "updated": _now_iso(), "pid": os.getpid()}
        summary.update({k: _finite(v) if isinstance(v, float) else v for k, v in fields.items()})
        write_json_atomic(self.dir / layout.SUMMARY, summary)

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
