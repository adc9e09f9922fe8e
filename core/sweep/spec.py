"""What a sweep is: its presets, its one text parser, and its expansion into run configs.

``parse_spec`` is the one parser of a sweep definition: ``bp-tui sweep``'s flags and the
sweep screen's form both hand it their texts, so both accept and refuse exactly the same
input. Every refusal is a ``SweepError`` naming the setting (``field``, spelled like the
CLI flag without ``--``) and a one-line ``reason``; nothing is checked with ``assert``.

A sweep's grid is the product of value lists (``GRID_FIELDS``); every other setting
(epochs, seed, backend…) applies to every cell. Repeat r of a cell uses seed
``seed + r``. A sweep has at most ``MAX_MEMBERS`` runs, refused before anything is built.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.config import ConfigError, RunConfig, parse_field

__all__ = [
    "GRID_FIELDS",
    "MAX_MEMBERS",
    "MAX_WORKERS",
    "PRESETS",
    "SCALAR_FIELDS",
    "Preset",
    "SweepError",
    "SweepSpec",
    "expand_grid",
    "parse_spec",
    "parse_workers",
    "preset",
]

GRID_FIELDS = ("data", "n", "hidden", "lr", "activation", "optimizer", "loss", "init")
"""Settings a sweep may vary: each a list of values; the grid is their product."""
SCALAR_FIELDS = ("epochs", "seed", "backend", "log_every")
"""Settings that apply to every run of a sweep."""
MAX_MEMBERS = 10_000
MAX_WORKERS = 1024
MAX_NAME = 48  # room for "-<i>" and a "-<k>" that keeps concurrent sweeps apart


class SweepError(ValueError):
    """An invalid sweep definition: ``field`` (a setting, as its flag is spelled without
    ``--``, e.g. "repeats", "log-every") and a one-line ``reason``."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Preset:
    """One of the report's experiments: base settings, a grid, and what it shows."""

    base: dict[str, Any]
    grid: dict[str, tuple[Any, ...]]
    shows: str


PRESETS: dict[str, Preset] = {
    "hidden-units": Preset(
        {"data": "xor-grid", "n": 70, "epochs": 2000, "lr": 0.01, "log_every": 500},
        {"hidden": ((64, 64), (128, 128), (256, 256), (512, 512), (256, 512), (512, 256))},
        "more hidden units: lower loss after 2000 epochs, far more time per epoch",
    ),
    "learning-rates": Preset(
        {"data": "xor-grid", "n": 70, "epochs": 2000, "hidden": (64, 64), "log_every": 500},
        {"lr": (1.0, 0.1, 0.01, 0.001)},
        "a larger lr converges faster but overshoots at the top; a small one stalls",
    ),
    "linear-vs-xor": Preset(
        {"epochs": 5000, "hidden": (64, 64), "lr": 0.01, "log_every": 250},
        {"data": ("linear", "xor-grid")},
        "linear converges faster than XOR",
    ),
    "stuck": Preset(
        {"data": "xor-grid", "n": 70, "epochs": 40000, "hidden": (64, 64), "seed": 52,
         "log_every": 200},
        {"lr": (0.0005,)},
        "lr 0.0005 sits at loss 34.00 / 50.72 % for 40000 epochs: the output is saturated",
    ),
}
"""The report's experiments, by ``bp-tui sweep --preset NAME``. Learning rate 0.01 is the
one at which its hidden-units trend shows (at 0.1 the large networks saturate); the stuck
run's seed 52 starts, like the report's, with every point answered 0 and stays there."""


@dataclass(frozen=True)
class SweepSpec:
    """A parsed sweep: ``base`` settings, the ``grid`` of value lists, ``repeats`` seeds per
    cell, the wanted ``name`` and the number of local ``workers``."""

    name: str
    base: RunConfig
    grid: dict[str, list[Any]] = field(default_factory=dict)
    repeats: int = 1
    workers: int = 1
    preset: str | None = None

    @property
    def size(self) -> int:
        """How many runs the sweep has (grid cells × repeats)."""
        return math.prod(len(v) for v in self.grid.values()) * self.repeats

    def configs(self, name: str | None = None) -> list[RunConfig]:
        """The run configs, named ``<name>-<i>`` (default: this spec's name)."""
        return expand_grid(self.base, self.grid, name or self.name, self.repeats)


def preset(name: str) -> tuple[RunConfig, dict[str, list[Any]]]:
    """The base config and grid of a built-in preset (SweepError if unknown)."""
    if name not in PRESETS:
        raise SweepError("preset", f"choose one of {', '.join(PRESETS)} (got {name!r})")
    p = PRESETS[name]
    return RunConfig().with_changes(**p.base), {k: list(v) for k, v in p.grid.items()}


# ------------------------------------------------------------------ parsing
def _tokens(value: str | Sequence[str] | None) -> list[str] | None:
    """A field's text as tokens: a string is split on spaces; None/empty is "not given"."""
    if value is None:
        return None
    items = value.split() if isinstance(value, str) else [str(v) for v in value]
    items = [t for item in items for t in item.split()]
    return items or None


def _text(value: str | Sequence[str] | None) -> str | None:
    tokens = _tokens(value)
    return " ".join(tokens) if tokens else None


def _flag(key: str) -> str:
    return key.replace("_", "-")


def _whole(key: str, text: str, lo: int, hi: int) -> int:
    if not re.fullmatch(r"\+?\d{1,12}", text) or not lo <= int(text) <= hi:
        raise SweepError(_flag(key), f"must be a whole number from {lo} to {hi:,} "
                                     f"(got {text[:20]!r})")
    return int(text)


