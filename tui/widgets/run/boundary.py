"""The decision boundary: ŷ over the input square as a colour field, points on top.

Each character cell shows two pixels stacked: an upper-half block ``▀`` whose foreground
is the upper pixel and whose background is the lower one, so a w×h widget shows a
w×2h boundary. Two modes:

- discrete: class 0 (ŷ < 0.5) in a muted class-0 colour, class 1 in a muted class-1
  colour — the boundary is where they meet;
- continuous: ŷ = 0 → class-0 colour, ŷ = ½ → background, ŷ = 1 → class-1 colour,
  in `LEVELS` steps, so the network's confidence shows.

Training points are drawn on top as ``o`` / ``x`` in their full class colour, bold, on
the panel's own background (a hole in the field), so they stay visible in every mode
and theme — a class-0 point on a confident class-0 field included. With predictions
(`set_points`' ``pred``) a cell holding a misclassified point is ``O`` / ``X``, reversed.
With NO_COLOR (``app.no_color``) the field degrades to characters: shades ``·░▒▓█``
by ŷ (continuous) or ``.`` / ``#`` (discrete). Before any boundary arrives the points are
drawn on an empty square.

The widget computes nothing from the network: it is handed the boundary (ŷ on a pixel grid,
computed off the UI thread by the run's analyst) with `set_boundary`, and asks for the size
it wants with `wanted` (a resize shows the last boundary scaled until the next arrives).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.color import Color as RichColor
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from core.analysis.boundary import Bounds, data_bounds
from core.nn.metrics import classes, wrong_count
from tui.widgets.run.scatter import UNKNOWN, scatter_grid

__all__ = ["LEVELS", "SHADES", "BoundaryView", "ramp", "shade_index"]

LEVELS = 11
SHADES = "·░▒▓█"


def shade_index(yhat: np.ndarray, levels: int) -> np.ndarray:
    """Quantise ŷ in [0, 1] to integers 0..levels−1 (same shape)."""
    return np.clip(np.rint(np.asarray(yhat) * (levels - 1)), 0, levels - 1).astype(int)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> RichColor:
    """The colour t of the way from a to b."""
    return RichColor.from_rgb(*(round(x + (y - x) * t) for x, y in zip(a, b)))


def ramp(low: tuple[int, int, int], back: tuple[int, int, int],
         high: tuple[int, int, int], levels: int) -> list[RichColor]:
    """``levels`` colours from ``low`` through ``back`` (the middle) to ``high``: the
    continuous field's shades, and the hidden-unit thumbnails'."""
    out = []
    for k in range(levels):
        t = k / (levels - 1)
        out.append(_mix(low, back, 2 * t) if t <= 0.5 else _mix(back, high, 2 * t - 1))
    return out


class BoundaryView(Widget):
    """ŷ of a network over the data's square, with the training points drawn on top.

    Attributes down: `set_points` (X (n, 2), y (n, 1)) and `set_boundary` (ŷ on a pixel
    grid, with the epoch it comes from); `continuous` switches the colour mode. The
    last row is the legend: the square's corners ("↙0,0" … "1,1↗") and the key (which
    region is which class, the point marks).
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "boundary-view--class-0",
        "boundary-view--class-1",
        "boundary-view--legend",
        "boundary-view--wrong",
    }

    DEFAULT_CSS = """
    BoundaryView { width: 1fr; height: 1fr; min-height: 5; }
    BoundaryView > .boundary-view--class-0 { color: $error; }
    BoundaryView > .boundary-view--class-1 { color: dodgerblue; }
    BoundaryView > .boundary-view--legend { color: $foreground-muted; }
    BoundaryView > .boundary-view--wrong { text-style: bold reverse; }
    """

    continuous: reactive[bool] = reactive(False)
    """Continuous ŷ shading instead of two classes."""
    show_epoch = True
    """The legend names the boundary's epoch (the dashboard's status line already does)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        """An empty view; nothing is drawn until `set_boundary`."""
        super().__init__(id=id, classes=classes)
        self.epoch: int | None = None
        self.bounds: Bounds = (0.0, 1.0, 0.0, 1.0)
        self._X: np.ndarray | None = None
        self._y: np.ndarray | None = None
        self._pred: np.ndarray | None = None
        self._boundary: np.ndarray | None = None
        self.boundaries_shown = 0
        """How many boundaries were handed over (for tests and benchmarks)."""

    # ------------------------------------------------------------ attributes down
    def set_points(self, X: np.ndarray | None, y: np.ndarray | None,
                   bounds: Bounds | None = None) -> None:
        """The points drawn on top (X (n, 2), y (n, 1)); ``bounds`` of the boundary. Clears
        the predictions."""
        self._X = None if X is None else np.asarray(X, float).reshape(-1, 2)
        self._y = None if y is None else np.asarray(y, float).reshape(-1)
        self._pred = None
        if bounds is None and self._X is not None:
            bounds = data_bounds(self._X)
        self.bounds = bounds or (0.0, 1.0, 0.0, 1.0)
        self.refresh()

    def set_prediction(self, yhat: np.ndarray | None) -> None:
        """ŷ (or its classes) at the points, (n,) or (n, 1), to mark the misclassified
        ones; None clears."""
        p = None if yhat is None else np.asarray(yhat, float).reshape(-1)
        if p is not None and (self._y is None or len(p) != len(self._y)):
            p = None
        self._pred = p
        self.refresh()

    @property
    def wrong_count(self) -> int:
        """Points the shown predictions get wrong (0 without predictions)."""
        if self._pred is None or self._y is None:
            return 0
        return wrong_count(self._pred, self._y)

    def set_boundary(self, boundary: np.ndarray | None, epoch: int | None = None) -> None:
        """Show ŷ on a pixel grid (rows, width), row 0 at the top (None: no network).
        A boundary that would look the same as the one shown is kept but not redrawn (while
        training most new boundaries change no cell): no bytes for the terminal."""
        old = self._boundary
        self._boundary = None if boundary is None else np.where(np.isfinite(boundary),
                                                                boundary, 0.5)
        epoch_shown = self.show_epoch and epoch != self.epoch
        self.epoch = epoch
        self.boundaries_shown += 1
        if old is not None and self._boundary is not None and old.shape == self._boundary.shape \
                and not epoch_shown and np.array_equal(self._look(old), self._look(self._boundary)):
            return
        self.refresh()

    def _look(self, boundary: np.ndarray) -> np.ndarray:
        """What the renderer draws of a boundary: in colour a level 0..LEVELS−1 per pixel
        (two classes: 0 or LEVELS−1); with NO_COLOR an index into SHADES, or a class, per
        character cell (the mean of its two pixels)."""
        if getattr(self.app, "no_color", False):
            rows = boundary.shape[0] // 2
            cell = (boundary[0::2][:rows] + boundary[1::2][:rows]) / 2
            return shade_index(cell, len(SHADES)) if self.continuous else (cell >= 0.5)
        if self.continuous:
            return shade_index(boundary, LEVELS)
        return np.where(boundary >= 0.5, LEVELS - 1, 0)

    def wanted(self) -> tuple[int, int] | None:
        """(width, pixel rows) of the boundary this view would draw now (None: not laid out)."""
        width, height = self.content_size.width, self.content_size.height
        if width <= 0 or height <= 1:
            return None
        return width, 2 * (height - 1)

    def watch_continuous(self) -> None:
        """Redraw in the other mode."""
        self.refresh()

    def boundary(self, width: int, pixel_rows: int) -> np.ndarray | None:
        """The boundary at width × pixel_rows (the last one handed over, scaled to fit)."""
        f = self._boundary
        if f is None:
            return None
        if f.shape == (pixel_rows, width):
            return f
        rows = (np.arange(pixel_rows) * f.shape[0] // pixel_rows).clip(0, f.shape[0] - 1)
        cols = (np.arange(width) * f.shape[1] // width).clip(0, f.shape[1] - 1)
        return f[np.ix_(rows, cols)]

    # ------------------------------------------------------------ drawing
    def _colors(self) -> tuple[tuple[int, int, int], tuple[int, int, int], tuple[int, int, int]]:
        def rgb(style: Style, default: tuple[int, int, int]) -> tuple[int, int, int]:
            color = style.color if style else None
            if color is None:
                return default
            t = color.get_truecolor()
            return (t.red, t.green, t.blue)

        c0 = rgb(self.get_component_rich_style("boundary-view--class-0"), (220, 60, 60))
        c1 = rgb(self.get_component_rich_style("boundary-view--class-1"), (30, 144, 255))
        bg = self.rich_style.bgcolor
        back = (0, 0, 0)
        if bg is not None:
            t = bg.get_truecolor()
            back = (t.red, t.green, t.blue)
        return c0, c1, back

    def _palette(self) -> list[Style]:
        """Pixel colours by level 0..LEVELS−1 (discrete: only 0 and LEVELS−1 used)."""
        c0, c1, back = self._colors()
        if self.continuous:
            return ramp(c0, back, c1, LEVELS)
        return [_mix(back, c0 if k < (LEVELS - 1) / 2 else c1, 0.45) for k in range(LEVELS)]

    def _swatch(self, c: int) -> tuple[str, Style]:
        """How a class-``c`` region looks, as a legend swatch: its colour (the confident
        end of the ramp when continuous), or its NO_COLOR character."""
        if getattr(self.app, "no_color", False):
            return ("·" if self.continuous else ".") if c == 0 else "█" if self.continuous \
                else "#", Style()
        palette = self._palette()
        return "██", Style(color=palette[0 if c == 0 else LEVELS - 1])

    def corner_ticks(self) -> tuple[str, str]:
        """The input square's corners as the legend line shows them: "↙0,0" (bottom
        left: x0, x1 at their lowest) and "1,1↗" (top right: at their highest)."""
        x0, x1, y0, y1 = self.bounds
        return f"↙{x0:.3g},{y0:.3g}", f"{x1:.3g},{y1:.3g}↗"

    def _legend(self, width: int) -> Text:
        """The line under the boundary: the bottom-left corner's coordinates at the left,
        the top-right corner's at the right, and between them the key — which region
        is which class (ŷ ≥ 0.5 is class 1), the point marks, the misclassified count.
        Narrow, the key shortens, then gives way to the corners."""
        dim = self.get_component_rich_style("boundary-view--legend")
        wrong = self.get_component_rich_style("boundary-view--wrong")
        left, right = self.corner_ticks()
        room = width - len(left) - len(right) - 2
        for long, points, epoch in ((True, True, True), (True, True, False),
                                    (False, True, False), (False, False, False)):
            key = self._key(long, points, epoch, dim, wrong)
            if key.cell_len <= room:
                break
        else:
            key = self._key(False, True, False, dim, wrong)  # no room for the corners
        text = Text(no_wrap=True, overflow="crop")
        if key.cell_len <= room:
            text.append(left + " ", dim)
            text.append_text(key)
            text.append(" " * (room - key.cell_len) + " " + right, dim)
        else:
            text.append_text(key)
        return text

    def _key(self, long: bool, points: bool, epoch: bool, dim: Style, wrong: Style) -> Text:
        key = Text(no_wrap=True)
        if self._boundary is None:
            key.append("no network yet" if long else "no net", dim)
        else:
            for c in (0, 1):
                mark, style = self._swatch(c)
                key.append(mark, style)
                key.append(f" class {c} " if long else f"{c} ", dim)
            mode = "(continuous ŷ)" if self.continuous else "(ŷ ≥ 0.5 is 1)"
            key.append(mode if long else ("ŷ" if self.continuous else "ŷ≥½"), dim)
        if points:
            key.append("  " if long else " ")
            for c in (0, 1):
                style = self.get_component_rich_style(f"boundary-view--class-{c}") + Style(
                    bold=True)
                key.append(" x" if c and long else "x" if c else "o", style)
            key.append(" points" if long else "", dim)
        if self.wrong_count:
            key.append("  " if long else " ")
            key.append("O", wrong + self.get_component_rich_style("boundary-view--class-0"))
            key.append("X", wrong + self.get_component_rich_style("boundary-view--class-1"))
            key.append(f" {self.wrong_count} wrong" if long else f"{self.wrong_count}✗", dim)
        if self.epoch is not None and epoch and self.show_epoch:
            key.append(f"  epoch {self.epoch}", dim)
        return key

    def render(self) -> Text:
        """The boundary (all rows but the last) and the legend line."""
        width, height = self.content_size.width, self.content_size.height
        if width <= 0 or height <= 0:
            return Text("")
        rows = max(height - 1, 1)
        boundary = self.boundary(width, 2 * rows)
        marks, wrong = self.marks(width, rows)
        text = Text(no_wrap=True, overflow="crop")
        if getattr(self.app, "no_color", False):
            self._render_chars(text, boundary, marks, wrong)
        else:
            self._render_colour(text, boundary, marks, wrong)
        if height > 1:
            text.append("\n")
            text.append_text(self._legend(width))
        return text

    def marks(self, width: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
        """The points on a width×rows grid, the ground-truth panel's cells
        (`scatter_grid`): each cell's majority true class and whether the predictions get
        one of its points wrong; with no network yet, the classes are UNKNOWN."""
        X = self._X if self._X is not None else np.empty((0, 2))
        known = self._y is not None and (self._boundary is not None or self._pred is not None)
        grid = scatter_grid(X, classes(self._y) if known else None, width, rows, self.bounds,
                            None if self._pred is None else classes(self._pred))
        return grid.cls, grid.wrong

    def _point_styles(self) -> dict[tuple[int, bool], Style]:
        """Point markers: bold, full class colour, on the panel's background."""
        back = self.rich_style.bgcolor
        wrong = self.get_component_rich_style("boundary-view--wrong")
        out = {(UNKNOWN, False): self.get_component_rich_style("boundary-view--legend")}
        for c in (0, 1):
            base = self.get_component_rich_style(f"boundary-view--class-{c}") + Style(
                bold=True, bgcolor=back)
            out[(c, False)], out[(c, True)] = base, base + wrong
        return out

    def _render_colour(self, text: Text, boundary: np.ndarray | None, marks: np.ndarray,
                       wrong: np.ndarray) -> None:
        rows, width = marks.shape
        levels = np.full((2 * rows, width), -1) if boundary is None else self._look(boundary)
        palette, points = self._palette(), self._point_styles()
        cache: dict[tuple[int, int, int, bool], tuple[str, Style]] = {}
        for r in range(rows):
            if r:
                text.append("\n")
            up, lo, mk, wr = levels[2 * r], levels[2 * r + 1], marks[r], wrong[r]
            c0 = 0
            while c0 < width:
                key = (int(up[c0]), int(lo[c0]), int(mk[c0]), bool(wr[c0]))
                c1 = c0 + 1
                while c1 < width and (up[c1], lo[c1], mk[c1], wr[c1]) == key:
                    c1 += 1
                look = cache.get(key)
                if look is None:
                    look = cache[key] = self._cell_look(key, palette, points)
                text.append(look[0] * (c1 - c0), look[1])
                c0 = c1

    @staticmethod
    def _cell_look(key: tuple[int, int, int, bool], palette: list, points: dict
                   ) -> tuple[str, Style]:
        """Character and style of a cell: a point, two boundary pixels, or nothing."""
        up, lo, mark, wrong = key
        if mark == UNKNOWN:
            return "·", points[(UNKNOWN, False)]
        if mark >= 0:
            return ("OX" if wrong else "ox")[mark], points[(mark, wrong)]
        if up < 0:
            return " ", Style()
        return "▀", Style(color=palette[up], bgcolor=palette[lo])

    def _render_chars(self, text: Text, boundary: np.ndarray | None, marks: np.ndarray,
                      wrong: np.ndarray) -> None:
        rows, width = marks.shape
        if boundary is None:
            chars = np.full((rows, width), " ")
        elif self.continuous:
            chars = np.array(list(SHADES))[self._look(boundary)]
        else:
            chars = np.where(self._look(boundary), "#", ".")
        point = np.where(wrong, np.where(marks == 0, "O", "X"), np.where(marks == 0, "o", "x"))
        point = np.where(marks == UNKNOWN, "·", point)
        chars = np.where(marks >= 0, point, chars)
        text.append("\n".join("".join(row) for row in chars))
