"""Regenerate screenshots/*.svg from the real app (never drawn by hand).

Every screen comes from ``create_app(...)`` driven by ``app.run_test(size=...)`` and saved
with ``app.save_screenshot``. Runs are seeded, named and recorded into a temporary runs
directory. The training clock is the real one: the status line's epochs/s and times are
what this machine does (a fake clock gave every run an impossible 62,500 ep/s), so they
and the mid-run screens' epoch differ a little from one regeneration to the next.

    .venv/bin/python scripts/screenshots.py [--out screenshots] [--only NAME ...] [--png]

``--png`` also converts each SVG with ``rsvg-convert`` (if installed) for a quick look.
Last, ``scripts/figures.py`` draws the README's figure examples (``--only figures``).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.config import RunConfig  # noqa: E402
from tests.tui.helpers import wait_for  # noqa: E402
from tui.app import create_app  # noqa: E402

WIDE, SMALL = (120, 40), (80, 24)
LINEAR = RunConfig(data="linear", hidden=(64, 64), lr=0.1, epochs=2000, seed=1,
                   name="linear-64x64")
XOR = RunConfig(data="xor-grid", hidden=(64, 64), lr=0.1, epochs=2000, seed=1,
                name="xor-grid-64x64")
CIRCLE = RunConfig(data="circle", hidden=(16, 16), lr=0.5, epochs=3000, seed=1,
                   name="circle-16x16")
MID = LINEAR.with_changes(epochs=20000, name="linear-64x64-long")
MID_EPOCHS = 600  # the mid-run screen pauses once this many epochs (of MID's 20000) ran


@dataclass
class Shot:
    name: str
    size: tuple[int, int]
    config: RunConfig = field(default_factory=RunConfig)
    mode: str = "idle"  # idle | mid | finished | runs | overlay | sweep
    title: str = ""
    keys: tuple[str, ...] = ()  # pressed before the picture is taken


def _dash(name: str, size: tuple[int, int], config: RunConfig, mode: str, what: str,
          keys: tuple[str, ...] = ()) -> Shot:
    return Shot(name, size, config, mode, f"bp-tui: {what} ({size[0]}×{size[1]})", keys)


_XOR = "xor-grid, (64,64), lr 0.1, 2000 epochs"
_LIN = "linear, (64,64), lr 0.1, 2000 epochs"
SHOTS = [
    _dash("idle-120x40", WIDE, LINEAR.with_changes(name=None), "idle", "ready"),
    _dash("midrun-120x40", WIDE, MID, "mid", "a run paused partway"),
    _dash("finished-linear-120x40", WIDE, LINEAR, "finished", _LIN),
    _dash("finished-xor-120x40", WIDE, XOR, "finished", _XOR),
    _dash("continuous-xor-120x40", WIDE, XOR, "finished", f"{_XOR}, continuous ŷ", ("b",)),
    _dash("scatter-xor-120x40", WIDE, XOR, "finished", f"{_XOR}, the report's scatter",
          ("b", "b")),
    _dash("finished-circle-120x40", WIDE, CIRCLE, "finished",
          "circle, (16,16), lr 0.5, 3000 epochs"),
    _dash("inspect-network-120x40", WIDE, CIRCLE.with_changes(name="circle-16x16-2"),
          "finished", "inspect, the network and its hidden units", ("i", "7")),
    _dash("inspect-backprop-120x40", WIDE, LINEAR.with_changes(name="linear-64x64-2"),
          "finished", "inspect, back-propagation of point 61 (misclassified)",
          ("i", "8", "g", "6", "1", "enter")),
    _dash("idle-80x24", SMALL, LINEAR.with_changes(name=None), "idle", "ready"),
    _dash("midrun-80x24", SMALL, MID.with_changes(name="linear-64x64-long-2"), "mid",
          "a run paused partway"),
    _dash("finished-linear-80x24", SMALL, LINEAR, "finished", _LIN),
    _dash("finished-xor-80x24", SMALL, XOR, "finished", _XOR),
    _dash("zoom-xor-80x24", SMALL, XOR.with_changes(name="xor-grid-64x64-2"), "finished",
          f"{_XOR}, z z z: the prediction alone", ("z", "z", "z")),
    Shot("runs-120x40", WIDE, mode="runs", title="bp-tui: the runs screen (120×40)"),
    Shot("overlay-120x40", WIDE, mode="overlay", title="bp-tui: three runs overlaid (120×40)"),
    Shot("sweep-120x40", WIDE, mode="sweep", title="bp-tui: the sweep screen (120×40)"),
]
"""Every screenshot, in the order taken: the runs, overlay and sweep shots list the runs
the dashboard shots recorded."""

until = functools.partial(wait_for, timeout=120.0)
"""Wait for the app as the tests do, but patiently: a screenshot run may share its cores."""


async def _dashboard(pilot, shot: Shot) -> None:
    app = pilot.app
    c = app.controller
    await until(pilot, lambda: c.warmup is None or c.warmup.done)
    if shot.mode == "mid":
        await pilot.press("s")
        await until(pilot, lambda: c.state.epoch >= MID_EPOCHS)
        await pilot.press("space")
        await until(pilot, lambda: c.status.value == "paused")
    elif shot.mode == "finished":
        await pilot.press("s")
        await until(pilot, lambda: c.status.value == "finished")
    if shot.mode != "idle":  # the analyst's boundary of the last epoch, drawn
        await until(pilot, lambda: c.views is not None and c.views.boundary is not None
                    and c.views.epoch == c.state.epoch)
    await pilot.press(*shot.keys)
    if "8" in shot.keys:  # the chosen point's back-propagation, computed and drawn
        from tui.widgets.inspect.backprop import BackpropView

        view = app.screen.query_one(BackpropView)
        await until(pilot, lambda: bool(view.lines) and view.picker._boundary is not None)
    await pilot.pause(2.0 if "i" in shot.keys else 1.2)


async def _runs(pilot, shot: Shot) -> None:
    await pilot.pause(0.5)
    if shot.mode == "overlay":
        await pilot.press("space", "down", "space", "down", "space", "o")
    elif shot.mode == "sweep":  # the default 2×2 grid, partway: settings, live epochs
        await pilot.press("w")
        await pilot.pause(0.5)
        pilot.app.screen.query_one("#sweep-epochs").value = "40000"  # long enough to catch
        await pilot.press("ctrl+s")
        await pilot.pause(3.0)
    await pilot.pause(1.0)


async def take(shot: Shot, out: Path, runs: Path) -> Path:
    dashboard = shot.mode in ("idle", "mid", "finished")
    app = create_app(shot.config if dashboard else None, runs_dir=runs,
                     open_runs=not dashboard)
    async with app.run_test(size=shot.size) as pilot:
        await (_dashboard if dashboard else _runs)(pilot, shot)
        app.clear_notifications()
        await pilot.pause(0.2)
        path = Path(app.save_screenshot(f"{shot.name}.svg", str(out)))
        if shot.mode == "sweep":
            await pilot.press("ctrl+x")
            await pilot.pause(1.0)
        if dashboard and app.controller.running:
            app.controller.stop()
            await until(pilot, lambda: not app.controller.running)
    _retitle(path, shot.title)
    return path


def _retitle(path: Path, title: str) -> None:
    """Textual titles the window after the app; name the screen instead."""
    if not title:
        return
    text = path.read_text(encoding="utf-8")
    marker = 'class="terminal-title">'
    start = text.find(marker)
    if start < 0:
        return
    start += len(marker)
    end = text.find("<", start)
    path.write_text(text[:start] + title + text[end:], encoding="utf-8")


def to_png(svg: Path) -> Path | None:
    exe = shutil.which("rsvg-convert")
    if exe is None:
        return None
    png = svg.with_suffix(".png")
    subprocess.run([exe, "-o", str(png), str(svg)], check=True)
    return png


async def main_async(args: argparse.Namespace) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    shots = [s for s in SHOTS if not args.only or s.name in args.only]
    with tempfile.TemporaryDirectory(prefix="bp-tui-shots-") as tmp:
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")  # your theme stays yours
        for shot in shots:
            path = await take(shot, out, Path(tmp) / "runs")
            print(path)
            if args.png:
                png = to_png(path)
                print(png if png else "rsvg-convert not found: no PNG")
    if not args.only or "figures" in args.only:  # the README's matplotlib figures
        from scripts.figures import make_figures

        for path in make_figures(out):
            print(path)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "screenshots"))
    ap.add_argument("--only", nargs="*", default=None, metavar="NAME",
                    help=f"only these: {', '.join(s.name for s in SHOTS)}, figures")
    ap.add_argument("--png", action="store_true", help="also write PNGs (rsvg-convert)")
    return asyncio.run(main_async(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
