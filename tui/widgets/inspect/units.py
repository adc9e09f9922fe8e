"""Hidden-unit thumbnails: each unit's output over the input square, as TensorFlow
Playground draws one per neuron — for networks of at most 16 units per layer.

A thumbnail is a small field of half-block pixels (two per character cell), shaded from
the low end of the activation's range (the class-0 colour) through the background to the
high end (the class-1 colour), so a unit that has learnt a line of the boundary shows it.
With NO_COLOR the cells are shades ``·░▒▓█``. Pure rendering: the outputs come from the
run's analyst (``Views.units``).
"""

from __future__ import annotations

import numpy as np
from rich.color import Color as RichColor
from rich.style import Style
from rich.text import Text

from tui.widgets.run.boundary import ramp

__all__ = ["RANGES", "unit_thumbnails"]

RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
"""The fixed colour range of an activation's outputs; others (ReLU…) run from 0 to the
layer's largest output."""
_SHADES = "·░▒▓█"
_LEVELS = 9


def _scaled(units: np.ndarray, activation: str) -> np.ndarray:
    """Outputs mapped to 0..1 over the activation's range."""
    lo, hi = RANGES.get(activation, (0.0, float(np.max(units, initial=0.0)) or 1.0))
    return np.clip((units - lo) / (hi - lo), 0.0, 1.0)


def unit_thumbnails(layers: tuple[np.ndarray, ...], activation: str, width: int,
                    colours: tuple[tuple[int, int, int], ...], no_color: bool) -> Text:
    """Every hidden layer's units as a row (wrapped to ``width``) of thumbnails;
    ``layers`` as ``Views.units``, ``colours`` (low, background, high) as RGB."""
    text = Text()
    palette = ramp(*colours, _LEVELS)
    for i, units in enumerate(layers, start=1):
        k, _, w = units.shape
        text.append(f"\nhidden layer {i}: {k} units, output over the input square "
                    f"(low → high)\n", style="bold")
        levels = np.rint(_scaled(units, activation) * (_LEVELS - 1)).astype(int)
        per_line = max(1, (width + 1) // (w + 1))
        for start in range(0, k, per_line):
            text.append_text(_strip(levels[start:start + per_line], palette, no_color))
            text.append("\n")
    return text


def _strip(levels: np.ndarray, palette: list[RichColor], no_color: bool) -> Text:
    """Thumbnails side by side, one character row (two pixel rows) at a time."""
    text = Text(no_wrap=True, overflow="crop")
    _, rows, w = levels.shape
    for r in range(0, rows - 1, 2):
        for j, unit in enumerate(levels):
            if j:
                text.append(" ")
            for c in range(w):
                up, lo = int(unit[r, c]), int(unit[r + 1, c])
                if no_color:
                    shade = (up + lo) * (len(_SHADES) - 1) // (2 * (_LEVELS - 1))
                    text.append(_SHADES[shade])
                else:
                    text.append("▀", Style(color=palette[up], bgcolor=palette[lo]))
        text.append("\n")
    text.rstrip()
    return text
