"""The dashboard's key actions: start, pause, step, stop, reset, learning rate, views.

A mixin of ``DashboardScreen`` (kept apart so each module reads in one sitting); it uses
the screen's widgets, ``controls``, ``form`` and run state.
"""

from __future__ import annotations

import contextlib

from textual.widgets import Log

from core.config import ConfigError, RunConfig
from core.train.logfmt import prediction_lines
from tui.screens.dialogs import ConfirmScreen
from tui.screens.help import HelpScreen
from tui.widgets.run.curves import CurvesPanel
from tui.widgets.run.scatter import ScatterPair

__all__ = ["LR_MAX", "LR_MIN", "RunActions"]

LR_MIN, LR_MAX = 1e-12, 1e6


class RunActions:
    """Actions bound to keys on the dashboard (``action_*``) and what they share."""

    def ask_restart(self, config: RunConfig) -> None:
        """Ask once whether to restart with the form's new settings."""

        def answer(yes: bool | None) -> None:
            if yes:
                self.restart(config)
            else:
                self.form_message("Kept the running network; new settings apply at the next start.")

        changed = [k for k, v in config.to_dict().items()
                   if v != (self.run_config.to_dict().get(k) if self.run_config else None)
                   and k != "extra"]
        self.app.push_screen(
            ConfirmScreen(f"Restart the run with the new {', '.join(changed)}?",
                          yes="Restart", no="Keep running"),
            answer,
        )

    def restart(self, config: RunConfig) -> None:
        """Stop the current run and start ``config`` when it has ended."""
        if self.running:
            self._pending_restart = config
            self.stop_run()
        else:
            self.launch(config)

    # ------------------------------------------------------------ actions
    def action_start(self) -> None:
        """Start a run with the form's settings (asks to restart if one is going)."""
        try:
            config = self.form.read_config()
        except ConfigError as exc:
            reason = f"{self.form.label_of(exc.field)}: {exc.reason}"
            self.form_message(reason)
            self.notify(reason, title="Cannot start", severity="error")
            return
        self.form_message("")
        if self.running:
            self.ask_restart(config)
            return
        self.launch(config)

    def action_pause(self) -> None:
        """Pause or resume the running trainer."""
        if self.controls is None or not self.running:
            return
        if self.controls.paused:
            self.controls.resume()
            self.state = "running"
        else:
            self.controls.pause()
            self.state = "paused"
        self.update_status()

    def action_step(self) -> None:
        """While paused (or running), run exactly one more epoch and hold."""
        if self.controls is None or not self.running:
            return
        self.controls.step()
        self.state = "paused"
        self.update_status()

    def action_stop(self) -> None:
        """Stop the run; its records are flushed and kept."""
        if self.running:
            self.stop_run()

    def action_reset(self) -> None:
        """Stop, draw new initial weights (seed + 1) and clear the panels."""
        seed = (self.run_config or self.config).seed
        with contextlib.suppress(ConfigError):
            seed = self.form.read_config().seed
        self._pending_restart = None
        self.form.set_value("seed", seed + 1)
        if self.running:
            self._pending_reset = True  # cleared once the run has ended (see _run_ended)
            self.stop_run()
        else:
            self.clear_panels()

    def clear_panels(self) -> None:
        """Back to "ready": empty log, curves and prediction; ground truth redrawn."""
        self._pending_reset = False
        self.mailbox.drain()
        self._pending_lines, self._pending_yhat, self._curves_due = [], None, False
        self.inspector.reset()
        self.history.clear()
        self.query_one("#curves", CurvesPanel).set_history(self.history)
        self.query_one("#log", Log).clear()
        self.query_one("#scatter", ScatterPair).set_prediction(None)
        self._last_progress = None
        self.latest_yhat = None
        self.snapshot = None
        self.session = None
        self.run_config = None
        self.state = "ready"
        try:
            seed = self.form.read_config().seed
            self.message = f"new initial weights (seed {seed})"
        except ConfigError:
            self.message = ""
        self.show_data()
        self.update_status()

    def set_lr(self, lr: float) -> None:
        """Apply ``lr`` to the running network (next epoch) and show it in the form."""
        lr = min(max(lr, LR_MIN), LR_MAX)
        if self.controls is not None and self.running:
            self.controls.set_lr(lr)
            self.message = f"lr → {lr:g} from the next epoch"
        self.form.set_value("lr", f"{lr:g}")
        if self.run_config is not None and self.running:
            self.run_config = self.run_config.with_changes(lr=lr)
        self.update_status()

    def action_lr(self, factor: float) -> None:
        """Multiply the learning rate by ``factor`` (live when a run is going)."""
        if self.running and self._last_progress is not None:
            current = self._last_progress.lr
            if self.run_config is not None:
                current = self.run_config.lr
        else:
            try:
                current = self.form.read_config().lr
            except ConfigError:
                current = self.config.lr
        self.set_lr(current * factor)

    def action_toggle_log(self) -> None:
        """Show the loss on a log10 axis, or back on a linear one."""
        curves = self.query_one("#curves", CurvesPanel)
        curves.log_loss = not curves.log_loss

    def action_predictions(self) -> None:
        """Write the predicted probabilities of the latest evaluation into the log."""
        if self.latest_yhat is None:
            self.notify("No predictions yet: start a run first.")
            return
        lines = prediction_lines(self.latest_yhat)
        self.query_one("#log", Log).write_lines(lines)
        if self.session is not None and not self.running:
            self.session.log(lines)

    def action_toggle_form(self) -> None:
        """Hide or show the hyperparameters form (more room for the panels)."""
        side = self.query_one("#side")
        side.display = not side.display

    def action_inspect(self) -> None:
        """Open the inspect views (boundary, test, predictions, …) of the current run."""
        from tui.screens.inspection import InspectScreen

        self.app.push_screen(InspectScreen(self))

    def action_help(self) -> None:
        """Every key of the dashboard, with what it does."""
        self.app.push_screen(HelpScreen())
