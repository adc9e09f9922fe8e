"""The Textual application and the one factory that builds it for the CLI, the tests
and the screenshot script alike."""

from __future__ import annotations

import os
import signal
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
    ) -> None:
        super().__init__()
        self.config = config or RunConfig()
        self.runs_dir = runs_dir
        self.record = record
        self.start_now = start
        self.fps = fps

    def on_mount(self) -> None:
        if "COLORTERM" not in os.environ and "NO_COLOR" not in os.environ:
            # Over SSH COLORTERM is usually unset: Textual then maps the theme to the
            # 256-colour palette itself, which it does well; nothing else to do.
            pass
        self.push_screen(
            DashboardScreen(self.config, self.runs_dir, self.record, self.start_now, self.fps)
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
) -> BpTuiApp:
    """Build the app: the CLI, the tests and the screenshot script all come through here."""
    return BpTuiApp(config, runs_dir=runs_dir, record=record, start=start, fps=fps)
