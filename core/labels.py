"""Labels for runs side by side: each run named by the settings that differ from its siblings.

A comparison (overlay legend, sweep table, runs screen, figures, exports) never labels a run
by its index: ``differing_labels`` names each run by what sets it apart — ``(512,512)``,
``lr 0.1``, ``XOR`` — in one fixed order of settings, falling back to the run's own name
when nothing differs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from core.files import printable

if TYPE_CHECKING:  # imported lazily: the CLI reads the words below before NumPy loads
    from core.config import RunConfig

__all__ = [
    "METRIC_NAMES",
    "RIGHT",
    "SOFT_ACC",
    "describe_setting",
    "differing_labels",
    "differing_settings",
    "run_labels",
]

SOFT_ACC = "soft acc"
"""The report's accuracy, (1 − mean|ŷ − y|) × 100 — what its log prints as "accuracy"."""
RIGHT = "right %"
"""The share of points classified right (ŷ ≥ 0.5 is class 1), in percent."""
METRIC_NAMES = {"loss": "loss", "soft_acc": SOFT_ACC, "acc": RIGHT}
"""What every screen, table and export calls the recorded metrics (metrics.jsonl keys)."""

_DATA_NAMES = {
    "linear": "linear",
    "xor": "XOR (21 points)",
    "xor-grid": "XOR",
    "circle": "circle",
    "spiral": "spiral",
    "gauss": "gauss",
}


def _fmt_number(value: float) -> str:
    return f"{value:g}"


_FORMATS: dict[str, Callable[[Any], str]] = {
    "data": lambda v: _DATA_NAMES.get(v, str(v)),
    "data_file": lambda v: f"file {v}" if v else "no file",
    "hidden": lambda v: "(" + ",".join(str(h) for h in v) + ")",
    "activation": str,
    "loss": str,
    "optimizer": str,
    "lr": lambda v: f"lr {_fmt_number(v)}",
    "momentum": lambda v: f"momentum {_fmt_number(v)}",
    "batch_size": lambda v: "per point" if v == 1 else f"batch {v}",
    "init": lambda v: f"init {v}",
    "noise": lambda v: f"noise {_fmt_number(v)}",
    "n": lambda v: "default n" if v is None else f"n {v}",
    "epochs": lambda v: f"{v:,} epochs",
    "seed": lambda v: f"seed {v}",
    "data_seed": lambda v: "data seed = seed" if v is None else f"data seed {v}",
    "shuffle": lambda v: "shuffled" if v else "in order",
    "init_weights": lambda v: f"weights {v}" if v else "fresh weights",
}

# The order settings appear in a label: what a reader compares first comes first.
ORDER = tuple(_FORMATS)


def describe_setting(name: str, value: Any) -> str:
    """One setting as a label reads it: ``hidden=(64, 64)`` → ``(64,64)``, lr → ``lr 0.1``."""
    fmt = _FORMATS.get(name)
    return fmt(value) if fmt else f"{name} {value}"


def differing_settings(configs: Sequence[RunConfig]) -> list[str]:
    """The setting names (in label order) whose values are not all the same."""
    if len(configs) < 2:
        return []
    return [
        name for name in ORDER
        if len({repr(getattr(c, name)) for c in configs}) > 1
    ]


def differing_labels(
    configs: Sequence[RunConfig], names: Sequence[str] | None = None
) -> list[str]:
    """A label per run from the settings that differ (``(512,512) · lr 0.1``).

    Runs whose settings are all alike (or a single run) are labelled by ``names`` (their
    run names) when given, else by their data set and hidden sizes. Labels that would
    still collide get the run's name appended, never an index.
    """
    keys = differing_settings(configs)
    if not keys:
        keys = ["data", "hidden"]
        if names is not None:
            return [str(n) for n in names]
    labels = [" · ".join(describe_setting(k, getattr(c, k)) for k in keys) for c in configs]
    if names is not None and len(set(labels)) < len(labels):
        labels = [f"{label} ({name})" for label, name in zip(labels, names)]
    return labels


def run_labels(configs: Sequence[dict[str, Any] | None], names: Sequence[str]) -> list[str]:
    """``differing_labels`` for runs read from disk: ``configs`` are their config.json
    dicts (None or unusable for a damaged run). Runs without usable settings are labelled
    by their name, and the others are compared among themselves."""
    from core.config import RunConfig

    usable: list[tuple[int, RunConfig]] = []
    for i, raw in enumerate(configs):
        try:
            usable.append((i, RunConfig.from_dict(dict(raw or {}))))
        except (TypeError, ValueError, ArithmeticError, RecursionError):
            continue  # damaged or foreign settings: the run is named instead
    labels = [str(n) for n in names]
    if len(usable) >= 2:
        texts = differing_labels([c for _, c in usable], [labels[i] for i, _ in usable])
        for (i, _), text in zip(usable, texts):
            labels[i] = printable(text, 120)
    return labels
