"""``bp-tui backprop [RUN] --point I [--json] [--full]``: one training point's forward
and backward pass, update and gradient check, at a recorded run's saved weights.

RUN is a run directory or a run's name under the runs root (default: the newest run).
The text form (stdout) lists Z1, A1 … ŷ, the loss, then dZ_L, dW_L, dB_L … dW1, dB1 with
shapes and formulas, the update the point makes and the gradient check — ready to paste
into a report; ``--full`` prints wide vectors and matrices whole. ``--json`` prints
``{"run", "epoch", "point", "x", "y", "yhat", "loss", "lr", "layers": [{"Z", "A", "dZ",
"dW", "dB", "grad_check"}, …]}``. A point outside the set, a damaged run or a run
without weights exits 2 with one line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from tui.commands.common import EXIT_OK, Parser, add_runs_dir_flag, runs_root

__all__ = ["backprop_parser", "run_backprop"]


def backprop_parser() -> Parser:
    """The flags of ``bp-tui backprop``."""
    p = Parser(prog="bp-tui backprop",
               description="Back-propagation of one training point at a recorded run's "
                           "saved weights: forward pass, backward pass, update, gradient "
                           "check.")
    p.add_argument("run", metavar="RUN", nargs="?", default=None,
                   help="a run directory, or a run name under the runs root (default: the "
                        "newest run)")
    p.add_argument("--point", "-p", type=int, required=True, metavar="I",
                   help="the training point's index (0 … n − 1, as in the predictions table)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--full", action="store_true",
                   help="print wide vectors and matrices whole, not their summary")
    add_runs_dir_flag(p)
    return p


def run_backprop(argv: Sequence[str]) -> int:
    """``bp-tui backprop``: the text form (or JSON) on stdout; exit 2 with one line on any
    problem."""
    parser = backprop_parser()
    args = parser.parse_args(argv)
    from core.analysis.backprop_run import load_saved_run
    from core.analysis.backprop_text import backprop_text
    from core.records.index import RunsError, resolve_run
    from core.records.reader import printable

    try:
        path = resolve_run(runs_root(args), args.run)
    except RunsError as exc:
        parser.error(str(exc))
    shown = printable(path.name, 80)
    try:
        saved = load_saved_run(path)
    except ValueError as exc:
        parser.error(f"run {shown}: {printable(str(exc), 240)}")
    try:
        bp = saved.backprop(args.point)
    except IndexError as exc:
        parser.error(f"argument --point: run {shown}: {exc}")
    if args.json:
        print(json.dumps(bp.to_json(path.name)), flush=True)
    else:
        print(backprop_text(bp, shown, args.full), flush=True)
    return EXIT_OK
