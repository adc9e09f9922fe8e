"""Reproducing the report: its experiments as runs, its numbers, and the results that
``bp-tui reproduce`` writes beside them (``tui.report`` draws the Markdown)."""

from core.reproduce.experiments import QUICK_FACTOR, Plan, Section, plan
from core.reproduce.reported import REPORTED, Reported
from core.reproduce.results import (
    BOUNDARY_N,
    FRESH_N,
    Points,
    Reproduction,
    RunResult,
    SectionResult,
    gather,
    start_plan,
)

__all__ = [
    "BOUNDARY_N",
    "FRESH_N",
    "QUICK_FACTOR",
    "REPORTED",
    "Plan",
    "Points",
    "Reported",
    "Reproduction",
    "RunResult",
    "Section",
    "SectionResult",
    "gather",
    "plan",
    "start_plan",
]
