"""Run records: the run-directory layout, its writer, its one tolerant reader, the runs
index (listing, rename, delete, diff) and comparisons (smoothing, export)."""

from core.records.layout import default_runs_root
from core.records.reader import (
    RunInfo,
    TailReader,
    has_metrics,
    last_metrics,
    read_data,
    read_metrics,
    read_run,
    read_weights,
)
from core.records.writer import (
    CHECKPOINT_SECONDS,
    RecordError,
    RunRecorder,
    clean_temp_files,
    write_json_atomic,
)

__all__ = [
    "CHECKPOINT_SECONDS",
    "RecordError",
    "RunInfo",
    "RunRecorder",
    "TailReader",
    "clean_temp_files",
    "default_runs_root",
    "has_metrics",
    "last_metrics",
    "read_data",
    "read_metrics",
    "read_run",
    "read_weights",
    "write_json_atomic",
]
