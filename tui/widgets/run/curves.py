"""Learning curves: loss vs epoch and accuracy (%) vs epoch, drawn with plotext.

`CurvesPanel` holds two `PlotextPlot` widgets. The parent hands it a `History` (and
optionally a test-set one) on every UI tick; the panel redraws only when the data, the
plot width, the log switch or the theme changed, and down-samples every series to about
the plot's width in columns, so a redraw costs the same at epoch 10 and epoch 10**6.

Series are told apart by marker as well as colour (so NO_COLOR and 256-colour terminals
still read): training loss and soft acc (the report's accuracy) are braille lines, the
training right % (the share classified right) ``•``; the test overlay uses ``•`` (loss),
``+`` (soft acc) and ``x`` (right %).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widget import Widget
from textual_plotext import PlotextPlot

from core.analysis.history import History
from core.labels import RIGHT, SOFT_ACC
from tui.theme import theme_rgb

__all__ = ["CurvesPanel", "epoch_ticks", "round_xticks", "short_number"]


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
    _Series("acc", RIGHT, "dot", "success", "green"),
    _Series("soft_acc", SOFT_ACC, "braille", "primary", "blue"),
)
_ACC_TEST = (
    _Series("acc", f"test {RIGHT}", "x", "error", "red"),
    _Series("soft_acc", f"test {SOFT_ACC}", "+", "warning", "orange"),
)
_LOG_FLOOR = 1e-12  # log10 of a zero loss is drawn at -12
_GLYPH = {"braille": "⠿", "dot": "•", "x": "x", "+": "+"}
LABELLED_ROWS = 13
"""Plots at least this tall carry axis labels; shorter ones give that row to the data
(8 rows inside the frame at 12)."""


def legend(title: str, series: list[_Series], width: int = 200) -> str:
    """A plot's title with its legend, outside the data ("Loss  ⠿ train  • test").
    When the plot is narrow a test series whose training twin is shown gives only its
    mark ("⠿ soft acc  • right %  test + x"), then the legend closes up; the title alone
    when even that does not fit."""
    keys = [(_GLYPH.get(s.marker, s.marker), s.label) for s in series]
    trained = {label for _, label in keys}
    twins = [g for g, label in keys if label.startswith("test ") and label[5:] in trained]
    short = [(g, label) for g, label in keys
             if not (label.startswith("test ") and label[5:] in trained)]
    tail = ["test " + " ".join(twins)] if twins else []
    for sep, gap, items, extra in (("  ", " ", keys, []), ("  ", " ", short, tail),
                                   (" ", "", short, tail)):
        text = sep.join([title, *(f"{g}{gap}{label}" for g, label in items), *extra])
        if len(text) <= width - 2:
            return text
    return title


def _nice(value: float, up: bool) -> float:
    """The nearest of 1, 2, 2.5, 5 × 10^k at or above (``up``) or below ``value``."""
    base = 10.0 ** math.floor(math.log10(value))
    steps = [f * base for f in (1, 2, 2.5, 5, 10)]
    return min(s for s in steps if s >= value) if up else max(s for s in steps if s <= value)


def epoch_ticks(last: float, count: int) -> list[float]:
    """About ``count`` round ticks from 0 to ``last``, 1, 2, 2.5 or 5 × 10^k apart and
    always at least two (0 and one more) when ``last`` ≥ 1."""
    if last <= 0:
        return [0]
    step = _nice(last / max(1, count - 1), up=True)
    if step > last:  # one tick would be all: the largest round step inside the range
        step = _nice(last, up=False)
    step = max(step, 1.0) if last >= 1 else step
    n = int(last // step + 1e-9)
    return [int(k * step) if float(k * step).is_integer() else k * step for k in range(n + 1)]


def short_number(value: float) -> str:
    """12000 → "12k", 2500000 → "2.5M", 750 → "750", 0.5 → "0.5"."""
    for scale, suffix in ((1_000_000, "M"), (1_000, "k")):
        if abs(value) >= scale:
            return f"{value / scale:g}{suffix}"
    return f"{value:g}"


def round_xticks(plot: PlotextPlot, last: float) -> None:
    """Round x ticks from 0 to ``last``, about one per 12 columns (plotext's own would
    read 21016.5), labelled 0, 500, 1k…"""
    ticks = epoch_ticks(last, max(2, min(6, (plot.size.width or 80) // 12)))
    plot.plt.xticks(ticks, [short_number(t) for t in ticks])


class CurvesPanel(Widget):
    """Loss and accuracy curves of a run, with an optional test-set overlay.

    Attributes down: call `set_history` (and `set_test_history`) from the UI thread,
    as often as you like; nothing is redrawn unless something changed.

    History keys read: ``loss`` (sum of squared errors, as the report prints it),
    ``soft_acc`` (the report's 1 − mean|ŷ − y|) and ``acc`` (share classified right),
    both in percent as the trainer's metrics hold them.
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
    mean_loss: reactive[bool] = reactive(False)
    """Plot the loss per point (the sum over a set ÷ its size), so a training set and a
    test set of different sizes compare; off: the report's sum."""

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Create an empty panel."""
        super().__init__(name=name, id=id, classes=classes)
        self._history: History | None = None
        self._test: History | None = None
        self._sizes: tuple[int, int] = (1, 1)
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

    def set_sizes(self, n_train: int, n_test: int) -> None:
        """How many points the training and the test losses are sums over."""
        self._sizes = (max(int(n_train), 1), max(int(n_test), 1))
        self._maybe_redraw()

    def watch_mean_loss(self) -> None:
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
            self.mean_loss,
            self._sizes,
            tuple(self.loss_plot.size),
            tuple(self.acc_plot.size),
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

    def _color(self, series: _Series) -> tuple[int, int, int]:
        return theme_rgb(self.app, series.color_var, series.fallback)

    @staticmethod
    def _points(plot: PlotextPlot) -> int:
        """Samples per series: about one per column (80 before the first layout)."""
        return max(plot.size.width, 20) if plot.size.width else 80

    def _labels(self, plot: PlotextPlot, x: str, y: str) -> None:
        if plot.size.height >= LABELLED_ROWS:
            plot.plt.xlabel(x)
            plot.plt.ylabel(y)

    def _draw_loss(self) -> None:
        plot = self.loss_plot
        plt = plot.plt
        plt.clear_figure()
        what = "loss per point" if self.mean_loss else "loss"
        self._labels(plot, "epoch", f"log10 {what}" if self.log_loss else what)
        n = self._points(plot)
        shown: list[_Series] = []
        last = 0
        # Test first, so the training line is drawn on top where they overlap.
        for history, series, size in ((self._test, _LOSS_TEST, self._sizes[1]),
                                      (self._history, _LOSS_TRAIN, self._sizes[0])):
            if history is None:
                continue
            xs, ys = history.series(series.key, n)
            if not xs:
                continue
            if self.mean_loss:
                ys = [v / size for v in ys]
            if self.log_loss:
                ys = [math.log10(max(v, _LOG_FLOOR)) for v in ys]
            plt.plot(xs, ys, marker=series.marker, color=self._color(series))
            shown.insert(0, series)
            last = max(last, xs[-1])
        title = ("Loss per point" if self.mean_loss else "Loss") + (
            " (log10)" if self.log_loss else "")
        if not shown:
            plt.title(f"{title}: no data yet")
        else:
            plt.title(legend(title, shown, plot.size.width))
            round_xticks(plot, last)
        plot.refresh()

    def _draw_acc(self) -> None:
        plot = self.acc_plot
        plt = plot.plt
        plt.clear_figure()
        self._labels(plot, "epoch", "%")
        n = self._points(plot)
        lowest = math.inf
        last = 0
        shown: list[_Series] = []
        for history, group in ((self._test, _ACC_TEST), (self._history, _ACC_TRAIN)):
            if history is None:
                continue
            for series in group:
                xs, ys = history.series(series.key, n)
                if not xs:
                    continue
                lowest = min(lowest, *ys)
                last = max(last, xs[-1])
                plt.plot(xs, ys, marker=series.marker, color=self._color(series))
                shown.append(series)
        if math.isinf(lowest):
            plt.title("Accuracy (%): no data yet")
            plt.ylim(0, 100)
        else:
            plt.title(legend("Accuracy %", shown[::-1], plot.size.width))
            # A stable frame: the top is 100 %, the bottom a multiple of 10 below the data.
            plt.ylim(max(0.0, math.floor(min(lowest, 90.0) / 10.0) * 10.0), 100.0)
            round_xticks(plot, last)
        plot.refresh()
