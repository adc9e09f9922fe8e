"""The dashboard: form, live curves, ground truth vs prediction, the epoch log, status.

Training runs in one thread worker that only puts reports into a ``Mailbox``; a timer
pulls the newest state a few times a second and redraws what changed. The network is
never touched from the UI thread while it trains.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Log, Static
from textual.worker import Worker, WorkerState, get_current_worker

from core.config import ConfigError, RunConfig
from core.datasets import DataError
from core.train.controls import Controls
from core.train.history import History
from core.train.session import Session, SetupError, build_data, seeded_rngs
from tui.live.handoff import Mailbox
from tui.live.inspector import LiveInspector
from tui.screens.dashboard_actions import RunActions
from tui.widgets.run.curves import CurvesPanel
from tui.widgets.run.epoch_log import EpochLog
from tui.widgets.run.form import HyperForm
from tui.widgets.run.scatter import ScatterPair
from tui.widgets.run.status import RunStatus, StatusLine

__all__ = ["DashboardScreen"]

LIVE_FIELDS = ("lr",)  # applied to a running network without a restart
HEAVY_SECONDS = 0.5
"""While running, the curves, the log and the prediction redraw at most this often (the
status line every frame): they are most of the bytes sent to the terminal and of the UI
thread's time, which the training thread shares (bench/dashboard.py)."""


