"""The Textual application and the one factory that builds it for the CLI, the tests
and the screenshot script alike."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

from textual.app import App
from textual.binding import Binding

from core.config import RunConfig
from tui.screens.dashboard import DashboardScreen

__all__ = ["BpTuiApp", "create_app"]


class BpTuiApp(App[int]):
    """bp-tui: watch a back-propagation network learn, tune it, compare runs."""

    CSS_PATH = "app.tcss"
    TITLE = "bp-tui"
    SUB_TITLE = "back-propagation, live"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit-ctrl"),
    ]

    def __init__(
        self,
        config: RunConfig | None = None,
        runs_dir: str | Path | None = None,
        record: bool = True,
        start: bool = False,
        fps: float = 8.0,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        super().__init__()
        self.timer = timer
        self.config = config or RunConfig()
        self.runs_dir = runs_dir
        self.record = record
        self.start_now = start
        self.fps = fps

    def on_mount(self) -> None:
        self.push_screen(
            DashboardScreen(
                self.config, self.runs_dir, self.record, self.start_now, self.fps, self.timer
            )
        )
        self._install_signal_handlers()

    def _install_signal_handlers(self) -> None:
        """SIGHUP (the SSH connection dropped) and SIGTERM stop the run cleanly and exit."""
        try:
            loop = __import__("asyncio").get_running_loop()
            for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
                if sig is not None:
                    loop.add_signal_handler(sig, self._on_hangup)
        except (RuntimeError, NotImplementedError, ValueError):
            pass

    def _on_hangup(self) -> None:
        self.stop_training()
        self.exit(0)

    def stop_training(self) -> None:
        """Ask every training worker to stop; its records are flushed as it ends."""
        for screen in self.screen_stack:
            if isinstance(screen, DashboardScreen):
                screen.stop_run()

    async def action_quit(self) -> None:
        """Stop the run (records flushed by the worker as it ends), then exit."""
        self.stop_training()
        self.exit(0)


def create_app(
    config: RunConfig | None = None,
    runs_dir: str | Path | None = None,
    record: bool = True,
    start: bool = False,
    fps: float = 8.0,
    timer: Callable[[], float] = time.perf_counter,
) -> BpTuiApp:
    """Build the app: the CLI, the tests and the screenshot script all come through here.

    ``timer`` measures training time; tests pass a fake one for deterministic screens.
    """
    return BpTuiApp(config, runs_dir=runs_dir, record=record, start=start, fps=fps,
                    timer=timer)
