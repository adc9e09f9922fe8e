"""plotext views of the inspect screen: the activation with its derivative and the
pre-activation histograms (saturation as it happens), and the diagnosis curves
(gradient norms and saturated share per layer over epochs).

Each view is a row of `PlotextPlot`s redrawn only by `show` (called by the inspect
screen when the weights changed and the view is visible).
"""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

from core.analysis.diagnosis import Measures
from core.nn.activations import get_activation

__all__ = ["SATURATION_Z", "ActivationView", "DiagnosisView"]

SATURATION_Z = {"sigmoid": 4.595, "tanh": 2.647}  # |z| beyond which A is within 0.01 of flat
_LAYER_COLORS = ("blue", "orange", "green", "magenta", "cyan", "red", "yellow", "white")


class ActivationView(Horizontal):
    """The chosen activation and its derivative over z ∈ [−8, 8] (the report's first
    figure), and the histogram of each hidden layer's pre-activations Z on the training
    set, with the saturation band marked."""

    def compose(self) -> ComposeResult:
        """Two plots side by side."""
        yield PlotextPlot(id="act-curve")
        yield PlotextPlot(id="act-hist")

    def show(self, activation: str, saturation: tuple[float, ...] | None,
             histograms, epoch: int | None) -> None:
        """Redraw for ``activation`` and the pre-activation ``histograms`` ((counts, lo,
        hi) per hidden layer, computed by the analyst; empty: curves only)."""
        self._draw_curves(activation)
        self._draw_histograms(activation, saturation, histograms, epoch)

    def _draw_curves(self, activation: str) -> None:
        """The activation A(z) and its derivative over z ∈ [−8, 8]."""
        act = get_activation(activation)
        z = np.linspace(-8, 8, 161)
        a = act.forward(z)
        d = act.derivative(z, a)
        plot = self.query_one("#act-curve", PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        plt.title(f"{activation} and its derivative")
        plt.plot(z.tolist(), a.tolist(), label=activation, marker="braille", color="blue")
        plt.plot(z.tolist(), d.tolist(), label="derivative", marker="braille", color="orange")
        plt.xlabel("z")
        plot.refresh()

    def _draw_histograms(self, activation: str, saturation: tuple[float, ...] | None,
                         histograms, epoch: int | None) -> None:
        """One bar series per hidden layer's Z, the saturation edges as red lines."""
        hist = self.query_one("#act-hist", PlotextPlot)
        plt = hist.plt
        plt.clear_figure()
        plt.xlabel("Z (pre-activation)")
        if not histograms:
            plt.title("Pre-activations: no network yet")
            hist.refresh()
            return
        sat = ", ".join(f"{v:.0%}" for v in (saturation or ())[:-1])
        plt.title(f"Z of hidden layers, epoch {epoch}; saturated {sat}")
        for i, (counts, lo, hi) in enumerate(histograms):
            edges = np.linspace(lo, hi, len(counts) + 1)
            centres = ((edges[:-1] + edges[1:]) / 2).tolist()
            plt.bar(centres, [int(c) for c in counts], label=f"Z{i + 1}", width=0.9,
                    color=_LAYER_COLORS[i % len(_LAYER_COLORS)])
        edge = SATURATION_Z.get(activation)
        if edge is not None:
            plt.vline(-edge, "red")
            plt.vline(edge, "red")
        lo = min(h[1] for h in histograms)
        hi = max(h[2] for h in histograms)
        ticks = np.linspace(lo, hi, 5)  # fixed ticks: plotext's own follow the bars' order
        plt.xticks(ticks.tolist(), [f"{t:.3g}" for t in ticks])
        hist.refresh()

class DiagnosisView(Vertical):
    """The plateau verdict, then ‖dW_l‖ (log10) and the saturated share of each layer
    over the epochs of the run."""

    def compose(self) -> ComposeResult:
        """A verdict line and two plots."""
        yield Static("", id="diag-verdict")
        with Horizontal(id="diag-plots"):
            yield PlotextPlot(id="diag-grad")
            yield PlotextPlot(id="diag-sat")

    def show(self, rows, m: Measures | None, message: str, lr: float,
             epoch: int | None) -> None:
        """Redraw from the analyst's diagnosis rows (epoch, ‖dW_l‖…, saturated share…)."""
        if m is None:
            verdict = "no network yet: start a run (s)"
        else:
            norms = " ".join(f"‖dW{i + 1}‖ {g:.2g}" for i, g in enumerate(m.grad_norms))
            sat = " ".join(f"L{i + 1} {s:.0%}" for i, s in enumerate(m.saturation))
            verdict = (f"epoch {epoch}  lr {lr:g}\n{norms}\nsaturated: {sat}\n"
                       f"{message or 'no plateau: the loss is still improving'}")
        self.query_one("#diag-verdict", Static).update(Text(verdict))
        layers = len(rows[0][1]) if rows else 0
        epochs = [r[0] for r in rows]
        for plot_id, col, title in (("#diag-grad", 1, "log10 ‖dW‖ per layer"),
                                    ("#diag-sat", 2, "saturated units (%)")):
            plot = self.query_one(plot_id, PlotextPlot)
            plt = plot.plt
            plt.clear_figure()
            plt.title(title)
            plt.xlabel("epoch")
            for layer in range(layers):
                ys = [r[col][layer] for r in rows]
                ys = ([math.log10(max(v, 1e-30)) for v in ys] if col == 1
                      else [100.0 * v for v in ys])
                plt.plot(epochs, ys, label=f"L{layer + 1}", marker="braille",
                         color=_LAYER_COLORS[layer % len(_LAYER_COLORS)])
            if col == 2:
                plt.ylim(0, 100)
            plot.refresh()
