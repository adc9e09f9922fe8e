"""Overlay: several runs' loss and accuracy curves on shared axes.

Each run has its own colour from the Okabe-Ito palette (safe for colour-blind readers)
and its own marker, so curves read without colour too; a legend names each by the
settings that set it apart (``(512,512)``, ``lr 0.1``; ``core.labels``), with its final
loss, soft acc and right %. Smoothing
is TensorBoard's debiased EMA (0 to 0.99, default 0); when on, the raw line stays faint
behind the smoothed one. The x axis is the epoch or the wall time.
"""

from __future__ import annotations

import math
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.color import Color
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static
from textual_plotext import PlotextPlot

from core.analysis.history import thin_series
from core.labels import RIGHT, SOFT_ACC
from core.records.compare import MAX_SMOOTHING, Series, ema, load_comparison
from core.records.index import read_row
from tui.screens.dialogs import ExportScreen
from tui.theme import theme_color
from tui.widgets.fields import FieldInput
from tui.widgets.run.curves import round_xticks

__all__ = ["MARKERS", "OKABE_ITO", "OverlayScreen"]

OKABE_ITO = (
    ("orange", (230, 159, 0)), ("sky blue", (86, 180, 233)),
    ("bluish green", (0, 158, 115)), ("yellow", (240, 228, 66)),
    ("blue", (0, 114, 178)), ("vermillion", (213, 94, 0)),
    ("reddish purple", (204, 121, 167)), ("grey", (153, 153, 153)),
)
"""Okabe & Ito's colour-blind-safe palette (black shown as grey on dark themes)."""
MARKERS = ("•", "x", "+", "*", "o", "#", "@", "%")
"""One marker per run, so curves are told apart without colour."""
SMOOTH_STEP = 0.1


