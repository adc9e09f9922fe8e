"""``bp-tui eval RUN``: test a recorded run's final weights on fresh or loaded points.

    bp-tui eval RUN [--data NAME --n N --seed S | --data-file FILE.csv | --train]
                    [--accuracy soft|threshold] [--runs-dir DIR] [--predictions]

RUN is a run directory or a run's name under the runs root. stdout gets the report's
epoch line for the test set (``Epoch {epochs}, loss: …, accuracy: …%``, epochs = the
run's trained epochs); stderr says what was tested. A missing run, a run without
weights or a bad data file exits 2 with one line.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from core.labels import RIGHT, SOFT_ACC
from core.records import layout
from tui.commands.common import EXIT_OK, Parser, add_runs_dir_flag, runs_root, typed

__all__ = ["eval_parser", "run_eval"]


def eval_parser() -> Parser:
    """The flags of ``bp-tui eval``."""
    p = Parser(prog="bp-tui eval",
               description="Evaluate a recorded run's final weights on a fresh test set "
                           "(default: n new points of the run's own data set) or a CSV file.")
    p.add_argument("run", metavar="RUN", help="a run directory, or a run name under the runs root")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--data-file", type=typed("data_file"), default=None, metavar="FILE.csv",
                     help="test on the rows x0,x1,label of this CSV file")
    src.add_argument("--train", action="store_true",
                     help=f"evaluate on the run's own training points ({layout.DATA})")
    p.add_argument("--data", type=typed("data"), default=None, metavar="NAME",
                   help="data set to draw fresh points from (default: the run's)")
    p.add_argument("--n", type=int, default=None,
                   help="number of fresh points, 1..10000 (default: the run's training size)")
    p.add_argument("--seed", type=typed("seed"), default=0,
                   help="seed of the fresh points (default 0)")
    p.add_argument("--accuracy", type=typed("accuracy"), default=None, metavar="KIND",
                   help="soft (the report's) or threshold (default: the run's)")
    add_runs_dir_flag(p)
    p.add_argument("--predictions", action="store_true",
                   help="also print SimpleNet Predicted Probabilities for the test points")
    return p


def _load_run(parser, args):
    """(run directory, shown name, its RunInfo, Network, Loss) or exit 2 naming why."""
    from core.nn.losses import get_loss
    from core.nn.network import Network
    from core.records import read_run
    from core.records.index import RunsError, resolve_run
    from core.records.reader import printable, read_weights_or_raise

    try:
        path = resolve_run(runs_root(args), args.run)
    except RunsError as exc:
        parser.error(str(exc))
    shown = printable(path.name, 80)
    info = read_run(path)
    if info.damaged:
        parser.error(f"run {shown}: damaged: {info.damaged}")
    try:
        named = read_weights_or_raise(path)
    except ValueError as exc:
        parser.error(f"run {shown} has no readable {exc}")
    cfg = info.config
    try:
        net = Network.from_params(named, cfg.get("activation", "sigmoid"))
        loss = get_loss(cfg.get("loss", "mse"))
    except (ValueError, KeyError, TypeError) as exc:
        parser.error(f"run {shown}: {printable(exc, 200)}")
    return path, shown, info, net, loss


def _test_points(parser, args, path, shown, cfg):
    """(X, y, what they are) from --data-file, --train or fresh points; exit 2 if bad."""
    from core.analysis.points import MAX_TEST_N, fresh_test_set
    from core.datasets import DataError, load_csv
    from core.records import read_data
    from core.records.reader import as_float, as_int, printable

    if args.n is not None and not 1 <= args.n <= MAX_TEST_N:
        parser.error(f"argument --n: must be from 1 to {MAX_TEST_N}")
    if args.data_file:
        try:
            data = load_csv(args.data_file)
        except DataError as exc:
            parser.error(f"argument --data-file: {exc}")
        return data.X, data.y, f"{len(data)} points of {printable(args.data_file, 200)}"
    if args.train:
        try:
            X, y = read_data(path)
        except ValueError as exc:
            parser.error(f"argument --train: run {shown}: {exc}")
        return X, y, f"the run's {len(X)} training points"
    name = args.data or cfg.get("data", "linear")
    n = args.n or as_int(cfg.get("n_points"), 1) or as_int(cfg.get("n"), 1) or 100
    n = min(max(n, 1), MAX_TEST_N)
    data = fresh_test_set(name, n, args.seed, as_float(cfg.get("noise", 0.0)) or 0.0)
    return data.X, data.y, f"{n} fresh points of {name} (seed {args.seed})"


def run_eval(argv: Sequence[str]) -> int:
    """``bp-tui eval``: one epoch line on stdout; exit 2 with one line on any problem."""
    parser = eval_parser()
    args = parser.parse_args(argv)
    from core.analysis.points import confusion
    from core.nn.metrics import evaluate
    from core.records.reader import as_int
    from core.train.logfmt import epoch_line, prediction_lines

    path, shown, info, net, loss = _load_run(parser, args)
    cfg = info.config
    X, y, what = _test_points(parser, args, path, shown, cfg)
    if X.shape[1] != net.sizes[0]:
        parser.error(f"the data has {X.shape[1]} columns, the network {net.sizes[0]} inputs")
    metrics, yhat = evaluate(net, X, y, loss)
    which = args.accuracy or cfg.get("accuracy", "soft")
    epochs = as_int(info.summary.get("epoch"), 0)
    if epochs is None:
        epochs = as_int(cfg.get("epochs"), 0) or 0
    print(epoch_line(epochs, metrics.loss, metrics.accuracy(which)), flush=True)
    if args.predictions:
        print("\n".join(prediction_lines(yhat)), flush=True)
    C = confusion(yhat, y)
    wrong = int(C[0, 1] + C[1, 0])
    print(f"bp-tui: run {shown} on {what}: {wrong} misclassified, {SOFT_ACC} "
          f"{metrics.soft_acc:.2f}, {RIGHT} {metrics.acc:.2f}; "
          f"confusion [[{C[0, 0]} {C[0, 1]}] [{C[1, 0]} {C[1, 1]}]]", file=sys.stderr)
    return EXIT_OK
