"""Training throughput with each inspect view open vs closed, side by side in one run.

    .venv/bin/python bench/views.py [--seconds 3] [--hidden 64 64] [--size 120x40]

Starts one long run (linear, n=100, per-point SGD, the default compiled backend) in the
real app (headless, rendering included), then alternates windows of ``--seconds``:
dashboard only ("closed"), then the inspect screen on one tab ("open"), for every tab.
Each open window is compared with the mean of the closed windows just before and after
it, so drift (CPU boost, caches) cancels. Prints epochs/s per window and the slowdown.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.config import RunConfig
from core.train import kernels
from tui.app import create_app
from tui.screens.inspection import TABS, InspectScreen


def _epoch(dash) -> int:
    """The run's epoch as its journal says (what the host published last)."""
    host = dash.controller.host
    return host.state.epoch if host is not None else 0


async def _window(pilot, dash, seconds: float) -> float:
    """Epochs per second over ``seconds`` of wall time, the UI running meanwhile."""
    e0, t0 = _epoch(dash), time.perf_counter()
    await pilot.pause(seconds)
    e1, t1 = _epoch(dash), time.perf_counter()
    return (e1 - e0) / (t1 - t0)


async def bench(seconds: float, hidden: tuple[int, ...], size: tuple[int, int]) -> None:
    kernels.ensure_compiled(lambda _m: None)
    config = RunConfig(data="linear", hidden=hidden, lr=0.001, epochs=10**8,
                       log_every=1000, seed=1)
    app = create_app(config, record=False)
    async with app.run_test(size=size) as pilot:
        dash = app.screen
        dash.action_start()
        while _epoch(dash) == 0:
            await pilot.pause(0.05)
        await _window(pilot, dash, seconds)  # warm-up
        closed = [await _window(pilot, dash, seconds)]
        rows = []
        for k, tab in enumerate(TABS):
            await pilot.press("i")
            await pilot.pause()
            assert isinstance(app.screen, InspectScreen)
            await pilot.press(str(k + 1))
            if tab == "test":
                await pilot.press("d")
            await pilot.pause(0.3)
            opened = await _window(pilot, dash, seconds)
            await pilot.press("escape")
            await pilot.pause(0.3)
            closed.append(await _window(pilot, dash, seconds))
            base = (closed[-2] + closed[-1]) / 2
            rows.append((tab, base, opened, 100.0 * (opened / base - 1.0)))
        host = dash.controller.host
        backend = host.session.backend
        computed = host.analyst.computed
        dash.controller.stop()
        host.join(30)
    print(f"hidden {hidden}, terminal {size[0]}×{size[1]}, {seconds:g} s windows, "
          f"backend {backend}; the analyst computed views {computed} times")
    print(f"{'view':<12} {'closed ep/s':>12} {'open ep/s':>12} {'change':>8}")
    for tab, base, opened, change in rows:
        print(f"{tab:<12} {base:12.1f} {opened:12.1f} {change:+7.1f}%")
    worst = min(r[3] for r in rows)
    print(f"worst slowdown: {-worst:.1f}% (budget 5%)")


def main() -> None:
    """Parse the flags and run the benchmark."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--hidden", type=int, nargs="+", default=[64, 64])
    p.add_argument("--size", default="120x40")
    args = p.parse_args()
    w, h = (int(v) for v in args.size.lower().split("x"))
    asyncio.run(bench(args.seconds, tuple(args.hidden), (w, h)))


if __name__ == "__main__":
    main()
