"""The dashboard's key actions: each maps a key onto the run controller.

A mixin of ``DashboardScreen`` (kept apart so each module reads in one sitting); it
uses the screen's ``controller``, ``form`` and widgets, and never the run itself.
"""

from __future__ import annotations

import contextlib

from core.config import ConfigError, RunConfig
from core.train.logfmt import prediction_lines
from tui.live.controller import ControllerError
from tui.screens.dialogs import ConfirmScreen
from tui.widgets.run.curves import CurvesPanel
from tui.widgets.run.epoch_log import EpochLog
from tui.widgets.run.form import FIELDS
from tui.widgets.run.pair import PICTURES, ScatterPair

__all__ = ["ZOOMS", "DashboardActions", "describe_changes"]

_LABELS = {f.name: f.label.lower() for f in FIELDS}
ZOOMS = ("", "curves", "truth", "predict", "log")
"""What ``z`` shows alone, in turn ("" every panel)."""
ZOOM_NAMES = {"": "every panel", "curves": "the curves", "truth": "Ground truth",
              "predict": "Predict result", "log": "the epoch log"}


def _text(value) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return "default" if value is None else f"{value:g}" if isinstance(value, float) \
        else str(value)


def describe_changes(old: RunConfig, new: RunConfig) -> str:
    """ "hidden 128,128 and lr 0.01": the settings ``new`` changes, as the form shows them."""
    a, b = old.to_dict(), new.to_dict()
    parts = [f"{_LABELS.get(k, k)} {_text(b[k])}" for k in b
             if k not in ("extra", "name") and a.get(k) != b[k]]
    return " and ".join(parts) if len(parts) < 3 else ", ".join(parts)


FOLLOW_UP = (0.025, 0.05, 0.1)
"""Seconds after a command at which the dashboard looks again for its effect."""


