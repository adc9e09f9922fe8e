"""The Textual application and the one factory that builds it for the CLI, the tests
and the screenshot script alike."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from core.config import RunConfig
from tui.screens.dashboard import DashboardScreen

__all__ = ["BpTuiApp", "create_app"]


class BpTuiApp(App[int]):
    """bp-tui: watch a back-propagation network learn, tune it, compare runs."""

    CSS_PATH = "app.tcss"
    TITLE = "bp-tui"
    SUB_TITLE = "back-propagation, live"
    BINDINGS = [
        Binding("q", "quit", "Quit", show=False, id="app.quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit-ctrl"),
        Binding("R", "runs", "Runs", id="app.runs"),
    ]

    def __init__(
        self,
        config: RunConfig | None = None,
        runs_dir: str | Path | None = None,
        record: bool = True,
        start: bool = False,
        fps: float = 8.0,
        timer: Callable[[], float] = time.perf_counter,
        open_runs: bool = False,
        watch: str | Path | None = None,
    ) -> None:
        super().__init__()
        self.timer = timer
        self.open_runs = open_runs
        self.watch = watch
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
        if self.open_runs or self.watch is not None:
            self.action_runs()
        if self.watch is not None:
            from tui.screens.run_view import RunViewScreen

            self.push_screen(RunViewScreen(self.watch))

    def _install_signal_handlers(self) -> None:
        """SIGHUP (the SSH connection dropped) and SIGTERM stop the run cleanly and exit."""
        try:
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGTERM, self._on_terminate)
            if hasattr(signal, "SIGHUP"):
                loop.add_signal_handler(signal.SIGHUP, self._on_hangup)
        except (RuntimeError, NotImplementedError, ValueError):
            pass

    def _flush_runs(self, timeout: float = 5.0) -> None:
        """Stop training and wait (bounded) until the worker has flushed its records."""
        self.stop_training()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(
            s.session is not None and s.session.status == "running"
            for s in self.screen_stack
            if isinstance(s, DashboardScreen)
        ):
            time.sleep(0.02)

    def _on_hangup(self) -> None:
        """The terminal is gone: flush the run, then leave at once. A normal shutdown
        would try to restore a terminal that no longer exists, and could hang."""
        self._flush_runs()
        os._exit(0)

    def _on_terminate(self) -> None:
        """SIGTERM: flush the run, restore the terminal, exit (forced after 10 s)."""
        self._flush_runs()
        watchdog = threading.Timer(10.0, os._exit, args=(0,))
        watchdog.daemon = True
        watchdog.start()
        self.exit(0)

    def stop_training(self) -> None:
        """Ask every training worker to stop; its records are flushed as it ends."""
        for screen in self.screen_stack:
            if isinstance(screen, DashboardScreen):
                screen.stop_run()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette offers every key action of the current screen and the app, with
        its key and its docstring, besides Textual's own commands (themes, quit…)."""
        yield from super().get_system_commands(screen)
        seen: set[str] = {"quit"}  # Textual's own Quit command calls our action_quit
        for node in (screen, self):
            for binding in node.BINDINGS:
                if not isinstance(binding, Binding) or binding.action in seen:
                    continue
                seen.add(binding.action)
                name = binding.action.split("(")[0]
                method = getattr(node, f"action_{name}", None)
                lines = (method.__doc__ or "").strip().splitlines() if method else []
                yield SystemCommand(
                    f"{binding.description or name} [{self._first_key(binding)}]",
                    binding.tooltip or (lines[0] if lines else binding.description),
                    partial(node.run_action, binding.action),
                )

    def _first_key(self, binding: Binding) -> str:
        """How the first of a binding's keys is shown (e.g. "?" for question_mark)."""
        return self.get_key_display(replace(binding, key=binding.key.split(",")[0]))

    def action_runs(self) -> None:
        """Open the runs screen (every recorded run), unless it is already shown."""
        from tui.screens.runs import RunsScreen

        if not isinstance(self.screen, RunsScreen):
            self.push_screen(RunsScreen(self.runs_dir))

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
    open_runs: bool = False,
    watch: str | Path | None = None,
) -> BpTuiApp:
    """Build the app: the CLI, the tests and the screenshot script all come through here.

    ``timer`` measures training time; tests pass a fake one for deterministic screens.
    ``open_runs`` opens straight onto the runs screen (``bp-tui runs``); ``watch`` (a run
    directory) onto that run's live view, above the runs screen (``bp-tui watch``).
    """
    return BpTuiApp(config, runs_dir=runs_dir, record=record, start=start, fps=fps,
                    timer=timer, open_runs=open_runs, watch=watch)