class OverlayScreen(Screen):
    """Shared-axes curves of ``paths`` (run directories), re-read on ``r``."""

    AUTO_FOCUS = "#overlay-legend"  # not focusable: keys go to the screen; tab reaches the box

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="overlay.back"),
        Binding("right_square_bracket", "smooth(1)", "Smooth+", id="overlay.smooth-up"),
        Binding("left_square_bracket", "smooth(-1)", "Smooth−", id="overlay.smooth-down"),
        Binding("t", "axis", "epoch/time", id="overlay.axis"),
        Binding("l", "toggle_log", "log loss", show=False, id="overlay.log-loss"),
        Binding("r", "reload", "Reload", show=False, id="overlay.reload"),
        Binding("e", "export", "Export", show=False, id="overlay.export"),
    ]

    def __init__(self, paths: list[Path], smoothing: float = 0.0, axis: str = "epoch") -> None:
        super().__init__()
        self.paths = [Path(p) for p in paths]
        self.smoothing = smoothing
        self.axis = axis
        self.log_loss = False
        self.series: list[Series] = []

    def compose(self) -> ComposeResult:
        """Two plots, the legend, the smoothing box."""
        yield Header(show_clock=False)
        with Horizontal(id="overlay-plots"):
            yield PlotextPlot(id="overlay-loss")
            yield PlotextPlot(id="overlay-acc")
        yield Static("", id="overlay-legend")
        with Horizontal(id="overlay-controls"):
            yield Static("smoothing (0–0.99)  [ ]", id="overlay-smooth-label")
            yield FieldInput(f"{self.smoothing:g}", id="overlay-smooth", restrict=r"[0-9.]*")
            yield Static("", id="overlay-axis")
        yield Footer()

    def on_mount(self) -> None:
        """Read the runs and draw."""
        self.sub_title = "overlay"
        self.action_reload()

    def on_resize(self) -> None:
        """Re-sample for the new width."""
        self.call_after_refresh(self.draw)

    # ------------------------------------------------------------ drawing
    def _faint(self, rgb: tuple[int, int, int]) -> tuple[int, int, int]:
        base = theme_color(self.app, "background", "black")
        return base.blend(Color(*rgb), 0.35).rgb

    def draw(self) -> None:
        """Redraw both plots and the legend from the loaded series."""
        w = self.smoothing
        for plot_id, key, title in (
            ("#overlay-loss", "loss", "Loss" + (" (log10)" if self.log_loss else "")),
            ("#overlay-acc", "soft_acc", f"{SOFT_ACC} (%)"),
        ):
            plot = self.query_one(plot_id, PlotextPlot)
            plt = plot.plt
            plt.clear_figure()
            plt.title(title + (f"  smoothing {w:g}" if w else ""))
            plt.xlabel("wall time (s)" if self.axis == "wall" else "epoch")
            n = max(plot.size.width, 20) if plot.size.width else 80
            right = 0.0
            for i, s in enumerate(self.series):
                right = max(right, self._plot_series(plt, i, s, key, n))
            if not self.series:
                plt.title(title + ": no runs")
            elif right > 0:
                round_xticks(plot, right)
            plot.refresh()
        self._draw_legend()

    def _plot_series(self, plt, i: int, s: Series, key: str, n: int) -> float:
        """Plot series ``s`` (the ``i``-th run) of ``key`` thinned to ``n`` points: its
        raw values faint under the smoothed line when smoothing, and the run's marker on
        a few points. Returns the line's last x (0 when empty)."""
        _name, rgb = OKABE_ITO[i % len(OKABE_ITO)]
        xs = s.x(self.axis)
        raw = s.values[key]
        if self.log_loss and key == "loss":
            raw = [math.log10(max(v, 1e-12)) if v is not None else None for v in raw]
        if self.smoothing:
            rx, ry = thin_series(xs, raw, n)
            if rx:
                plt.plot(rx, ry, marker="braille", color=self._faint(rgb))
            raw = ema(raw, self.smoothing)
        px, py = thin_series(xs, raw, n)
        if not px:
            return 0.0
        plt.plot(px, py, marker="braille", color=rgb)
        mx, my = thin_series(px, py, 8)
        plt.scatter(mx, my, marker=MARKERS[i % len(MARKERS)], color=rgb)
        return px[-1]

    def _draw_legend(self) -> None:
        text = Text()
        for i, s in enumerate(self.series):
            _, rgb = OKABE_ITO[i % len(OKABE_ITO)]
            marker = MARKERS[i % len(MARKERS)]
            style = "bold rgb({},{},{})".format(*rgb)
            last = {k: next((v for v in reversed(s.values[k]) if v is not None), None)
                    for k in ("loss", "soft_acc", "acc")}
            text.append(f" {marker}━ {s.label or s.run}", style=style)
            figures = []
            if last["loss"] is not None:
                figures.append(f"loss {last['loss']:.4f}")
            if last["soft_acc"] is not None:
                figures.append(f"{SOFT_ACC} {last['soft_acc']:.2f}")
            if last["acc"] is not None:
                figures.append(f"{RIGHT} {last['acc']:.2f}")
            if s.wall and s.wall[-1] is not None:
                figures.append(f"{s.wall[-1]:.1f} s")
            text.append(f" ({', '.join(figures) or 'no metrics'})  ")
        self.query_one("#overlay-legend", Static).update(text)
        self.query_one("#overlay-axis", Static).update(
            f"  x: {'wall time' if self.axis == 'wall' else 'epoch'} [t]   log loss [l]"
        )

    # ------------------------------------------------------------ controls
    def set_smoothing(self, value: float) -> None:
        """Set the EMA weight (clipped to 0..0.99) and redraw."""
        self.smoothing = round(min(max(value, 0.0), MAX_SMOOTHING), 2)
        box = self.query_one("#overlay-smooth", Input)
        if box.value != f"{self.smoothing:g}":
            box.value = f"{self.smoothing:g}"
        self.draw()

    @on(Input.Submitted, "#overlay-smooth")
    def _smooth_typed(self, event: Input.Submitted) -> None:
        try:
            value = float(event.value)
        except ValueError:
            self.notify("smoothing: a number from 0 to 0.99", severity="error")
            return
        if not 0 <= value <= MAX_SMOOTHING:
            self.notify("smoothing: a number from 0 to 0.99", severity="error")
            return
        self.set_smoothing(value)

    def action_smooth(self, direction: int) -> None:
        """Smoothing up or down by 0.1 (0.9 → 0.99 at the top)."""
        w = self.smoothing
        if direction > 0:
            w = MAX_SMOOTHING if w >= 0.9 - 1e-9 else w + SMOOTH_STEP
        else:
            w = 0.9 if w > 0.9 + 1e-9 else w - SMOOTH_STEP
        self.set_smoothing(w)

    def action_axis(self) -> None:
        """Switch the x axis between epoch and wall time."""
        self.axis = "wall" if self.axis == "epoch" else "epoch"
        self.draw()

    def action_toggle_log(self) -> None:
        """Loss on a log10 axis, on/off."""
        self.log_loss = not self.log_loss
        self.draw()

    def action_reload(self) -> None:
        """Re-read the runs' metrics (live runs grow)."""
        self.series = load_comparison(self.paths)
        self.draw()

    def action_export(self) -> None:
        """Export these runs' metrics (raw and smoothed) and their table."""
        self.app.push_screen(ExportScreen([read_row(p) for p in self.paths], self.smoothing))

    def action_back(self) -> None:
        """Back to the previous screen."""
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
