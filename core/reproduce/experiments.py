"""The report's experiments as run configs: which runs ``bp-tui reproduce`` trains.

Every run comes from a preset of ``core.sweep.PRESETS``, so ``reproduce`` and
``bp-tui sweep --preset NAME`` train exactly the same runs. The report's own linear and
XOR runs (5000 epochs) are the ``linear-vs-xor`` preset's two runs; the report does not
state their learning rate, and bp-tui uses 0.01 as in its hidden-units runs.

``quick`` divides every run's epochs by ``QUICK_FACTOR`` (for a test, or a first look):
the same experiments, too short to show everything the report saw.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from core.config import RunConfig
from core.sweep import preset

__all__ = ["QUICK_FACTOR", "Plan", "Section", "plan"]

QUICK_FACTOR = 10


@dataclass(frozen=True)
class Section:
    """One part of the report: its ``title``, the ``labels`` of its runs, and the preset
    whose observation it checks (None: no observation)."""

    key: str
    title: str
    labels: tuple[str, ...]
    preset: str | None


@dataclass(frozen=True)
class Plan:
    """All runs to train (label → config, each label once) and the report's sections."""

    runs: dict[str, RunConfig]
    sections: tuple[Section, ...]

    def slug(self, label: str) -> str:
        """The run-name suffix of a label: ``hidden (64,64)`` → ``hidden-64-64``."""
        return "-".join(label.replace("(", " ").replace(")", " ").replace(",", " ").split())

    def by_cost(self) -> list[str]:
        """Labels, most expensive first (so the longest runs start first)."""
        def cost(label: str) -> float:
            c = self.runs[label]
            sizes = (2, *c.hidden, 1)
            weights = sum(a * b for a, b in itertools.pairwise(sizes))
            return c.epochs * (c.n_points or 100) * weights
        return sorted(self.runs, key=cost, reverse=True)


def _shorten(config: RunConfig, quick: bool) -> RunConfig:
    if not quick:
        return config
    epochs = max(config.epochs // QUICK_FACTOR, 1)
    return config.with_changes(epochs=epochs, log_every=max(config.log_every // QUICK_FACTOR, 1))


def _preset_runs(name: str, label) -> dict[str, RunConfig]:
    base, grid = preset(name)
    ((key, values),) = grid.items()
    return {label(v): base.with_changes(**{key: v}) for v in values}


def plan(quick: bool = False) -> Plan:
    """The runs and sections of the reproduction (``quick``: epochs ÷ QUICK_FACTOR)."""
    runs: dict[str, RunConfig] = {}
    runs.update(_preset_runs("linear-vs-xor", lambda d: "linear" if d == "linear" else "xor"))
    hidden = _preset_runs("hidden-units", lambda h: "hidden (" + ",".join(map(str, h)) + ")")
    runs.update(hidden)
    rates = _preset_runs("learning-rates", lambda lr: f"lr {lr:g}")
    runs.update(rates)
    runs.update(_preset_runs("stuck", lambda _lr: "stuck"))
    runs = {k: _shorten(c, quick) for k, c in runs.items()}
    sections = (
        Section("basic", "The linear and XOR runs", ("linear", "xor"), None),
        Section("hidden-units", "Different numbers of hidden units", tuple(hidden),
                "hidden-units"),
        Section("learning-rates", "Different learning rates", tuple(rates), "learning-rates"),
        Section("linear-vs-xor", "Linear against XOR", ("linear", "xor"), "linear-vs-xor"),
        Section("stuck", "A run stuck on a plateau", ("stuck",), "stuck"),
    )
    return Plan(runs, sections)
