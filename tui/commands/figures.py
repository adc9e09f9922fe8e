"""``bp-tui figures RUN… [--out DIR] [--format svg,png] [--dpi N]``: publication figures.

One run gets its loss (linear and log axis), both accuracies, ground truth beside
prediction and its continuous ŷ field; several runs get their histories overlaid and a
grid of their decision boundaries, labelled by the settings that differ. An output
folder under the runs root or inside a run is refused (exit 2) as ``export`` refuses
it; a run given as a symbolic link is refused too. Without a working matplotlib: one
line, exit 1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from core.files import printable
from tui.commands.common import (
    DISK_FULL,
    EXIT_FAILED,
    EXIT_OK,
    Parser,
    add_runs_dir_flag,
    runs_root,
)

__all__ = ["DPI_RANGE", "figures_parser", "run_figures_command"]

DPI_RANGE = (50, 1200)


def figures_parser() -> Parser:
    """Flags of ``bp-tui figures``."""
    p = Parser(prog="bp-tui figures",
               description="Write a run's figures (loss, accuracy, ground truth beside "
                           "prediction, the ŷ field), or the comparison figures of several "
                           "runs, as SVG and PNG for a report.")
    p.add_argument("runs", nargs="+", metavar="RUN", help="run names or directories")
    p.add_argument("--out", default="bp-tui-figures", metavar="DIR",
                   help="folder for the figures (default ./bp-tui-figures; never under "
                        "the runs directory)")
    p.add_argument("--format", default="svg,png", metavar="svg,png",
                   help="file formats, comma-separated (default svg,png)")
    p.add_argument("--dpi", default="200", metavar="N",
                   help=f"PNG resolution, {DPI_RANGE[0]}–{DPI_RANGE[1]} dots per inch "
                        "(default 200; figures are 8.4 cm wide)")
    add_runs_dir_flag(p)
    return p


def _dpi(p: Parser, text: str) -> int:
    try:
        dpi = int(text)
    except ValueError:
        dpi = 0
    if not DPI_RANGE[0] <= dpi <= DPI_RANGE[1]:
        p.error(f"argument --dpi: a whole number from {DPI_RANGE[0]} to {DPI_RANGE[1]}, "
                f"got {printable(text, 40)!r}")
    return dpi


def _runs(p: Parser, root: Path, names: Sequence[str]) -> list[Path]:
    """Each RUN as its real directory (no symbolic link), each once."""
    from core.records.index import RunsError, resolve_run

    paths: list[Path] = []
    for name in names:
        try:
            path = resolve_run(root, name)
        except RunsError as exc:
            p.error(f"argument RUN: {exc}")
        if os.path.islink(path):
            p.error(f"argument RUN: {printable(name, 80)!r} is a symbolic link, not a run "
                    "directory; give the run's own folder")
        if all(os.path.realpath(path) != os.path.realpath(q) for q in paths):
            paths.append(path)
    return paths


def run_figures_command(argv: Sequence[str]) -> int:
    """``bp-tui figures``: check everything, then draw and write the figures."""
    p = figures_parser()
    args = p.parse_args(argv)
    formats, dpi, paths = _checked(p, args)
    written = _write(p, args.out, paths, formats, dpi)
    if written is None:
        return EXIT_FAILED
    for path in written:
        print(path)
    what = "its figures" if len(paths) == 1 else f"{len(paths)} runs compared"
    print(f"bp-tui: wrote {len(written)} files ({what}) into {printable(args.out, 200)}",
          file=sys.stderr)
    return EXIT_OK


def _checked(p: Parser, args) -> tuple[tuple[str, ...], int, list[Path]]:
    """The formats, the dpi and the runs' directories, every flag checked (exit 2
    naming the first one wrong, an output folder ``export`` would refuse included)."""
    from core.figures import parse_formats
    from core.records.paths import RunsError, check_export_target

    try:
        formats = parse_formats(args.format)
    except ValueError as exc:
        p.error(f"argument --format: {exc}")
    dpi = _dpi(p, args.dpi)
    root = runs_root(args)
    paths = _runs(p, root, args.runs)
    try:
        check_export_target(args.out, root, paths)
    except RunsError as exc:
        p.error(f"argument --out: {str(exc).replace('export somewhere', 'write somewhere')}")
    return formats, dpi, paths


def _write(p: Parser, out: str, paths: list[Path], formats, dpi: int) -> list | None:
    """Draw and write the figures into ``out``: the files written, or None (said on
    stderr) without a working matplotlib or with a full disk; a run that cannot be
    drawn or a folder that cannot be written exits 2."""
    from core.figures import FiguresUnavailable, SourceError, write_figures

    try:
        return write_figures(paths, out, formats, dpi)
    except FiguresUnavailable as exc:
        print(f"bp-tui figures: {exc}", file=sys.stderr)
        return None
    except SourceError as exc:
        p.error(f"argument RUN: {exc}")
    except OSError as exc:
        if exc.errno in DISK_FULL:
            print(f"bp-tui figures: cannot write into {printable(out, 200)}: "
                  f"{exc.strerror}", file=sys.stderr)
            return None
        p.error(f"argument --out: cannot write into {printable(out, 200)}: "
                f"{exc.strerror or exc}")
