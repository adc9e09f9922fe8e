"""``bp-tui serve`` in headless Chromium (Debian's ``chromium``, driven by Playwright
with ``executable_path``): open the printed URL, type, watch the run train, take a
screenshot. Skipped, with the reason, where Playwright or Chromium cannot start
(``scripts/ci-long-setup.sh`` installs both).

The screen is read from the frames the page itself receives (Playwright's websocket
events) through pyte, sized by the page's own ``resize`` messages. With
``$BP_TUI_BROWSER_SHOT`` set, the screenshot is written there (the README's picture:
``scripts/browser-screenshot.sh``).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import time
from pathlib import Path

import pyte
import pytest

from tests.tui.web.serving import Forwarder, Served, alive

pytestmark = pytest.mark.long

CHROMIUM = os.environ.get("BP_TUI_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
PAINTED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
"""Resolves once the page has painted twice (xterm.js draws on animation frames)."""
RUN = ["--data", "xor-grid", "--hidden", "64,64", "--lr", "0.1", "--epochs", "3000",
       "--log-every", "250"]


class PageScreen:
    """What the page's terminal shows, rebuilt from the frames it receives."""

    def __init__(self) -> None:
        self.screen = pyte.Screen(80, 24)
        self.stream = pyte.ByteStream(self.screen)
        self.sent: list[str] = []

    def watch(self, ws) -> None:
        ws.on("framereceived", self._received)
        ws.on("framesent", self._sent)

    def _received(self, payload) -> None:
        if isinstance(payload, bytes):
            self.stream.feed(payload)

    def _sent(self, payload) -> None:
        self.sent.append(payload if isinstance(payload, str) else "")
        try:
            kind, data = json.loads(payload)[:2]
        except (ValueError, TypeError):
            return
        if kind == "resize":
            self.screen.resize(data["height"], data["width"])

    def text(self) -> str:
        return "\n".join(self.screen.display)

    async def wait_for(self, pattern: str, timeout: float = 90.0, gone: bool = False) -> None:
        """Wait until ``pattern`` shows (or, with ``gone``, no longer shows)."""
        deadline = time.monotonic() + timeout
        while (re.search(pattern, self.text()) is None) != gone:
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} never {'went' if gone else 'showed'}; "
                                     f"screen:\n{self.text()}")
            await asyncio.sleep(0.1)


async def _click(page, screen: PageScreen, text: str) -> None:
    """Click with the mouse on ``text`` where the page's terminal shows it."""
    box = await page.locator(".xterm-screen").bounding_box()
    row = next(i for i, line in enumerate(screen.screen.display) if text in line)
    col = screen.screen.display[row].index(text) + len(text) // 2
    width, height = box["width"] / screen.screen.columns, box["height"] / screen.screen.lines
    await page.mouse.click(box["x"] + (col + 0.5) * width, box["y"] + (row + 0.5) * height)


async def _browser(playwright):
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (scripts/ci-long-setup.sh installs it)")
    try:
        return await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
    except Exception as exc:  # Playwright's errors are plain exceptions
        pytest.skip(f"Chromium cannot start here: {str(exc).splitlines()[0]}")


async def _drive(page, screen: PageScreen, url: str, shot: Path) -> None:
    """Open the dashboard, open the palette, start the run, watch it end, take the
    picture, click the footer's Runs, shrink the window."""
    await page.goto(url + "&fontsize=15")
    assert await page.get_attribute("#terminal", "data-font-size") == "15"
    await screen.wait_for(r"Hyperparameters")
    assert screen.screen.columns > 100  # the page fitted the terminal to the window
    await page.click("#terminal")
    await page.keyboard.press("Control+p")  # the browser leaves it to the app
    await screen.wait_for(r"Search for commands")
    await page.keyboard.press("Escape")
    await screen.wait_for(r"Search for commands", gone=True)
    await page.keyboard.press("s")  # typed into the page: start the form's run
    await screen.wait_for(r"Epoch\s+250, loss: \d+\.\d{4}, accuracy")
    await screen.wait_for(r"Training finished", 120)
    await screen.wait_for(r"finished\W+epoch 3,000/3,000")
    await page.evaluate(PAINTED)
    await page.screenshot(path=str(shot))
    await _click(page, screen, "R Runs")  # the mouse: the footer's key opens the runs
    await screen.wait_for(r"1 of 1 runs .* sorted by date")
    await page.keyboard.press("Escape")
    await screen.wait_for(r"sorted by date", gone=True)
    await page.set_viewport_size({"width": 700, "height": 420})  # resizing
    await screen.wait_for(r"The terminal is too small for bp-tui")


async def test_the_dashboard_in_chromium_trains_a_run_typed_into_the_page(bp_tui_cmd, tmp_path,
                                                                           runs_root):
    playwright_api = pytest.importorskip("playwright.async_api",
                                         reason="Playwright is not installed")
    server = Served(bp_tui_cmd, [], RUN, tmp=tmp_path)
    shot = Path(os.environ.get("BP_TUI_BROWSER_SHOT") or tmp_path / "browser.png")
    port = int(server.base.rsplit(":", 1)[1].strip("/"))
    try:
        async with Forwarder(port) as forwarded, \
                playwright_api.async_playwright() as playwright:
            browser = await _browser(playwright)
            page = await browser.new_page(viewport={"width": 1400, "height": 900})
            screen = PageScreen()
            page.on("websocket", screen.watch)
            # behind `ssh -L`: the page is reached on a port the server never heard of
            await _drive(page, screen, f"http://localhost:{forwarded.port}/?token="
                                       f"{server.token}", shot)
            [pid] = server.tab_pids()
            await browser.close()  # the tab closes: its process leaves
        deadline = time.monotonic() + 15
        while alive(pid) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert not alive(pid)
    finally:
        server.stop()
    assert shot.stat().st_size > 20_000  # a picture, not a blank page
    [run] = [p for p in runs_root.iterdir() if not p.name.startswith(".")]
    assert json.loads((run / "summary.json").read_text())["status"] == "finished"
