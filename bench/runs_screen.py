"""How long the runs screen takes to show its first page and all rows over N runs.

Generates 500 fake run directories in a temporary folder (config.json, summary.json,
a 20-line metrics.jsonl), then times mounting the runs screen with ``run_test`` until
its table holds the first page, then every row. Usage:
``.venv/bin/python bench/runs_screen.py [N=500]``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui.app import create_app


def make_runs(root: Path, n: int) -> None:
    """Write ``n`` small finished runs under ``root``."""
    for i in range(n):
        d = root / f"run-{i:04d}"
        d.mkdir(parents=True)
        cfg = {"data": "xor-grid", "hidden": [64, 64], "activation": "sigmoid",
               "optimizer": "sgd", "lr": 0.1, "epochs": 2000, "name": d.name,
               "created": f"2020-04-01T10:{i % 60:02d}:00+08:00"}
        (d / "config.json").write_text(json.dumps(cfg))
        (d / "summary.json").write_text(json.dumps(
            {"status": "finished", "epoch": 2000, "loss": 1.5, "soft_acc": 92.0, "acc": 95.0,
             "duration": 7.1, "lr": 0.1, "pid": 1}))
        (d / "metrics.jsonl").write_text("".join(
            json.dumps({"epoch": e * 100, "loss": 30 / (e + 1), "soft_acc": 50 + e,
                        "acc": 50 + e, "lr": 0.1, "wall": e * 0.3}) + "\n" for e in range(20)))


def _rows(app) -> int:
    try:
        return app.screen.table.row_count
    except Exception:  # not the runs screen yet, or not composed yet
        return -1


async def time_open(root: Path, n: int) -> tuple[float, float, float]:
    """(app start with the dashboard, then opening the runs screen until it shows its
    first page (the newest 100 runs), then until it shows all n rows)."""
    start = time.perf_counter()
    app = create_app(runs_dir=root)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        started = time.perf_counter() - start
        t0 = time.perf_counter()
        app.action_runs()
        while _rows(app) < min(n, 100):
            await pilot.pause(0.005)
        first = time.perf_counter() - t0
        while _rows(app) < n:
            await pilot.pause(0.005)
        return started, first, time.perf_counter() - t0


def main() -> None:
    """Generate, time three openings, print the best and the worst, and the load."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_runs(root, n)
        results = [asyncio.run(time_open(root, n)) for _ in range(3)]
    firsts, alls = [r[1] for r in results], [r[2] for r in results]
    print(f"runs screen with {n} runs: first page in {min(firsts):.3f} s best, "
          f"{max(firsts):.3f} s worst; all rows in {min(alls):.3f} s best, {max(alls):.3f} s "
          f"worst (of 3); the app itself started in {min(r[0] for r in results):.3f} s")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
