"""The dashboard: form, live curves, ground truth vs prediction, the epoch log, status.

One screen for every run a person looks at — one this process trains, another process's
run it attached to, or a run's files. The ``RunController`` owns the run; this screen
maps keys onto it (``DashboardActions``) and, on a frame timer, renders the ``Frame`` it
pulls: small immutable pieces, the heavy panels at most every HEAVY_SECONDS while
training. Nothing proportional to the network's size runs here.

Focus: the app starts with no field focused, so every key is a command; Enter applies a
field and leaves it, Escape leaves it.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Select, Static
from textual.widgets._select import SelectOverlay

from core.analysis.derived import ViewRequest
from core.config import ConfigError, RunConfig
from core.datasets import DataError
from core.state import RunState
from core.train.trainer import average_rate
from tui.live.controller import ControllerError, Frame, RunController
from tui.screens.dashboard_actions import DashboardActions
from tui.screens.dashboard_keys import BINDINGS, KEY_ACTIONS, KeyContext, key_verdict
from tui.widgets.run.curves import CurvesPanel
from tui.widgets.run.epoch_log import EpochLog
from tui.widgets.run.form import HyperForm
from tui.widgets.run.pair import PICTURES, ScatterPair
from tui.widgets.run.picker import PointPicker
from tui.widgets.run.status import RunStatus, StatusLine

__all__ = ["HEAVY_SECONDS", "TICK_SECONDS", "DashboardScreen"]

HEAVY_SECONDS = 1.0
"""While training, the curves, the log and the pictures redraw at most this often: they
are most of the bytes sent to the terminal and of the UI thread's time, which the trainer
pays for in GIL hand-offs (bench/dashboard.py)."""
TICK_SECONDS = 0.25
"""While training, the status line's counters (epoch, ep/s, elapsed, ETA) move at most
this often; anything else on it (the state, the lr, a message) shows at the next frame."""


class DashboardScreen(DashboardActions, Screen):
    """Everything a run needs, on one screen."""

    AUTO_FOCUS = ""  # no field has the cursor at first: every key is a command
    HORIZONTAL_BREAKPOINTS = [(0, "-tiny"), (80, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-tiny-h"), (24, "-short"), (32, "-tall")]

    BINDINGS = BINDINGS
    """The keys, and beside them (``dashboard_keys.KEYS``) when each may act."""

    def __init__(self, controller: RunController, fps: float = 8.0, start: bool = False,
                 title: str = "", closes_link: bool = False) -> None:
        """``closes_link``: this screen opened the controller's link (the runs screen's
        open) and closes it when it goes."""
        super().__init__()
        self.controller = controller
        self.closes_link = closes_link
        self.fps, self.start_now, self.title_text = fps, start, title
        self._heavy_at = 0.0
        self._pending_lines: list[str] = []
        self._curves_due = self._yhat_due = self._boundary_due = False
        self._wanted_at = -1e9
        self._shown: RunStatus | None = None
        self._ticked_at = 0.0
        self._bindings_key: tuple | None = None
        self.zoom = ""  # the panel shown alone (``z``), "" for all

    # ------------------------------------------------------------ layout
    def _remembered_picture(self) -> str:
        """The prediction picture chosen at the last launch (``b``), else the boundary."""
        picture = getattr(getattr(self.app, "prefs", None), "picture", None)
        return picture if picture in PICTURES else "boundary"

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Container(id="main"):  # a grid: the layouts are in app.tcss
            yield Static("", id="summary", markup=False)
            with Vertical(id="side"):
                yield HyperForm(self.controller.config, id="form")
                yield Static("", id="form-message", markup=False)
            yield CurvesPanel(id="curves")
            yield ScatterPair(id="scatter", picture=self._remembered_picture())
            yield EpochLog(id="log", max_lines=20_000, auto_scroll=True)
        yield StatusLine(id="status")
        yield Static("The terminal is too small for bp-tui.\n"
                     "Make it at least 80 columns × 24 rows.", id="too-small")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#log", EpochLog).border_title = "Epoch log"
        self.query_one("#side").border_title = "Hyperparameters"
        if self.title_text:
            self.sub_title = self.title_text
        if self.controller.link is not None:  # attached, or opened from files
            self.form.freeze(keep=() if self.controller.read_only else ("lr",))
        else:
            self.show_preview()
        self._show_summary()
        self.set_interval(1.0 / self.fps, self.frame, name="frame")
        self.frame(force=True)
        if self.start_now:
            self.call_after_refresh(self.action_start)

    def on_unmount(self) -> None:
        if self.closes_link:
            self.controller.close()

    @property
    def form(self) -> HyperForm:
        return self.query_one("#form", HyperForm)

    # ------------------------------------------------------------ frames
    def frame(self, force: bool = False) -> None:
        """Timer: pull what changed and draw it."""
        f = self.controller.pull()
        if f.started:
            self._clear_run_panels()
        if f.data_changed and self.controller.data is not None:
            self.query_one("#scatter", ScatterPair).set_data(*self.controller.data)
        self._pending_lines.extend(f.lines)
        self._curves_due = self._curves_due or f.history_changed or f.views is not None
        self._yhat_due = self._yhat_due or f.yhat is not None
        self._boundary_due = self._boundary_due or f.views is not None
        self.want_views()
        now = time.monotonic()
        if force or f.ended or f.state.status != RunState.RUNNING \
                or now - self._heavy_at >= HEAVY_SECONDS:
            self._heavy_at = now
            self._draw_heavy()
        self._draw_status(f)
        if f.ended is not None:
            self._run_ended(f)
        self._sync_bindings()

    def _draw_heavy(self) -> None:
        if self._pending_lines:
            self.query_one("#log", EpochLog).write_lines(self._pending_lines)
            self._pending_lines = []
        c = self.controller
        if self._curves_due:
            self._curves_due = False
            curves = self.query_one("#curves", CurvesPanel)
            curves.set_history(c.history)
            curves.set_test_history(c.test_history if len(c.test_history) else None)
            curves.set_sizes(len(c.data[0]) if c.data is not None else 1, c.test_size)
        if self._yhat_due and c.yhat is not None and c.data is not None:
            self._yhat_due = False
            scatter = self.query_one("#scatter", ScatterPair)
            if len(c.yhat) == len(c.data[0]):
                scatter.set_prediction(c.yhat)
        if self._boundary_due and c.views is not None and c.views.boundary is not None:
            self._boundary_due = False
            self.query_one("#scatter", ScatterPair).set_boundary(c.views.boundary, c.views.epoch)

    def want_views(self, now: bool = False) -> None:
        """Ask the run's analyst for the prediction panel's boundary (renewed every second
        while it shows one; the request lapses on its own when it does not)."""
        t = time.monotonic()
        if not now and t - self._wanted_at < 1.0:
            return
        self._wanted_at = t
        size = self.query_one("#scatter", ScatterPair).wanted()
        if size is not None:
            self.controller.want(ViewRequest(boundary=size), "dashboard")

    def _draw_status(self, f: Frame) -> None:
        c, s = self.controller, f.state
        if c.link is None:  # ready: the next run's settings
            rate, lr, next_lr = 0.0, c.config.lr, None
        elif s.status.ended:  # the run's average, and the lr in force at its end
            rate, lr = average_rate(s.epoch, s.elapsed), s.lr
            next_lr = c.config.lr if c.host is not None else None
        else:  # running: the windowed rate; paused or preparing: the average so far
            rate = s.rate if s.status == RunState.RUNNING else average_rate(s.epoch, s.elapsed)
            lr, next_lr = s.lr, None
        status = RunStatus(
            state=s.status, epoch=s.epoch,
            epochs=s.epochs if c.link is not None else c.config.epochs,
            rate=rate, elapsed=s.elapsed, lr=lr, run_name=s.run_name,
            message=f.message or self._note, next_lr=next_lr)
        if status == self._shown:
            return
        now = time.monotonic()
        ticking = self._shown is not None and status.ticks_from(self._shown)
        if ticking and s.status == RunState.RUNNING and now - self._ticked_at < TICK_SECONDS:
            return
        self._shown, self._ticked_at = status, now
        self.query_one("#status", StatusLine).status = status

    def _run_ended(self, f: Frame) -> None:
        if f.ended == RunState.ERROR:
            self.say(f.state.message or "the run failed", title="Cannot start", error=True)
            self.form_message(f.state.message)
        elif f.ended == RunState.DIVERGED:
            self.say(f.state.message, title="Diverged", error=True, timeout=10)

    def _clear_run_panels(self) -> None:
        self.query_one("#log", EpochLog).clear()
        curves = self.query_one("#curves", CurvesPanel)
        curves.set_history(self.controller.history)
        curves.set_test_history(None)
        self.query_one("#scatter", ScatterPair).set_prediction(None)
        self._pending_lines, self._curves_due, self._yhat_due = [], False, False
        self._boundary_due = False

    def _sync_bindings(self) -> None:
        c = self.controller
        key = (c.status, c.owns_run, c.read_only, c.link is None)
        if key != self._bindings_key:
            self._bindings_key = key
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer and the bindings follow ``KEYS``: an action acts only when its
        rule says so (a key refused with a reason says it in ``on_key``)."""
        return key_verdict(action, self.key_context()) is True

    def key_context(self) -> KeyContext:
        """What the rules of ``KEYS`` look at, now."""
        c, focused = self.controller, self.focused
        return KeyContext(
            status=c.status if c.link is not None else RunState.READY,
            own=c.link is None or c.host is not None, read_only=c.read_only,
            running=c.running, owns_run=c.owns_run,
            typing=isinstance(focused, Input),
            field=focused is not None and not isinstance(focused, SelectOverlay),
            dropdown=isinstance(focused, SelectOverlay), closes_link=self.closes_link,
            form_over=self.has_class("-form-toggled") and (
                self.has_class("-narrow") or self.has_class("-short")))

    def on_key(self, event) -> None:
        """A key whose rule refuses it with a reason says why instead of doing nothing
        (checked before the bindings, which then do not act)."""
        if isinstance(self.focused, Input):
            return
        action = KEY_ACTIONS.get(event.key)
        if action is None:
            return
        verdict = key_verdict(action, self.key_context())
        if isinstance(verdict, str):
            event.stop()
            self.say(verdict, title="Not here")

    # ------------------------------------------------------------ data preview
    def show_preview(self, config: RunConfig | None = None) -> None:
        """Draw the ground truth of the form's data set (before a run)."""
        if config is None:
            try:
                config = self.form.read_config()
            except ConfigError:
                return
        try:
            X, y = self.controller.preview(config)
        except DataError as exc:
            self.form_message(str(exc))
            return
        self.query_one("#scatter", ScatterPair).set_data(X, y)

    def form_message(self, text: str) -> None:
        """One line under the form (a reason, or "" to clear)."""
        self.query_one("#form-message", Static).update(Text(f"✗ {text}" if text else ""))

    def say(self, message: str, title: str = "", error: bool = False,
            timeout: float = 6) -> None:
        """A toast; the text is shown as text, never parsed as markup."""
        self.notify(message, title=title, severity="error" if error else "information",
                    timeout=timeout, markup=False)

    # ------------------------------------------------------------ form events
    def _show_summary(self) -> None:
        """The one-line settings of the compact layouts, after the marker of a run shown
        from elsewhere ("attached", "read-only"), which the hidden title bar would say."""
        line = Text()
        marker = self.link_marker()
        if marker:
            line.append(f"● {marker}", style="bold")
            line.append(" │ ")
        line.append(self.form.summary())
        self.query_one("#summary", Static).update(line)

    def link_marker(self) -> str:
        """ "attached" or "read-only" for a run shown from another process or its files
        ("" for this dashboard's own run)."""
        c = self.controller
        if c.link is None or c.host is not None:
            return ""
        return "read-only" if c.read_only else "attached"

    @on(PointPicker.Picked)
    def _point_picked(self, event: PointPicker.Picked) -> None:
        """A click on a point of the prediction panel: its back-propagation."""
        if self.controller.data is not None:
            self.show_backprop(event.index)

    @on(HyperForm.Changed)
    def _form_changed(self, event: HyperForm.Changed) -> None:
        self._show_summary()
        if not event.valid:
            return
        self.form_message("")
        if not self.controller.running and self.key_context().own and event.field in (
                "data", "n", "noise", "seed", "data_seed", "data_file"):
            self.show_preview()

    @on(HyperForm.Submitted)
    def _form_submitted(self, event: HyperForm.Submitted) -> None:
        c = self.controller
        if event.field == "lr" and c.running:
            try:
                self.set_lr(float(self.form.text("lr")))
            except (ValueError, ControllerError) as exc:
                self.form_message(f"Learn rate: {exc}")
            return
        if not c.running:  # applied: the next start (s) uses it; enter never starts
            return
        try:
            config = self.form.read_config()
        except ConfigError:
            self.refuse_start()
            return
        if c.run_config is not None and config != c.run_config.with_changes(lr=config.lr):
            self.ask_restart(config)

    def on_descendant_focus(self, event) -> None:
        """Fields show they have the cursor (the form's frame lights up)."""
        self._note = "typing in a field: enter applies it, escape leaves it" if isinstance(
            event.widget, (Input, Select)) else ""

    def on_descendant_blur(self, _event) -> None:
        self._note = ""

    _note = ""
