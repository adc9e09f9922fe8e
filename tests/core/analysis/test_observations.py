"""The definitions behind the report's observations, on hand-made series."""

from __future__ import annotations

import numpy as np

from core.analysis.observations import Observation, epochs_to_converge, overshoots
from core.sweep import is_stuck


def _rows(losses, every=10):
    return [{"epoch": i * every, "loss": v} for i, v in enumerate(losses)]


def test_converging_is_reaching_a_tenth_of_the_first_loss():
    assert epochs_to_converge(_rows([30.0, 10.0, 3.1, 3.0, 2.0])) == 30
    assert epochs_to_converge(_rows([30.0, 29.0, 28.0])) is None
    assert epochs_to_converge([]) is None
    assert epochs_to_converge(_rows([30.0, 10.0]), frac=0.5) == 10


def test_overshooting_is_climbing_back_by_a_tenth_of_the_first_loss():
    assert overshoots(_rows([26.9, 32.9, 35.0, 35.0]))
    assert overshoots(_rows([30.0, 5.0, 9.1, 1.0]))  # +4.1 over the best (5.0) > 3.0
    assert not overshoots(_rows([30.0, 5.0, 7.9, 1.0]))
    assert not overshoots(_rows([30.0, 20.0, 10.0]))
    assert overshoots(_rows([30.0, float("nan")]))


def test_stuck_is_every_point_in_one_class():
    assert is_stuck(np.full((69, 1), 1e-4))
    assert is_stuck(np.full(69, 0.9999))
    assert not is_stuck(np.array([0.1, 0.9]))
    assert not is_stuck(np.array([0.1, np.nan]))
    assert not is_stuck(np.array([]))


def test_observation_line():
    assert Observation("claim", True, "numbers").line == "✓ claim: numbers"
    assert Observation("claim", False, "numbers").line == "✗ claim: numbers"
