"""Snapshots of the dashboard at deterministic moments: idle, and after a seeded run.

A fake clock makes the times on screen (elapsed, epochs/s, the time line) repeatable.
Update after an intended change with ``pytest --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

import pytest

from core.config import RunConfig
from core.train import kernels
from tests.tui.helpers import FakeClock, boundary_drawn, wait_for
from tui.app import create_app
from tui.widgets.run.pair import ScatterPair

XOR_RUN = RunConfig(data="xor", hidden=(8, 8), lr=0.5, epochs=600, log_every=100, seed=2,
                    name="snap")
SIZES = [(120, 40), (80, 24)]


@pytest.fixture(scope="module", autouse=True)
def _kernel_ready():
    kernels.ensure_compiled(lambda _m: None)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_idle_screen(snap_compare, size, runs_root):
    app = create_app(XOR_RUN, runs_dir=runs_root)

    async def ready(pilot):  # the kernel's background load has finished
        await wait_for(pilot, lambda: pilot.app.controller.warmup.done)
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_finished_seeded_run(snap_compare, size, runs_root):
    app = create_app(XOR_RUN, runs_dir=runs_root, timer=FakeClock())

    async def run_to_the_end(pilot):
        await pilot.press("s")
        c = pilot.app.controller
        await wait_for(pilot, lambda: c.status.value == "finished")
        pair = pilot.app.screen.query_one("#scatter", ScatterPair)
        await wait_for(pilot, lambda: boundary_drawn(pair, XOR_RUN.epochs))  # the last boundary
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=size, run_before=run_to_the_end)
