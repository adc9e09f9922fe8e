"""Learning curves: loss vs epoch and accuracy (%) vs epoch, drawn with plotext.

`CurvesPanel` holds two `PlotextPlot` widgets. The parent hands it a `History` (and
optionally a test-set one) on every UI tick; the panel redraws only when the data, the
plot width, the log switch or the theme changed, and down-samples every series to about
the plot's width in columns, so a redraw costs the same at epoch 10 and epoch 10**6.

Series are told apart by marker as well as colour (so NO_COLOR and 256-colour terminals
still read): training loss and soft accuracy are braille lines, the training threshold
accuracy ``•``; the test overlay uses ``•`` (loss), ``+`` (soft) and ``x`` (accuracy).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.color import Color
from textual.reactive import reactive
from textual.widget import Widget
from textual_plotext import PlotextPlot

from core.train.history import History

__all__ = ["CurvesPanel"]


@dataclass(frozen=True)
class _Series:
    """How one history key is drawn."""

    key: str
    label: str
    marker: str
    color_var: str
    fallback: str


_LOSS_TRAIN = _Series("loss", "train", "braille", "primary", "blue")
_LOSS_TEST = _Series("loss", "test", "dot", "warning", "orange")
# Drawn in this order (test, then train; the report's soft accuracy last) so the
# training soft accuracy stays on top where curves share a row.
_ACC_TRAIN = (
    _Series("acc", "acc", "dot", "success", "green"),
    _Series("soft_acc", "soft", "braille", "primary", "blue"),
)
_ACC_TEST = (
    _Series("acc", "test acc", "x", "error", "red"),
    _Series("soft_acc", "test soft", "+", "warning", "orange"),
)
_LOG_FLOOR = 1e-12  # log10 of a zero loss is drawn at -12


def epoch_ticks(last: int, count: int) -> list[int]:
    """About ``count`` round whole-number ticks from 0 to ``last`` (1, 2, 2.5 or 5 × 10^k apart)."""
    if last <= 0:
        return [0]
    raw = last / max(1, count - 1)
    step = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if step * factor >= raw:
            step *= factor
            break
    step = max(1, int(step))
    return list(range(0, last + 1, step))


def short_number(value: int) -> str:
    """12000 → "12k", 2500000 → "2.5M", 750 → "750"."""
    for scale, suffix in ((1_000_000, "M"), (1_000, "k")):
        if abs(value) >= scale:
            return f"{value / scale:g}{suffix}"
    return str(value)


class CurvesPanel(Widget):
    """Loss and accuracy curves of a run, with an optional test-set overlay.

    Attributes down: call `set_history` (and `set_test_history`) from the UI thread,
    as often as you like; nothing is redrawn unless something changed.

    History keys read: ``loss`` (sum of squared errors, as the report prints it),
    ``soft_acc`` (the report's 1 − mean|ŷ − y|) and ``acc`` (share classified right).
    Accuracies are multiplied by ``acc_scale`` (default 100: History holds fractions).
    """

    DEFAULT_CSS = """
    CurvesPanel {
        layout: horizontal;
        width: 1fr;
        height: 1fr;
    }
    CurvesPanel > PlotextPlot {
        width: 1fr;
        height: 1fr;
        min-width: 20;
        min-height: 6;
    }
    """

    log_loss: reactive[bool] = reactive(False)
    """Plot log10(loss) instead of loss (the axis is labelled "log10 loss")."""

    def __init__(
        self,
        *,
        acc_scale: float = 100.0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Create an empty panel; ``acc_scale`` turns stored accuracies into percent."""
        super().__init__(name=name, id=id, classes=classes)
        self.acc_scale = acc_scale
        self._history: History | None = None
        self._test: History | None = None
        self._drawn_key: tuple | None = None
        self._theme_generation = 0
        self.redraw_count = 0
        """How many times the plots were rebuilt (for tests and benchmarks)."""

    def compose(self) -> ComposeResult:
        """The loss plot and the accuracy plot."""
        yield PlotextPlot(id="loss-plot")
        yield PlotextPlot(id="acc-plot")

    def on_mount(self) -> None:
        """Draw the empty state and follow theme changes."""
        self.app.theme_changed_signal.subscribe(self, self._on_theme_changed)
        self._maybe_redraw()

    @property
    def loss_plot(self) -> PlotextPlot:
        """The loss-vs-epoch plot."""
        return self.query_one("#loss-plot", PlotextPlot)

    @property
    def acc_plot(self) -> PlotextPlot:
        """The accuracy-vs-epoch plot."""
        return self.query_one("#acc-plot", PlotextPlot)

    # ------------------------------------------------------------------ attributes down
    def set_history(self, history: History | None) -> None:
        """Show the training history (redraws only if it changed since the last draw)."""
        self._history = history
        self._maybe_redraw()

    def set_test_history(self, history: History | None) -> None:
        """Overlay test-set metrics (same keys) beside the training ones; None removes."""
        self._test = history
        self._maybe_redraw()

    def watch_log_loss(self) -> None:
        """Redraw with the other loss axis."""
        self._maybe_redraw()

    def on_resize(self) -> None:
        """Re-sample for the new width."""
        self.call_after_refresh(self._maybe_redraw)

    def _on_theme_changed(self, _theme: object) -> None:
        self._theme_generation += 1
        self._maybe_redraw()

    # ------------------------------------------------------------------ drawing
    def _key(self) -> tuple:
        def version(h: History | None) -> tuple[int, int] | None:
            return None if h is None else (id(h), h.version)

        return (
            version(self._history),
            version(self._test),
            self.log_loss,
            self.loss_plot.size.width,
            self.acc_plot.size.width,
            self._theme_generation,
        )

    def _maybe_redraw(self) -> None:
        if not self.is_mounted:
            return
        key = self._key()
        if key == self._drawn_key:
            return
        self._drawn_key = key
        self.redraw_count += 1
        self._draw_loss()
        self._draw_acc()

    def _color(self, series: _Series) -> tuple[int, int, int] | str:
        value = self.app.theme_variables.get(series.color_var)
        if not value:
            return series.fallback
        try:
            return Color.parse(value).rgb
        except Exception:  # a theme with an odd value: fall back to a named colour
            return series.fallback

    def _epoch_axis(self, plot: PlotextPlot, last_epoch: int) -> None:
        """Whole-number epoch ticks (plotext's own would read 21016.5)."""
        width = plot.size.width or 80
        ticks = epoch_ticks(last_epoch, max(2, min(6, width // 12)))
        plot.plt.xticks(ticks, [short_number(t) for t in ticks])

    @staticmethod
    def _points(plot: PlotextPlot) -> int:
        """Samples per series: about one per column (80 before the first layout)."""
        return max(plot.size.width, 20) if plot.size.width else 80

    def _draw_loss(self) -> None:
        plot = self.loss_plot
        plt = plot.plt
        plt.clear_figure()
        label = "log10 loss" if self.log_loss else "loss"
        plt.title("Loss" + (" (log10)" if self.log_loss else ""))
        plt.xlabel("epoch")
        plt.ylabel(label)
        n = self._points(plot)
        drawn = False
        last = 0
        # Test first, so the training line is drawn on top where they overlap.
        for history, series in ((self._test, _LOSS_TEST), (self._history, _LOSS_TRAIN)):
            if history is None:
                continue
            xs, ys = history.series(series.key, n)
            if not xs:
                continue
            if self.log_loss:
                ys = [math.log10(max(v, _LOG_FLOOR)) for v in ys]
            plt.plot(xs, ys, label=series.label, marker=series.marker, color=self._color(series))
            drawn = True
            last = max(last, xs[-1])
        if not drawn:
            plt.title("Loss: no data yet")
        else:
            self._epoch_axis(plot, last)
        plot.refresh()

    def _draw_acc(self) -> None:
        plot = self.acc_plot
        plt = plot.plt
        plt.clear_figure()
        plt.title("Accuracy (%)")
        plt.xlabel("epoch")
        plt.ylabel("%")
        n = self._points(plot)
        lowest = math.inf
        last = 0
        for history, group in ((self._test, _ACC_TEST), (self._history, _ACC_TRAIN)):
            if history is None:
                continue
            for series in group:
                xs, ys = history.series(series.key, n)
                if not xs:
                    continue
                ys = [v * self.acc_scale for v in ys]
                lowest = min(lowest, *ys)
                last = max(last, xs[-1])
                plt.plot(
                    xs, ys, label=series.label, marker=series.marker, color=self._color(series)
                )
        if math.isinf(lowest):
            plt.title("Accuracy (%): no data yet")
            plt.ylim(0, 100)
        else:
            # A stable frame: the top is 100 %, the bottom a multiple of 10 below the data.
            plt.ylim(max(0.0, math.floor(min(lowest, 90.0) / 10.0) * 10.0), 100.0)
            self._epoch_axis(plot, last)
        plot.refresh()
