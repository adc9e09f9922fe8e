"""The Textual application and the one factory that builds it for the CLI, the tests
and the screenshot script alike."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from core.config import RunConfig
from core.train.warmup import KernelWarmup
from tui.live.controller import ControllerError, RunController
from tui.process import EXIT_HUNG_UP, EXIT_OK, UiGuard, signal_status
from tui.screens.dashboard import DashboardScreen
from tui.settings import load_settings, save_settings

__all__ = ["BpTuiApp", "create_app"]

HELP_NOTES = """\
Letter keys act when the cursor is not in a text field; `enter` applies a field and
leaves it (it never starts a run: `s` does), `escape` leaves it (and closes the form
opened over the panels); `ctrl+s`, `ctrl+q` and `f1` work everywhere. A question
answers only to its own keys (`y` / `enter`, `escape`; quitting: `q`, `d`, `escape`):
any other key is not an answer, it says so. While a run
is going, `enter` in the Learn rate field applies the typed value to the running
network; changing any other setting asks whether to restart with it. A click on a point
of the prediction panel (or `i`, `8`, `g` and its index) shows that point's
back-propagation. Runs are recorded under `$BP_TUI_RUNS` (default
`~/.local/share/bp-tui/runs`).
"""


class BpTuiApp(App[int]):
    """bp-tui: watch a back-propagation network learn, tune it, compare runs."""

    CSS_PATH = "app.tcss"
    TITLE = "bp-tui"
    SUB_TITLE = "back-propagation, live"
    BINDINGS = [
        Binding("q", "quit", "Quit", show=False, id="app.quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit-ctrl"),
        Binding("R", "runs", "Runs", id="app.runs"),
        Binding("ctrl+z", "suspend", "Suspend", show=False, priority=True, id="app.suspend"),
    ]

    def __init__(self, controller: RunController, fps: float = 8.0, start: bool = False,
                 open_runs: bool = False, title: str = "") -> None:
        super().__init__()
        self.controller = controller
        self.fps, self.start_now, self.open_runs, self.title_text = fps, start, open_runs, title
        self.detached = False  # left with the run training on (d, or a hangup)
        self.hung_up = False
        self.prefs, self.prefs_note = load_settings()
        self._guard: UiGuard | None = None

    def on_mount(self) -> None:
        if self.prefs.theme in self.available_themes:
            self.theme = self.prefs.theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.prefs_note:
            self.notify(self.prefs_note, severity="warning")
        self.push_screen(DashboardScreen(self.controller, self.fps, self.start_now,
                                         self.title_text))
        self._install_signal_handlers()
        if self.open_runs:
            self.action_runs()

    def notify(self, message: str, *, title: str = "", severity="information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Toasts are plain text, always: run names, paths and file contents in them
        must never be read as markup (a "[/]" would end the app)."""
        super().notify(message, title=title, severity=severity, timeout=timeout,
                       markup=False)

    # ------------------------------------------------------------ preferences
    def remember(self, **changes: str) -> None:
        """Keep a preference (theme, picture) for the next launch, in the settings file
        (``tui.settings``); a failure to write it is one line, never an error."""
        prefs = self.prefs.with_changes(**changes)
        if prefs == self.prefs:
            return
        self.prefs = prefs
        note = save_settings(prefs)
        if note:
            self.notify(note, severity="warning")

    def _theme_changed(self, theme) -> None:
        self.remember(theme=theme.name)

    # ------------------------------------------------------------ leaving
    def get_driver_class(self) -> type:
        """Textual's Linux driver with the work-around for a hang on a dead terminal
        (``tui.driver.GuardedLinuxDriver``); Textual's choice elsewhere."""
        from textual import constants

        if constants.DRIVER is None and sys.platform.startswith("linux"):
            from tui.driver import GuardedLinuxDriver

            return GuardedLinuxDriver
        return super().get_driver_class()

    def guard(self) -> UiGuard:
        """The process guard for ``App.run`` (the CLI's ``run_app``): SIGHUP, SIGTERM
        and SIGINT reach ``_on_signal`` whatever the main thread is doing."""
        self._guard = UiGuard(self, self._on_signal, self._leave_plan)
        return self._guard

    def _install_signal_handlers(self) -> None:
        if self._guard is not None:
            self._guard.install(asyncio.get_running_loop())

    def _leave_plan(self, signum: int) -> tuple[int, Callable[[], object]]:
        """The exit status after ``signum``, and what the watchdog does before forcing
        it: a hangup lets this process's run train to its end (status 0; 129 when there
        is no run of its own); SIGTERM and SIGINT stop the run and wait for its records.
        Called in a signal handler: it only reads."""
        c = self.controller
        host = c.host if c.owns_run else None
        if signum == signal.SIGHUP:
            if host is None:
                return EXIT_HUNG_UP, lambda: None
            return EXIT_OK, host.join

        def stop() -> None:
            if host is not None:
                host.controls.stop()
                host.join(5.0)

        return signal_status(signum), stop

    def _on_signal(self, signum: int) -> None:
        """On the event loop, after the guard saw ``signum``: a hangup leaves the UI
        with this process's run training on, detached; SIGTERM/SIGINT stop it cleanly.
        Either way the app leaves with the status of ``_leave_plan``."""
        if signum == signal.SIGHUP:
            self.hung_up = True
            if self.controller.owns_run:
                self.detached = True
        else:
            self._stop_run()
        self.exit(return_code=self._leave_plan(signum)[0])

    def _stop_run(self, timeout: float = 5.0) -> None:
        """Stop a run this process trains and wait (bounded) for its records."""
        c = self.controller
        if c.owns_run:
            with contextlib.suppress(ControllerError):
                c.stop()
            c.host.join(timeout)

    def detach(self) -> None:
        """Leave the UI with this process's run training on (``bp-tui attach`` shows it
        again from any terminal)."""
        c = self.controller
        if not c.owns_run:
            self.notify("Nothing to detach: no run of this dashboard is going.", markup=False)
            return
        if c.run_dir is None:
            self.notify("This run is not recorded (--no-record): nobody could attach to "
                        "it. Stop it (x) or keep watching.", severity="warning", markup=False)
            return
        self.detached = True
        self.exit(0)

    def action_suspend(self) -> None:
        """Suspend bp-tui to the shell, as any terminal program (`fg` brings it back;
        the whole process waits meanwhile, a run it trains too: `d` leaves that training)."""
        from tui.process import has_job_control

        if not has_job_control():
            self.notify("Ctrl-Z: no job-control shell started bp-tui, so nothing could bring "
                        "it back. Press d to leave a run training, q to quit.",
                        severity="warning")
            return
        self.action_suspend_process()

    async def action_quit(self) -> None:
        """Quit; a run this dashboard trains is stopped, or left running if you say so."""
        if not self.controller.owns_run:
            self.exit(0)
            return
        from tui.screens.dialogs import ChoiceScreen

        def answer(choice: str | None) -> None:
            if choice == "stop":
                self._stop_run()
                self.exit(0)
            elif choice == "leave":
                self.detach()

        self.push_screen(ChoiceScreen(
            f"Run {self.controller.state.run_name} is training. Stop it, or leave it "
            "running (bp-tui attach brings it back)?",
            [("stop", "Stop it", "q"), ("leave", "Leave it running", "d"),
             ("cancel", "Cancel", "escape")], default="cancel", destructive="stop"), answer)

    # ------------------------------------------------------------ help and palette
    def show_help(self, current: type) -> None:
        """The help screen, generated from every screen's bindings (``current`` first)."""
        from tui.screens.help import HelpScreen
        from tui.screens.inspection import InspectScreen
        from tui.screens.overlay import OverlayScreen
        from tui.screens.runs import RunsScreen
        from tui.screens.sweep import SweepScreen
        from tui.widgets.inspect.backprop import BackpropView

        sections = [("Dashboard", DashboardScreen), ("Inspect", InspectScreen),
                    ("Inspect · Backprop tab", BackpropView),
                    ("Runs", RunsScreen), ("Overlay", OverlayScreen),
                    ("Sweeps", SweepScreen), ("Everywhere", type(self))]
        first = (InspectScreen, BackpropView) if current is InspectScreen else (current,)
        sections.sort(key=lambda s: s[1] not in first)
        self.push_screen(HelpScreen(sections, HELP_NOTES))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette offers every key action of the focused view (when it has its own,
        as the Backprop tab does), the current screen and the app, with its key and its
        docstring, besides Textual's own commands (themes, quit…)."""
        yield from super().get_system_commands(screen)
        seen: set[str] = {"quit"}  # Textual's own Quit command calls our action_quit
        focused = [w for w in screen.focused.ancestors_with_self  # an inspect view's own keys
                   if type(w).__module__.startswith("tui.widgets.inspect")
                   and "BINDINGS" in vars(type(w))][:1] if screen.focused else []
        for node in (*focused, screen, self):
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
            self.push_screen(RunsScreen(self.controller.runs_dir))


def create_app(
    config: RunConfig | None = None,
    runs_dir: str | Path | None = None,
    record: bool = True,
    start: bool = False,
    fps: float = 8.0,
    timer: Callable[[], float] = time.perf_counter,
    open_runs: bool = False,
    link=None,
    warm: bool = True,
) -> BpTuiApp:
    """Build the app: the CLI, the tests and the screenshot script all come through here.

    ``timer`` measures training time (tests pass a fake one for deterministic screens);
    ``open_runs`` opens onto the runs screen (``bp-tui runs``); ``link`` shows another
    process's run or a run's files (``bp-tui attach``, ``watch``, the runs screen's
    open); ``warm`` compiles or loads the kernel in the background at once.
    """
    warmup = KernelWarmup().start() if warm and link is None else None
    controller = RunController(config or RunConfig(), runs_dir, record, timer, warmup)
    title = ""
    if link is not None:
        controller.attach(link)
        title = f"{link.run_dir.name} · " + ("read-only: " + link.reason if link.read_only
                                             else "attached")
    return BpTuiApp(controller, fps=fps, start=start, open_runs=open_runs, title=title)
