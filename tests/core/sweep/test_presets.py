"""Each preset shows the report's observation, on the preset's own settings.

In CI on a faithful reduction (fewer shapes or epochs, nothing else changed); the full
presets run in the long tier (``-m long``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from core.analysis.observations import observe
from core.sweep import SweepRunner, expand_grid, preset


def _run(runs_root, name, grid_filter=None, epochs=None):
    base, grid = preset(name)
    if grid_filter:
        grid = grid_filter(grid)
    if epochs is not None:
        base = base.with_changes(epochs=epochs)
    runner = SweepRunner(name, expand_grid(base, grid, name), runs_root)
    with ThreadPoolExecutor(1) as pool:  # one at a time: honest time per epoch
        runner.submit(pool)
        members = runner.wait(timeout=600, interval=0.1)
    assert [m.status for m in members] == ["finished"] * len(members)
    return members


@pytest.mark.long
def test_hidden_units_lower_loss_more_time(runs_root):
    members = _run(runs_root, "hidden-units",
                   lambda g: {"hidden": g["hidden"][:3]})  # (64,64) (128,128) (256,256)
    obs = observe("hidden-units", members, runs_root)
    assert obs.holds, obs.line
    losses = [round(m.loss, 2) for m in members]
    assert losses == [1.63, 1.43, 1.24]  # seed 1, lr 0.01, 2000 epochs (as issue 14 saw)
    assert members[0].ms_per_epoch < members[1].ms_per_epoch < members[2].ms_per_epoch


def test_learning_rates_faster_overshoot_stall(runs_root):
    members = _run(runs_root, "learning-rates")
    obs = observe("learning-rates", members, runs_root)
    assert obs.holds, obs.line
    assert "lr 1 overshoots" in obs.evidence
    assert "lr 0.001 stalls" in obs.evidence


def test_linear_converges_faster_than_xor(runs_root):
    members = _run(runs_root, "linear-vs-xor")
    obs = observe("linear-vs-xor", members, runs_root)
    assert obs.holds, obs.line


def _check_stuck(runs_root, members):
    (m,) = members
    assert m.stuck
    assert round(m.loss, 2) == 34.00
    assert round(m.soft_acc, 2) == 50.72
    obs = observe("stuck", members, runs_root)
    assert obs.holds, obs.line
    assert "output saturated on 100% of points" in obs.evidence
    assert obs.evidence.startswith("loss 34.00–34.00, soft acc 50.72 %")


def test_stuck_sits_at_the_reports_plateau(runs_root):
    _check_stuck(runs_root, _run(runs_root, "stuck", epochs=4000))


@pytest.mark.long
def test_full_hidden_units_preset(runs_root):
    members = _run(runs_root, "hidden-units")
    obs = observe("hidden-units", members, runs_root)
    assert obs.holds, obs.line
    assert [round(m.loss, 2) for m in members[:4]] == [1.63, 1.43, 1.24, 0.97]


@pytest.mark.long
def test_full_stuck_preset_40000_epochs(runs_root):
    _check_stuck(runs_root, _run(runs_root, "stuck"))