class DashboardActions:
    """``action_*`` methods bound to keys on the dashboard and what they share."""

    def _try(self, fn, *args) -> bool:
        """Run a controller action; its effect shows at once (not at the next frame),
        and what the trainer does about it (a pause lands at its next chunk, ≤ 20 ms)
        shows within a few tens of milliseconds: three quick frames follow."""
        try:
            fn(*args)
        except ControllerError as exc:
            self.say(str(exc))
            return False
        self.frame()
        for delay in FOLLOW_UP:
            self.set_timer(delay, self.frame)
        return True

    def ask_restart(self, config: RunConfig) -> None:
        """Ask once whether to restart with the form's new settings, naming them."""
        changed = describe_changes(self.controller.run_config, config) or "the same settings"

        def answer(yes: bool | None) -> None:
            if yes:
                self._try(self.controller.restart, config)
            else:
                self.form_message("Kept the running network; the new settings apply at "
                                  "the next start.")

        self.app.push_screen(ConfirmScreen(f"Restart with {changed}?", yes="Restart",
                                           no="Keep running"), answer)

    def action_start(self) -> None:
        """Start a run with the form's settings (with one going: asks to restart with
        the settings that changed; with none changed, says so)."""
        try:
            config = self.form.read_config()
        except ConfigError:
            self.refuse_start()
            return
        self.form_message("")
        c = self.controller
        if c.running:
            if not describe_changes(c.run_config, config.with_changes(lr=c.run_config.lr)):
                self._same_settings(config.lr)
            else:
                self.ask_restart(config)
            return
        self._try(c.start, config)

    def refuse_start(self) -> None:
        """Start refused: every bad field, each with its whole reason."""
        bad = self.form.bad_fields() or [("settings", "they do not go together")]
        reasons = "; ".join(f"{self.form.label_of(f)}: {why}" for f, why in bad)
        labels = ", ".join(self.form.label_of(f) for f, _why in bad)
        self.form_message(reasons if len(bad) == 1 else
                          f"{len(bad)} fields to fix: {labels} (each reason is under it)")
        self.say(reasons, title=f"Cannot start: {len(bad)} field(s) to fix", error=True,
                 timeout=10)
        self.form.show_field(bad[0][0])

    def _same_settings(self, lr: float) -> None:
        """``s`` on a run that already has the form's settings: nothing to restart (a
        new lr in the form is applied live, as enter in its field does)."""
        if lr != self.controller.state.lr:
            self.set_lr(lr)
            return
        self.say("The run is already running with these settings: change one to restart "
                 "with it, or r for new initial weights.", title="Nothing to restart")

    def action_pause(self) -> None:
        """Pause the run (it holds between epochs)."""
        self._try(self.controller.toggle_pause)

    def action_resume(self) -> None:
        """Resume the paused run."""
        self._try(self.controller.toggle_pause)

    def action_step(self) -> None:
        """While paused, run exactly one more epoch and hold."""
        self._try(self.controller.step)

    def action_stop(self) -> None:
        """Stop the run; its records are flushed and kept."""
        self._try(self.controller.stop)

    def action_reset(self) -> None:
        """New initial weights (seed + 1) on the same data; clears the panels."""
        self._reseed(weights=True)

    def action_new_data(self) -> None:
        """Draw new training points (data seed + 1); clears the panels."""
        self._reseed(weights=False)

    def _reseed(self, weights: bool) -> None:
        c = self.controller
        base = c.config
        with contextlib.suppress(ConfigError):
            base = self.form.read_config()
        if weights:
            self.form.set_value("data_seed", base.data_seed_or_seed)  # the same points
            self.form.set_value("seed", base.seed + 1)
            note = f"new initial weights (seed {base.seed + 1}), same data"
        else:
            self.form.set_value("data_seed", base.data_seed_or_seed + 1)
            note = f"new data (data seed {base.data_seed_or_seed + 1})"
        c.reset()
        self._clear_run_panels()
        self.show_preview()
        c.message = note

    def set_lr(self, lr: float) -> None:
        """Apply ``lr`` (live from the next epoch when running) and show it everywhere."""
        if self._try(self.controller.set_lr, lr):
            self.form.set_value("lr", f"{self.controller.config.lr:g}")

    def action_lr(self, factor: float) -> None:
        """Multiply the learning rate by ``factor`` (live when a run is going; else the
        form's lr, as typed, is the one scaled)."""
        typed = None
        with contextlib.suppress(ConfigError, ValueError):
            typed = float(self.form.text("lr"))
        if self._try(self.controller.scale_lr, factor, typed):
            self.form.set_value("lr", f"{self.controller.config.lr:g}")

    def action_toggle_log(self) -> None:
        """Show the loss on a log10 axis, or back on a linear one."""
        curves = self.query_one("#curves", CurvesPanel)
        curves.log_loss = not curves.log_loss

    def action_mean_loss(self) -> None:
        """The loss curves per point (mean), or back to the report's sum."""
        curves = self.query_one("#curves", CurvesPanel)
        curves.mean_loss = not curves.mean_loss

    def action_picture(self) -> None:
        """The prediction panel's next picture: boundary → continuous ŷ → scatter."""
        pair = self.query_one("#scatter", ScatterPair)
        pair.picture = PICTURES[(PICTURES.index(pair.picture) + 1) % len(PICTURES)]
        self.app.remember(picture=pair.picture)
        self.call_after_refresh(self.want_views, True)

    def action_predictions(self) -> None:
        """Write the predicted probabilities of the latest evaluation into the log."""
        yhat = self.controller.yhat
        if yhat is None:
            self.say("No predictions yet: start a run first.")
            return
        self.query_one("#log", EpochLog).write_lines(prediction_lines(yhat))

    def action_zoom(self) -> None:
        """Zoom: one panel alone at the terminal's full size — curves → Ground truth →
        Predict result → epoch log → all panels again."""
        zoom = ZOOMS[(ZOOMS.index(self.zoom) + 1) % len(ZOOMS)]
        self.zoom = zoom
        for z in ZOOMS[1:]:
            self.set_class(zoom == z, f"-zoom-{z}")
        self.set_class(bool(zoom), "-zoomed")
        pair = self.query_one("#scatter", ScatterPair)
        pair.zoom = zoom if zoom in ("truth", "predict") else ""
        self.app.clear_notifications()  # one short note at a time over the panel
        self.notify(f"zoom: {ZOOM_NAMES[zoom]}" + (" (z: next)" if zoom else ""),
                    timeout=1.5)
        self.call_after_refresh(self.want_views, True)

    def action_toggle_form(self) -> None:
        """Hide or show the hyperparameters form (more room for the panels)."""
        self.toggle_class("-form-toggled")
        compact = self.has_class("-narrow") or self.has_class("-short")
        if compact and self.has_class("-form-toggled"):
            self.form.focus_first()  # opened to be edited: the cursor goes in
        elif self.focused is not None and self.form in self.focused.ancestors:
            self.set_focus(None)

    async def action_submit_field(self) -> None:
        """Apply the field the cursor is in and leave it."""
        field = self.focused
        self.set_focus(None)
        await field.action_submit()

    def action_leave_field(self) -> None:
        """Leave the field the cursor is in (keys are commands again); close the form
        opened over the panels; on a run opened from the runs screen, go back to it."""
        if self.key_context().form_over:
            self.action_toggle_form()
        elif self.focused is not None:
            self.set_focus(None)
        elif self.closes_link and len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_inspect(self) -> None:
        """Open the inspect views (boundary, test, predictions, …) of the current run."""
        from tui.screens.inspection import InspectScreen

        self.app.push_screen(InspectScreen(self.controller))

    def show_backprop(self, index: int) -> None:
        """Open the inspect screen on training point ``index``'s back-propagation (a
        click on a point in the prediction panel)."""
        from tui.screens.inspection import InspectScreen

        self.app.push_screen(InspectScreen(self.controller, point=index))

    def action_detach(self) -> None:
        """Leave the dashboard and let this run train on (bp-tui attach brings it back);
        on a view of another process's run or of a run's files, close the view and
        leave the run as it is."""
        c = self.controller
        if c.owns_run:
            self.app.detach()
        elif self.closes_link and len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        else:
            self.app.exit(0)

    def action_help(self) -> None:
        """Every key, on every screen."""
        self.app.show_help(type(self))