class DashboardScreen(RunActions, Screen):
    """One screen with everything a run needs."""

    HORIZONTAL_BREAKPOINTS = [(0, "-tiny"), (80, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-tiny-h"), (24, "-short"), (32, "-tall")]

    BINDINGS = [
        Binding("s", "start", "Start", id="run.start"),
        Binding("ctrl+s", "start", "Start", show=False, priority=True, id="run.start-ctrl"),
        Binding("p,space", "pause", "Pause", id="run.pause"),
        Binding("n", "step", "Step", show=False, id="run.step"),
        Binding("x", "stop", "Stop", id="run.stop"),
        Binding("r", "reset", "Reset", show=False, id="run.reset"),
        Binding("plus,equals_sign", "lr(2.0)", "lr×2", show=False, id="run.lr-up",
                tooltip="Double the learning rate (live from the next epoch)"),
        Binding("minus,underscore", "lr(0.5)", "lr÷2", show=False, id="run.lr-down",
                tooltip="Halve the learning rate (live from the next epoch)"),
        Binding("l", "toggle_log", "Log loss", show=False, id="view.log-loss"),
        Binding("y", "predictions", "Predictions", show=False, id="view.predictions"),
        Binding("f", "toggle_form", "Form", show=False, id="view.form"),
        Binding("i", "inspect", "Inspect", id="view.inspect"),
        Binding("question_mark,f1", "help", "Help", id="app.help"),
    ]

    class RunEnded(Message):
        """Posted by the worker when a run is over (once per run)."""

        def __init__(self, status: str, message: str) -> None:
            super().__init__()
            self.status = status
            self.message = message

    def __init__(
        self,
        config: RunConfig,
        runs_dir: str | Path | None = None,
        record: bool = True,
        start: bool = False,
        fps: float = 8.0,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        super().__init__()
        self.timer = timer
        self.config = config
        self.runs_dir = runs_dir
        self.record = record
        self.start_now = start
        self.fps = fps
        self.mailbox = Mailbox()
        self.history = History(cap=1000)
        self.controls: Controls | None = None
        self.session: Session | None = None
        self.run_config: RunConfig | None = None
        self.state = "ready"
        self.message = ""
        self.latest_yhat = None
        self.snapshot: tuple[int, dict] | None = None
        """The newest (epoch, weights copy) of the run, for views; None before a run."""
        self.inspector = LiveInspector()
        """Derived state for the inspect views and the plateau diagnosis."""
        self._diagnosis_shown = ""
        self._worker: Worker | None = None
        self._status_key: RunStatus | None = None
        self._last_progress = None
        self._pending_reset = False
        self._pending_restart: RunConfig | None = None
        self._pending_lines: list[str] = []
        self._pending_yhat = None
        self._curves_due = False
        self._heavy_at = 0.0

    # ------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="main"):
            with Vertical(id="side"):
                yield HyperForm(self.config, id="form")
                yield Static("", id="form-message")
            with Vertical(id="right"):
                yield CurvesPanel(acc_scale=1.0, id="curves")
                with Horizontal(id="bottom"):
                    yield ScatterPair(id="scatter")
                    yield EpochLog(id="log", max_lines=20_000, auto_scroll=True)
        yield StatusLine(id="status")
        yield Static(
            "The terminal is too small for bp-tui.\nMake it at least 80 columns × 24 rows.",
            id="too-small",
        )
        yield Footer()

    def on_mount(self) -> None:
        log = self.query_one("#log", Log)
        log.border_title = "Epoch log"
        log.can_focus = True
        self.query_one("#side").border_title = "Hyperparameters"
        self.show_data()
        self.set_interval(1.0 / self.fps, self.pull, name="frame")
        self.update_status()
        if self.start_now:
            self.call_after_refresh(self.action_start)

    @property
    def form(self) -> HyperForm:
        return self.query_one("#form", HyperForm)

    @property
    def running(self) -> bool:
        """True while a worker is training (or preparing)."""
        return self.state in ("preparing", "running", "paused")

    # ------------------------------------------------------------ the worker
    @work(thread=True, exclusive=True, group="train", name="train", exit_on_error=False)
    def train(self, config: RunConfig, controls: Controls) -> None:
        """Build the session and drive the trainer; only posts to the mailbox."""
        worker = get_current_worker()
        controls.link(worker.cancelled_event)
        try:
            session = Session(config, runs_root=self.runs_dir, record=self.record,
                              controls=controls, notify=self.mailbox.note, timer=self.timer)
        except SetupError as exc:
            self.post_message(self.RunEnded("error", str(exc)))
            return
        self.session = session
        status, message = "stopped", ""
        try:
            for p in session.iterate():
                self.mailbox.put(p)
                if p.done or self.mailbox.snapshot_due() or controls.paused:
                    self.mailbox.put_snapshot(p.epoch, session.net.copy_params())
                if p.done:
                    status, message = p.status, p.message
        except Exception as exc:  # a bug, not the user's mistake: keep the app alive
            status, message = "error", f"training failed: {exc!r}"
            if session.status == "running":
                session.finish("stopped", message)
        self.post_message(self.RunEnded(status, message))

    def launch(self, config: RunConfig) -> None:
        """Start a new run with ``config`` (the previous one must be over)."""
        self.run_config = config
        self.history.clear()
        self.latest_yhat = None
        self.snapshot = None
        self.inspector.reset()
        self._diagnosis_shown = ""
        self.query_one("#curves", CurvesPanel).set_test_history(None)
        self.query_one("#scatter", ScatterPair).set_prediction(None)
        log = self.query_one("#log", Log)
        log.clear()
        self.mailbox.drain()
        self._pending_lines, self._pending_yhat, self._curves_due = [], None, False
        self.controls = Controls()
        self.session = None
        self.state, self.message = "preparing", ""
        self._last_progress = None
        self.show_data(config)
        self._worker = self.train(config, self.controls)
        self.update_status()

    def stop_run(self) -> None:
        """Ask the running trainer to stop at the next epoch boundary."""
        if self.controls is not None:
            self.controls.stop()

    @on(RunEnded)
    def _run_ended(self, event: RunEnded) -> None:
        if self._pending_reset:
            self.clear_panels()
            return
        self.pull(force=True)
        self.state = event.status
        self.message = event.message
        if event.status == "error":
            self.notify(event.message, title="Cannot start", severity="error", timeout=8)
            self.form_message(event.message)
        elif event.status == "diverged":
            self.notify(event.message, title="Diverged", severity="error", timeout=10)
        self.update_status()
        pending, self._pending_restart = self._pending_restart, None
        if pending is not None:
            self.launch(pending)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._worker and event.state == WorkerState.ERROR:
            self.state, self.message = "error", f"worker failed: {event.worker.error!r}"
            self.update_status()

    # ------------------------------------------------------------ frames
    def pull(self, force: bool = False) -> None:
        """Timer: take what the worker produced since the last frame and redraw (the
        heavy panels at most every HEAVY_SECONDS while running; ``force``: now)."""
        d = self.mailbox.drain()
        for note in d.notes:
            self.notify(note, timeout=6)
        self._pending_lines.extend(d.lines)
        for epoch, loss, soft, acc, lr, wall in d.rows:
            self.history.append(epoch, loss=loss, soft_acc=soft, acc=acc, lr=lr, wall=wall)
        self._curves_due = self._curves_due or bool(d.rows)
        if d.snapshot is not None:
            self.snapshot = d.snapshot
        if d.yhat is not None:
            self.latest_yhat = self._pending_yhat = d.yhat
        if d.latest is not None:
            self._last_progress = d.latest
            if self.state == "preparing":
                self.state = "running"
        if self.state in ("running", "paused") and self.controls is not None:
            self.state = "paused" if self.controls.paused else "running"
        now = time.monotonic()
        if force or self.state != "running" or now - self._heavy_at >= HEAVY_SECONDS:
            self._heavy_at = now
            if self._pending_lines:
                self.query_one("#log", Log).write_lines(self._pending_lines)
                self._pending_lines = []
            if self._curves_due:
                self._curves_due = False
                self.query_one("#curves", CurvesPanel).set_history(self.history)
            if self._pending_yhat is not None:
                self.query_one("#scatter", ScatterPair).set_prediction(self._pending_yhat)
                self._pending_yhat = None
        self.inspect_frame()
        self.update_status()

    def inspect_frame(self) -> None:
        """Feed the newest snapshot to the inspector (a no-op when it did not change):
        test metrics beside the curves, the plateau diagnosis in the status line."""
        data = self.session.data if self.session is not None else None
        if not self.inspector.on_frame(self.snapshot, self.run_config, data, self.history):
            return
        if self.inspector.test is not None and len(self.inspector.test_history):
            self.query_one("#curves", CurvesPanel).set_test_history(self.inspector.test_history)
        note = self.inspector.message
        if note != self._diagnosis_shown and self.message in ("", self._diagnosis_shown):
            self.message = note
        self._diagnosis_shown = note

    def update_status(self) -> None:
        p = self._last_progress
        cfg = self.run_config or self.config
        name = self.session.run_name if self.session else ""
        status = RunStatus(
            state=self.state,
            epoch=p.epoch if p else 0,
            epochs=cfg.epochs,
            rate=p.epochs_per_s if p and self.state != "paused" else 0.0,
            elapsed=p.elapsed if p else 0.0,
            lr=p.lr if p else cfg.lr,
            run_name=name,
            message=self.message,
        )
        if status != self._status_key:
            self._status_key = status
            self.query_one("#status", StatusLine).status = status

    # ------------------------------------------------------------ data preview
    def show_data(self, config: RunConfig | None = None) -> None:
        """Draw the ground truth of the configured data set (before and during a run)."""
        if config is None:
            try:
                config = self.form.read_config()
            except ConfigError:
                return
        try:
            data = build_data(config, seeded_rngs(config.seed)[0])
        except DataError as exc:
            self.form_message(str(exc))
            return
        self.query_one("#scatter", ScatterPair).set_data(data.X, data.y)

    def form_message(self, text: str) -> None:
        self.query_one("#form-message", Static).update(f"✗ {text}" if text else "")

    # ------------------------------------------------------------ form events
    @on(HyperForm.Changed)
    def _form_changed(self, event: HyperForm.Changed) -> None:
        if not event.valid:
            return
        self.form_message("")
        if not self.running and event.field in ("data", "n", "noise", "seed"):
            self.show_data()

    @on(HyperForm.Submitted)
    def _form_submitted(self, event: HyperForm.Submitted) -> None:
        if not self.running:
            if event.field not in ("data", "activation", "loss", "optimizer", "init",
                                   "accuracy"):
                self.action_start()
            return
        try:
            config = self.form.read_config()
        except ConfigError as exc:
            self.form_message(f"{self.form.label_of(exc.field)}: {exc.reason}")
            return
        current = self.run_config
        if current is None:
            return
        if event.field == "lr" and config.with_changes(lr=current.lr) == current:
            self.set_lr(config.lr)
            return
        if config == current.with_changes(lr=config.lr):
            return  # nothing that needs a restart changed
        self.ask_restart(config)
