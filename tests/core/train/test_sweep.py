"""Sweeps: grid expansion, presets, and end-to-end runs on process and thread pools."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.config import RunConfig
from core.records.index import list_runs
from core.train.sweep import (
    PRESETS,
    SweepError,
    SweepRunner,
    expand_grid,
    local_executor,
    preset,
    unique_sweep_name,
)

TINY = RunConfig(hidden=(3, 3), epochs=40, log_every=10, backend="numpy", lr=0.1)


def test_expand_grid_is_the_product_with_repeats_innermost():
    cfgs = expand_grid(TINY, {"hidden": ["4,4", "8,8"], "lr": [0.1, 0.01]}, "sw", repeats=2)
    got = [(c.name, c.hidden, c.lr, c.seed) for c in cfgs]
    assert got == [
        ("sw-1", (4, 4), 0.1, 1), ("sw-2", (4, 4), 0.1, 2),
        ("sw-3", (4, 4), 0.01, 1), ("sw-4", (4, 4), 0.01, 2),
        ("sw-5", (8, 8), 0.1, 1), ("sw-6", (8, 8), 0.1, 2),
        ("sw-7", (8, 8), 0.01, 1), ("sw-8", (8, 8), 0.01, 2),
    ]


@pytest.mark.parametrize(("grid", "field"), [
    ({"hidden": ["64 x"]}, "hidden"), ({"lr": ["-1"]}, "lr"), ({"data": ["moons?"]}, "data"),
    ({"epochs": [1]}, "epochs"), ({"lr": []}, "lr"),
])
def test_expand_grid_names_the_bad_setting(grid, field):
    with pytest.raises(SweepError, match=f"^{field}:"):
        expand_grid(TINY, grid, "sw")


def test_presets_reproduce_the_report():
    base, grid = preset("hidden-units")
    assert grid["hidden"] == [(64, 64), (128, 128), (256, 256), (512, 512), (256, 512),
                              (512, 256)]
    assert (base.data, base.n, base.epochs) == ("xor-grid", 70, 2000)
    assert len(expand_grid(base, grid, "h")) == 6
    base, grid = preset("learning-rates")
    assert grid["lr"] == [1.0, 0.1, 0.01, 0.001]
    assert base.epochs == 2000
    base, grid = preset("linear-vs-xor")
    assert [c.data for c in expand_grid(base, grid, "lx")] == ["linear", "xor-grid"]
    assert set(PRESETS) == {"hidden-units", "learning-rates", "linear-vs-xor"}


def test_unique_sweep_name_skips_taken_names(runs_root):
    (runs_root / "sw-1").mkdir(parents=True)
    assert unique_sweep_name(runs_root, "sw", 2) == "sw-2"
    assert unique_sweep_name(runs_root, "other", 2) == "other"


def _check_recorded(root, cfgs, sweep):
    rows = {r.name: r for r in list_runs(root)}
    for c in cfgs:
        row = rows[c.name]
        assert row.status == "finished", row
        assert row.sweep == sweep
        assert json.loads((root / c.name / "config.json").read_text())["sweep"] == sweep


@pytest.mark.parametrize("kind", ["process", "thread"])
def test_small_sweep_end_to_end(runs_root, kind):
    cfgs = expand_grid(TINY, {"hidden": ["3,3", "4,4"], "lr": [0.1, 0.05]}, "grid")
    runner = SweepRunner("grid", cfgs, runs_root)
    executor = local_executor(2) if kind == "process" else ThreadPoolExecutor(2)
    with executor:
        runner.submit(executor)
        members = runner.wait(timeout=120, interval=0.05)
    assert [m.status for m in members] == ["finished"] * 4
    assert all(m.epoch == 40 and m.loss is not None for m in members)
    _check_recorded(runs_root, cfgs, "grid")


@pytest.mark.parametrize("kind", ["process", "thread"])
def test_cancel_stops_running_members_and_keeps_what_finished(runs_root, kind):
    quick = expand_grid(TINY, {"lr": [0.1]}, "c")
    slow = TINY.with_changes(epochs=10**7, log_every=1000, hidden=(16, 16))
    cfgs = [quick[0], *expand_grid(slow, {"lr": [0.2, 0.3, 0.4]}, "c")]
    cfgs = [c.with_changes(name=f"c-{i}") for i, c in enumerate(cfgs, 1)]
    runner = SweepRunner("c", cfgs, runs_root)
    executor = local_executor(2) if kind == "process" else ThreadPoolExecutor(2)
    with executor:
        runner.submit(executor)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            states = {m.name: m.status for m in runner.poll()}
            if states["c-1"] == "finished" and states["c-2"] == "running":
                break
            time.sleep(0.05)
        runner.cancel()
        members = runner.wait(timeout=60, interval=0.05)
    status = {m.name: m.status for m in members}
    assert status["c-1"] == "finished"
    assert status["c-2"] == "stopped"
    assert status["c-3"] in ("stopped", "cancelled")
    assert status["c-4"] == "cancelled"
    summary = json.loads((runs_root / "c-2" / "summary.json").read_text())
    assert summary["status"] == "stopped"
    assert not (runs_root / "c-4").exists()