def parse_workers(value: str | Sequence[str] | None, default: int | None = None) -> int:
    """The number of local worker processes (1–MAX_WORKERS; default one per core)."""
    text = _text(value)
    if text is None:
        return default or os.cpu_count() or 1
    return _whole("workers", text, 1, MAX_WORKERS)


def _parse_value(key: str, text: str) -> Any:
    try:
        return parse_field(key, text)
    except ConfigError as exc:
        raise SweepError(_flag(key), exc.reason) from None


def _check_size(grid: dict[str, list[Any]], repeats: int) -> None:
    size = math.prod(len(v) for v in grid.values()) * repeats
    if size <= MAX_MEMBERS:
        return
    widest = max(grid, key=lambda k: len(grid[k]))
    at_fault = "repeats" if repeats > 1 else widest
    raise SweepError(at_fault, f"{size:,} runs in one sweep; at most {MAX_MEMBERS:,}")


def parse_spec(values: Mapping[str, str | Sequence[str] | None],
               default_workers: int | None = None) -> SweepSpec:
    """Parse a sweep definition from texts, keyed by setting (``GRID_FIELDS``,
    ``SCALAR_FIELDS``, "preset", "name", "repeats", "workers").

    A grid field's value is a string of space-separated values or a list of them
    (``"64,64 128,128"`` or ``["64,64", "128,128"]``: two hidden shapes). Missing or empty
    means "not given". A preset supplies base settings and a grid that given fields
    override. Raises SweepError naming the setting at fault.
    """
    preset_name = _text(values.get("preset"))
    base, grid = preset(preset_name) if preset_name else (RunConfig(), {})
    grid.update(_given_grid(values))
    if not grid:
        raise SweepError("hidden", "give a preset or values to sweep, e.g. hidden 64,64 "
                                   "128,128 or lr 0.1 0.01")
    base = base.with_changes(**_given_scalars(values))
    repeats_text = _text(values.get("repeats"))
    repeats = 1 if repeats_text is None else _whole("repeats", repeats_text, 1, MAX_MEMBERS)
    _check_size(grid, repeats)
    workers = parse_workers(values.get("workers"), default_workers)
    name = _sweep_name(_text(values.get("name")) or preset_name or "sweep")
    spec = SweepSpec(name, base, grid, repeats, workers, preset_name)
    spec.configs()  # validates every cell now, so a bad combination is refused up front
    return spec


def _given_grid(values: Mapping[str, str | Sequence[str] | None]) -> dict[str, list[Any]]:
    """The grid fields given in ``values``, each parsed to its list of values."""
    grid: dict[str, list[Any]] = {}
    for key in GRID_FIELDS:
        tokens = _tokens(values.get(key))
        if tokens is not None:
            grid[key] = [_parse_value(key, t) for t in tokens]
    return grid


def _given_scalars(values: Mapping[str, str | Sequence[str] | None]) -> dict[str, Any]:
    """The scalar fields given in ``values``, parsed; ``epochs`` without ``log_every``
    logs ten times."""
    changes: dict[str, Any] = {}
    for key in SCALAR_FIELDS:
        text = _text(values.get(key))
        if text is not None:
            changes[key] = _parse_value(key, text)
    if "epochs" in changes and "log_every" not in changes:
        changes["log_every"] = max(changes["epochs"] // 10, 1)
    return changes


def _sweep_name(text: str) -> str:
    """A valid sweep name short enough for its runs' ``<name>-<i>``, or SweepError."""
    try:
        name = parse_field("name", text)
    except ConfigError as exc:
        raise SweepError("name", exc.reason) from None
    if len(name) > MAX_NAME:
        raise SweepError("name", f"at most {MAX_NAME} characters (runs are <name>-<i>)")
    return name

# ------------------------------------------------------------------ expansion
def _cell_error(exc: ConfigError, cell: RunConfig) -> SweepError:
    if exc.field == "n" and cell.data == "xor":
        return SweepError("n", "applies to every data set, and xor is a fixed 21 points: "
                               "drop xor from data or leave n out")
    return SweepError(_flag(exc.field), exc.reason)


def expand_grid(base: RunConfig, grid: Mapping[str, Sequence[Any]], name: str,
                repeats: int = 1) -> list[RunConfig]:
    """Every combination of ``grid`` values × ``repeats`` seeds, as validated configs.

    Repeat r uses seed ``base.seed + r``. Configs are named ``<name>-<i>`` (i from 1) in
    grid order, repeats innermost. Every setting of ``base`` (``n`` included) applies to
    every cell. Raises SweepError naming the setting at fault.
    """
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise SweepError("repeats", "must be a whole number of at least 1")
    for key, values in grid.items():
        if key not in GRID_FIELDS:
            raise SweepError(_flag(key), f"cannot be swept (choose from {', '.join(GRID_FIELDS)})")
        if not values:
            raise SweepError(_flag(key), "give at least one value")
    _check_size({k: list(v) for k, v in grid.items()}, repeats)
    keys = list(grid)
    configs = []
    combos = itertools.product(*(grid[k] for k in keys))
    for i, (combo, r) in enumerate(itertools.product(combos, range(repeats)), start=1):
        changes = {key: _parse_value(key, value) for key, value in zip(keys, combo)}
        cell = base.with_changes(**changes, seed=base.seed + r, name=f"{name}-{i}")
        try:
            configs.append(cell.validate())
        except ConfigError as exc:
            raise _cell_error(exc, cell) from None
    return configs
