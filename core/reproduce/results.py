"""Run the report's experiments as one sweep and gather everything its report shows.

``start_plan`` submits every run of a ``Plan`` to an executor (most expensive first) and
``gather`` turns the recorded runs into a ``Reproduction``: per section the runs with
their metric series and the report's numbers, the section's observation, the linear
model on ``FRESH_N`` fresh points, and both models on ``BOUNDARY_N`` random points (the
report's decision-boundary picture). No Textual, no plotting: ``tui.report`` draws it.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.analysis.observations import Observation, observe
from core.analysis.points import fresh_test_set
from core.nn.losses import get_loss
from core.nn.metrics import Metrics, evaluate, misclassified
from core.nn.network import Network
from core.records import read_data, read_metrics, read_weights
from core.reproduce.experiments import Plan
from core.reproduce.reported import REPORTED, Reported
from core.sweep import MemberState, SweepRunner, reserve_name

__all__ = [
    "BOUNDARY_N",
    "BOUNDARY_SEED",
    "FRESH_N",
    "FRESH_SEED",
    "Points",
    "Reproduction",
    "RunResult",
    "SectionResult",
    "gather",
    "start_plan",
]

FRESH_N, FRESH_SEED = 70, 2020  # the report's new linear sample of 70 points
BOUNDARY_N, BOUNDARY_SEED = 10_000, 10_000  # its 10 000 random points


@dataclass(frozen=True)
class RunResult:
    """One run as the report shows it: ``member`` (final state), ``rows`` (metrics
    series) and the report's numbers for the same run (None if it gives none)."""

    label: str
    member: MemberState
    rows: list[dict[str, Any]]
    reported: Reported | None


@dataclass(frozen=True)
class SectionResult:
    """One section of the report with its runs and its observation (if any)."""

    key: str
    title: str
    runs: list[RunResult]
    observation: Observation | None


@dataclass(frozen=True)
class Points:
    """Points seen through a model: X (n, 2), labels y (n,), predictions ŷ (n,), metrics."""

    label: str
    X: np.ndarray
    y: np.ndarray
    yhat: np.ndarray
    metrics: Metrics

    @property
    def wrong(self) -> np.ndarray:
        """Boolean mask (n,) of the misclassified points (ŷ rounded ≠ label)."""
        return misclassified(self.yhat, self.y)


@dataclass(frozen=True)
class Reproduction:
    """Everything ``bp-tui reproduce`` writes, with the time it took."""

    sweep: str
    root: Path
    quick: bool
    workers: str
    wall: float
    sections: list[SectionResult]
    training: dict[str, Points]
    fresh: Points | None
    boundary: dict[str, Points]
    cancelled: bool = False


def start_plan(plan: Plan, root: str | Path, executor: Executor,
               name: str = "reproduce") -> tuple[SweepRunner, dict[str, MemberState]]:
    """Submit the plan's runs as one sweep, most expensive first (returns at once;
    ``runner.wait()`` follows it). Returns the runner and label → member."""
    root = Path(root)
    labels = plan.by_cost()
    sweep = reserve_name(root, name, 0, suffixes=[plan.slug(lb) for lb in labels])
    configs = [plan.runs[lb].with_changes(name=f"{sweep}-{plan.slug(lb)}") for lb in labels]
    runner = SweepRunner(sweep, configs, root)
    runner.submit(executor)
    return runner, dict(zip(labels, runner.members))


def _network(path: Path, config):
    named = read_weights(path)
    if named is None:
        return None
    return Network.from_params(named, config.activation)


def _points(label: str, net, config, X: np.ndarray, y: np.ndarray) -> Points:
    metrics, yhat = evaluate(net, X, y, get_loss(config.loss))
    return Points(label, X, np.asarray(y).reshape(-1), np.asarray(yhat).reshape(-1), metrics)


def _models(root: Path, members: dict[str, MemberState]) -> dict[str, tuple[Any, Any]]:
    """label → (network, config) of the finished linear and XOR runs."""
    out = {}
    for label in ("linear", "xor"):
        m = members.get(label)
        if m is not None and m.status == "finished":
            net = _network(root / m.name, m.config)
            if net is not None:
                out[label] = (net, m.config)
    return out


def gather(plan: Plan, runner: SweepRunner, members: dict[str, MemberState], quick: bool,
           workers: str, wall: float) -> Reproduction:
    """The Reproduction of a finished ``start_plan``."""
    root = runner.root
    rows = {lb: read_metrics(root / m.name) for lb, m in members.items()}
    sections = []
    for s in plan.sections:
        runs = [RunResult(lb, members[lb], rows[lb], REPORTED.get(lb)) for lb in s.labels]
        obs = observe(s.preset, [r.member for r in runs], root) if s.preset else None
        sections.append(SectionResult(s.key, s.title, runs, obs))
    models = _models(root, members)
    training = {}
    for label, (net, cfg) in models.items():
        X, y = read_data(root / members[label].name)
        training[label] = _points(label, net, cfg, X, y)
    fresh = None
    if "linear" in models:
        net, cfg = models["linear"]
        test = fresh_test_set("linear", FRESH_N, FRESH_SEED)
        fresh = _points("linear", net, cfg, test.X, test.y)
    square = fresh_test_set("linear", BOUNDARY_N, BOUNDARY_SEED)
    boundary = {label: _points(label, net, cfg, square.X, square.y)
                for label, (net, cfg) in models.items()}
    return Reproduction(runner.name, root, quick, workers, wall, sections, training, fresh,
                        boundary, cancelled=runner.cancelled)

