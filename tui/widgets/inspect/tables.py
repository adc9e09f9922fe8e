"""Text views of a network: the confusion matrices and the layers with weight statistics.

Both are `Static` widgets rebuilt from plain arrays with `show`; they never touch a
running network (they get copies from the inspector).
"""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from core.analysis.points import confusion
from core.labels import RIGHT
from tui.theme import theme_color, theme_rgb
from tui.widgets.inspect.units import unit_thumbnails

__all__ = ["MATRIX_MAX_UNITS", "ConfusionView", "NetworkView", "confusion_table"]

MATRIX_MAX_UNITS = 16  # layers up to this size also show every weight


def confusion_table(title: str, C: np.ndarray | None) -> Table:
    """A Rich table of the counts C (2, 2): rows true class, columns predicted class."""
    table = Table(title=title, title_justify="left", expand=False, show_edge=True)
    table.add_column("true \\ predicted", justify="right")
    table.add_column("0", justify="right")
    table.add_column("1", justify="right")
    table.add_column(RIGHT, justify="right")
    if C is None:
        table.add_row("–", "–", "–", "–")
        return table
    for t in (0, 1):
        row_total = int(C[t].sum())
        acc = f"{100 * C[t, t] / row_total:.1f}%" if row_total else "–"
        cells = [Text(str(int(C[t, p])), style="bold" if p == t else "bold red")
                 if C[t, p] else Text("0") for p in (0, 1)]
        table.add_row(f"class {t}", *cells, acc)
    total = int(C.sum())
    right = int(C[0, 0] + C[1, 1])
    table.add_row("all", str(int(C[:, 0].sum())), str(int(C[:, 1].sum())),
                  f"{100 * right / total:.1f}%" if total else "–")
    return table


class ConfusionView(Static):
    """Confusion matrices of the training set and the test set (ŷ ≥ 0.5 is class 1)."""

    def show(self, train: tuple[np.ndarray, np.ndarray] | None,
             test: tuple[np.ndarray, np.ndarray] | None, epoch: int | None) -> None:
        """``train`` / ``test``: (ŷ (n, 1), y (n, 1)) or None."""
        c_train = confusion(*train) if train is not None else None
        c_test = confusion(*test) if test is not None else None
        head = Text(f"after epoch {epoch}" if epoch is not None else "no network yet",
                    style="dim")
        hint = Text("" if test is not None else "no test set: make one in tab 2 (Test)",
                    style="dim")
        self.update(Group(head, confusion_table("Training set", c_train),
                          confusion_table("Test set", c_test), hint))


class NetworkView(Static):
    """The layers with their sizes and per-array statistics; small layers' weights as a
    coloured matrix (negative in the error colour, positive in the primary colour)."""

    def show(self, layers, named: dict[str, np.ndarray] | None, activation: str,
             epoch: int | None, units: tuple[np.ndarray, ...] | None = None) -> None:
        """Redraw from the analyst's layer statistics ``layers`` and, for small networks,
        the weights ``named`` ({"W1": (2, h1), "B1": (h1,), …}; None for large ones)."""
        self._shown = (layers, named, activation, epoch, units)
        if layers is None:
            self.update(Text("no network yet: start a run (s)", style="dim"))
            return
        shapes = {s.name: s.shape for s in layers}
        n_layers = sum(1 for k in shapes if k.startswith("W"))
        sizes = [shapes["W1"][0]] + [shapes[f"W{i}"][1] for i in range(1, n_layers + 1)]
        arch = " → ".join(str(s) for s in sizes)
        head = Text(arch, style="bold")
        head.append(f" · hidden {activation}, output sigmoid · epoch {epoch}")
        table = Table(expand=False, show_edge=False, pad_edge=False)
        for col in ("array", "shape", "mean", "std", "min", "max", "norm"):
            table.add_column(col, justify="left" if col in ("array", "shape") else "right")
        for s in layers:
            table.add_row(s.name, "×".join(map(str, s.shape)), f"{s.mean:+.3f}",
                          f"{s.std:.3f}", f"{s.min:+.3f}", f"{s.max:+.3f}", f"{s.norm:.3f}")
        parts: list = [head, table]
        if units is not None:
            parts.append(unit_thumbnails(units, activation, max(self.size.width, 40),
                                         self._unit_colours(), self.app.no_color))
        if named is not None:
            for i in range(1, n_layers + 1):
                parts.append(self._matrix(f"W{i}", named[f"W{i}"], named[f"B{i}"]))
        else:
            parts.append(Text(f"(weights shown one by one for ≤ {MATRIX_MAX_UNITS} units "
                              "per layer)", style="dim"))
        self.update(Group(*parts))

    def on_resize(self) -> None:
        """The thumbnails wrap to the width: draw again at the new one."""
        shown = getattr(self, "_shown", None)
        if shown is not None and shown[4] is not None:
            self.show(*shown)

    def _unit_colours(self) -> tuple[tuple[int, int, int], ...]:
        """(low, background, high): the class-0 and class-1 colours of the boundary."""
        return tuple(theme_rgb(self.app, name, fallback) for name, fallback in
                     (("error", "red"), ("background", "black"), ("primary", "blue")))

    def _matrix(self, name: str, W: np.ndarray, B: np.ndarray) -> Text:
        """W (fan_in, fan_out) with the bias row B, each cell tinted by sign and size."""
        neg = theme_color(self.app, "error", "red")
        pos = theme_color(self.app, "primary", "blue")
        back = theme_color(self.app, "background", "black")
        scale = float(np.max(np.abs(np.concatenate([W.ravel(), B.ravel()])))) or 1.0
        text = Text(f"\n{name} (rows: inputs, last row: B) ", style="bold")
        for r, row in enumerate([*W, B]):
            text.append("\n" + ("B " if r == len(W) else f"{r:<2d}"))
            for w in row:
                w = float(w)
                tint = back.blend(neg if w < 0 else pos, min(abs(w) / scale, 1.0) * 0.8)
                text.append(f"{w:+6.2f}", Style(bgcolor=tint.rich_color,
                                                color=tint.get_contrast_text().rich_color))
        return text
