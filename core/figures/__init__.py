"""Publication figures from run records: loss, accuracy, ground truth beside prediction,
the continuous ŷ field, overlaid histories and boundary grids, as SVG and PNG.

matplotlib (Agg, headless) is imported only inside the functions that draw, so importing
this package — or any other part of bp-tui — never loads it. Runs are read through
``core.records``, the one reader.
"""

from core.figures.backend import FORMATS, FiguresUnavailable, parse_formats
from core.figures.source import FigureSource, SourceError, load_source
from core.figures.writer import comparison_figures, run_figures, save_figures, write_figures

__all__ = [
    "FORMATS",
    "FigureSource",
    "FiguresUnavailable",
    "SourceError",
    "comparison_figures",
    "load_source",
    "parse_formats",
    "run_figures",
    "save_figures",
    "write_figures",
]
