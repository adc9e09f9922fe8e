"""Regenerate screenshots/*.svg from the real app (never drawn by hand).

Every screen comes from ``create_app(...)`` driven by ``app.run_test(size=...)`` and saved
with ``app.save_screenshot``. Runs are seeded, named and recorded into a temporary runs
directory; the training clock is a fake one, so the times and epochs/s on the status line
are the same on every machine.

    .venv/bin/python scripts/screenshots.py [--out screenshots] [--only NAME ...] [--png]

``--png`` also converts each SVG with ``rsvg-convert`` (if installed) for a quick look.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.config import RunConfig  # noqa: E402
from tui.app import create_app  # noqa: E402
from tui.screens.dashboard import DashboardScreen  # noqa: E402

WIDE, SMALL = (120, 40), (80, 24)
LINEAR = RunConfig(data="linear", hidden=(64, 64), lr=0.1, epochs=2000, seed=1,
                   name="linear-64x64")
XOR = RunConfig(data="xor-grid", hidden=(64, 64), lr=0.1, epochs=2000, seed=1,
                name="xor-grid-64x64")
MID_EPOCHS = 600  # the mid-run screen holds after this many epochs (of LINEAR's 2000)


class FakeClock:
    """Advances 2 ms per call: every run "takes" the same time everywhere."""

    def __init__(self, tick: float = 0.002) -> None:
        self.t = 0.0
        self.tick = tick

    def __call__(self) -> float:
        self.t += self.tick
        return self.t


@dataclass
class Shot:
    name: str
    size: tuple[int, int]
    config: RunConfig = field(default_factory=RunConfig)
    mode: str = "idle"  # idle | mid | finished
    title: str = ""


SHOTS = [
    Shot("idle-120x40", WIDE, LINEAR.with_changes(name=None), "idle",
         "bp-tui: ready (120×40)"),
    Shot("midrun-120x40", WIDE, LINEAR, "mid", "bp-tui: a run paused partway (120×40)"),
    Shot("finished-linear-120x40", WIDE, LINEAR, "finished",
         "bp-tui: linear, (64,64), lr 0.1, 2000 epochs (120×40)"),
    Shot("finished-xor-120x40", WIDE, XOR, "finished",
         "bp-tui: xor-grid, (64,64), lr 0.1, 2000 epochs (120×40)"),
    Shot("idle-80x24", SMALL, LINEAR.with_changes(name=None), "idle", "bp-tui: ready (80×24)"),
    Shot("finished-linear-80x24", SMALL, LINEAR, "finished",
         "bp-tui: linear, (64,64), lr 0.1, 2000 epochs (80×24)"),
    Shot("finished-xor-80x24", SMALL, XOR, "finished",
         "bp-tui: xor-grid, (64,64), lr 0.1, 2000 epochs (80×24)"),
]


async def until(pilot, predicate: Callable[[], bool], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.05)


async def take(shot: Shot, out: Path, runs: Path) -> Path:
    app = create_app(shot.config, runs_dir=runs / shot.name, timer=FakeClock())
    async with app.run_test(size=shot.size) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await pilot.pause(0.3)
        if shot.mode == "mid":
            screen.action_start()
            # Hold after exactly MID_EPOCHS epochs: step() pauses and counts them down.
            screen.controls.step(MID_EPOCHS)
            await until(pilot, lambda: screen._last_progress is not None
                        and screen._last_progress.epoch == MID_EPOCHS
                        and screen.state == "paused")
        elif shot.mode == "finished":
            screen.action_start()
            await until(pilot, lambda: screen.state == "finished")
        await pilot.pause(0.5)  # a few frames: everything drawn
        app.clear_notifications()
        await pilot.pause(0.2)
        path = Path(app.save_screenshot(f"{shot.name}.svg", str(out)))
        # Close without waiting on a held run: stop it, then quit.
        screen.stop_run()
        await pilot.press("ctrl+q")
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
        for shot in shots:
            path = await take(shot, out, Path(tmp))
            print(path)
            if args.png:
                png = to_png(path)
                print(png if png else "rsvg-convert not found: no PNG")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "screenshots"))
    ap.add_argument("--only", nargs="*", default=None, metavar="NAME",
                    help=f"only these: {', '.join(s.name for s in SHOTS)}")
    ap.add_argument("--png", action="store_true", help="also write PNGs (rsvg-convert)")
    return asyncio.run(main_async(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
