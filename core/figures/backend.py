"""matplotlib, loaded on first use with the Agg backend and bp-tui's figure style, and
the one deterministic way figures are saved.

Every figure is sized for a report's column (``WIDTH`` inches ≈ 8.4 cm) with 8-point
text, so it reads at its printed size; colours come with distinct markers (class 0 red
``o``, class 1 blue ``x``), so a greyscale print still tells them apart. Saving fixes
the SVG's id salt and metadata and the PNG's metadata: the same run gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from core import __version__

__all__ = [
    "BLUE",
    "FIELD_COLOURS",
    "FORMATS",
    "HEIGHT",
    "RED",
    "WIDTH",
    "FiguresUnavailable",
    "parse_formats",
    "pyplot",
    "save",
]

WIDTH = 3.3
"""Figure width in inches (8.4 cm): one column of a two-column report."""
HEIGHT = 2.3
"""Height of a single-plot figure in inches."""
FORMATS = ("svg", "png")
RED, BLUE = "#d62728", "#1f3f99"
"""Class 0 and class 1 points (the report's red o and blue x)."""
FIELD_COLOURS = ("#fbe4e0", "#b3c7e6")
"""The decision regions behind the points: class 0 light, class 1 darker (also in grey)."""

STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",  # bundled with matplotlib: the same glyphs everywhere
    "font.size": 8,
    "axes.titlesize": 8.5,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "figure.titlesize": 9,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.2,
    "lines.markersize": 4,
    "grid.linewidth": 0.4,
    "grid.alpha": 0.5,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "svg.hashsalt": "bp-tui",
    "svg.fonttype": "path",
    "path.simplify": True,
}


class FiguresUnavailable(RuntimeError):
    """matplotlib is missing or cannot be loaded; the message is one line."""


_plt: Any = None


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend with bp-tui's style applied (imported on
    the first call). FiguresUnavailable with one line if matplotlib is missing or broken."""
    global _plt
    if _plt is not None:
        return _plt
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        matplotlib.rcParams.update(STYLE)
        import matplotlib.pyplot as plt
    except Exception as exc:  # ImportError, or a broken install failing any other way
        first = (str(exc).splitlines() or [""])[0][:160]
        raise FiguresUnavailable(
            f"figures need matplotlib, which cannot be loaded ({type(exc).__name__}: "
            f"{first}); install it with: pip install 'matplotlib>=3.8,<4'") from None
    _plt = plt
    return plt


def parse_formats(text: str) -> tuple[str, ...]:
    """``"svg,png"`` → ("svg", "png"); ValueError naming what is allowed otherwise."""
    chosen = [part.strip().lower() for part in text.split(",") if part.strip()]
    bad = [f for f in chosen if f not in FORMATS]
    if not chosen or bad:
        raise ValueError(f"formats are {', '.join(FORMATS)} (comma-separated), "
                         f"got {text!r}")
    return tuple(dict.fromkeys(chosen))


def save(fig: Any, stem: str | Path, formats: Iterable[str] = FORMATS,
         dpi: int = 200) -> list[Path]:
    """Write ``fig`` as ``stem.svg`` / ``stem.png`` (``dpi`` for the PNG) and close it.

    The PNG is exactly the figure's size × dpi pixels (no tight cropping: constrained
    layout keeps everything inside). Output is deterministic: the SVG has no date and
    fixed ids, the PNG fixed metadata."""
    plt = pyplot()
    written = []
    try:
        for fmt in formats:
            path = Path(f"{stem}.{fmt}")
            meta = ({"Date": None, "Creator": f"bp-tui {__version__}"} if fmt == "svg"
                    else {"Software": f"bp-tui {__version__}"})
            fig.savefig(path, format=fmt, dpi=dpi, metadata=meta)
            fig.set_layout_engine("none")  # laid out once: the next format reuses it
            written.append(path)
    finally:
        plt.close(fig)
    return written
