"""The ``bp-tui`` command: the dashboard by default, ``bp-tui train`` headless.

Every invalid value is refused before anything runs, with one line naming the flag and
what is allowed, and exit status 2 — never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

# One BLAS thread: the training kernel is single-threaded and the UI needs the other
# core; OpenBLAS's helper thread only contends with both (bench/dashboard.py). Set
# before NumPy loads; a user's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from core import __version__
from core.config import ACCURACIES, BACKENDS, ConfigError, RunConfig, parse_field
from core.datasets import DATASETS

EXIT_OK, EXIT_USAGE, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 2, 3, 130
# name -> "module:function" taking argv and returning an exit status; imported lazily
SUBCOMMANDS: dict[str, str] = {
    "train": "tui.cli:run_train",
    "runs": "tui.runs_cli:run_runs",
    "watch": "tui.runs_cli:run_watch",
    "sweep": "tui.runs_cli:run_sweep",
    "export": "tui.runs_cli:run_export",
    "eval": "tui.eval_cli:run_eval",
}


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _typed(name: str):
    def parse(text: str) -> Any:
        try:
            return parse_field(name, text)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(exc.reason) from None

    parse.__name__ = name  # argparse names the type in some messages
    return parse


def add_run_flags(p: argparse.ArgumentParser) -> None:
    """The flags shared by ``bp-tui`` and ``bp-tui train``: every setting of a run."""
    d = RunConfig()
    g = p.add_argument_group("data")
    g.add_argument("--data", type=_typed("data"), default=d.data, metavar="NAME",
                   help=f"data set: {', '.join(DATASETS)} (default {d.data})")
    g.add_argument("--n", type=_typed("n"), default=None,
                   help="number of points (default: 100; xor-grid 70; xor is fixed at 21)")
    g.add_argument("--noise", type=_typed("noise"), default=d.noise,
                   help="noise 0..1 for circle, spiral, gauss (default 0)")
    g.add_argument("--seed", type=_typed("seed"), default=d.seed,
                   help=f"seed for data, initial weights and shuffling (default {d.seed})")
    g.add_argument("--data-file", type=_typed("data_file"), default=None, metavar="FILE.csv",
                   help="train on a CSV of x0,x1,label rows instead of a generator")
    g = p.add_argument_group("network")
    g.add_argument("--hidden", nargs="+", default=None, metavar="H",
                   help="hidden layer sizes, e.g. --hidden 64 64 or --hidden 256,512")
    g.add_argument("--activation", type=_typed("activation"), default=d.activation,
                   metavar="NAME",
                   help="hidden activation: sigmoid, tanh, relu, leaky-relu, none")
    g.add_argument("--init", type=_typed("init"), default=d.init, metavar="NAME",
                   help="initial weights: normal (N(0,1), the report's), xavier, he")
    g.add_argument("--init-weights", type=_typed("init_weights"), default=None,
                   metavar="FILE.npz", help="start from W1…Wk, B1…Bk in this .npz file")
    g = p.add_argument_group("training")
    g.add_argument("--loss", type=_typed("loss"), default=d.loss, metavar="NAME",
                   help="mse (the report's Σ(y−ŷ)²) or bce")
    g.add_argument("--optimizer", type=_typed("optimizer"), default=d.optimizer,
                   metavar="NAME", help="sgd (the report's), momentum, adam")
    g.add_argument("--lr", type=_typed("lr"), default=d.lr, help=f"learning rate (default {d.lr})")
    g.add_argument("--momentum", type=_typed("momentum"), default=d.momentum,
                   help="momentum for --optimizer momentum (default 0.9)")
    g.add_argument("--epochs", type=_typed("epochs"), default=d.epochs,
                   help=f"epochs to train (default {d.epochs})")
    g.add_argument("--log-every", type=_typed("log_every"), default=d.log_every, metavar="E",
                   help=f"print an epoch line every E epochs (default {d.log_every})")
    g.add_argument("--batch-size", type=_typed("batch_size"), default=d.batch_size,
                   metavar="B", help="points per update; 1 = the report's per-point SGD")
    g.add_argument("--shuffle", action="store_true", help="shuffle the points every epoch")
    g.add_argument("--accuracy", type=_typed("accuracy"), default=d.accuracy,
                   metavar="KIND",
                   help=f"accuracy the log shows: {' or '.join(ACCURACIES)} (default soft, "
                        "the report's)")
    g.add_argument("--backend", type=_typed("backend"), default=d.backend, metavar="NAME",
                   help=f"training engine: {', '.join(BACKENDS)} (default auto: compiled)")
    g = p.add_argument_group("records")
    g.add_argument("--runs-dir", default=None, metavar="DIR",
                   help="where runs are recorded (default $BP_TUI_RUNS or "
                        "~/.local/share/bp-tui/runs)")
    g.add_argument("--name", type=_typed("name"), default=None, help="name of the run")
    g.add_argument("--no-record", action="store_true", help="do not record the run on disk")


def config_from_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> RunConfig:
    """Build and validate the RunConfig; on error exit 2 naming the flag."""
    hidden = RunConfig().hidden
    if args.hidden is not None:
        try:
            hidden = parse_field("hidden", " ".join(args.hidden))
        except ConfigError as exc:
            parser.error(f"argument --hidden: {exc.reason}")
    config = RunConfig(
        data=args.data, n=args.n, noise=args.noise, seed=args.seed, data_file=args.data_file,
        hidden=hidden, activation=args.activation, loss=args.loss, optimizer=args.optimizer,
        lr=args.lr, momentum=args.momentum, epochs=args.epochs, log_every=args.log_every,
        batch_size=args.batch_size, shuffle=args.shuffle, init=args.init,
        init_weights=args.init_weights, accuracy=args.accuracy, backend=args.backend,
        name=args.name,
    )
    try:
        return config.validate()
    except ConfigError as exc:
        parser.error(f"argument --{exc.field.replace('_', '-')}: {exc.reason}")


def train_parser() -> Parser:
    p = Parser(prog="bp-tui train", description="Train headless, printing the report's log.")
    add_run_flags(p)
    p.add_argument("--no-predictions", action="store_true",
                   help="do not print the predicted probabilities at the end")
    return p


def dashboard_parser() -> Parser:
    p = Parser(
        prog="bp-tui",
        description="A terminal dashboard in which a from-scratch back-propagation network "
                    "learns 2-D toy problems.",
        epilog="subcommands (each has --help): train (headless training, the report's log), "
               "runs (the recorded runs), watch [RUN] (follow a run live), sweep (a grid of "
               "runs in parallel), export RUN… (metrics and tables), eval RUN (test a "
               "run's weights on fresh or CSV data).",
    )
    p.add_argument("--version", action="version", version=f"bp-tui {__version__}")
    add_run_flags(p)
    p.add_argument("--start", action="store_true", help="start training at once")
    p.add_argument("--fps", type=float, default=8.0, help="screen refreshes per second (1–30)")
    return p


def run_train(argv: Sequence[str]) -> int:
    """``bp-tui train``: the report's log on stdout, notes on stderr."""
    parser = train_parser()
    args = parser.parse_args(argv)
    config = config_from_args(parser, args)
    from core.train.session import Session, SetupError

    try:
        session = Session(config, runs_root=args.runs_dir, record=not args.no_record)
    except SetupError as exc:
        if exc.field:
            parser.error(f"argument --{exc.field.replace('_', '-')}: {exc.reason}")
        parser.error(str(exc))
    controls = session.controls
    interrupted = {"count": 0}

    def on_signal(signum, frame):
        interrupted["count"] += 1
        if interrupted["count"] > 1:
            raise KeyboardInterrupt
        controls.stop()

    for sig in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, on_signal)
    last = None
    try:
        for p in session.iterate():
            for line in p.lines:
                print(line, flush=True)
            last = p
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        session.finish("stopped", "output closed")
        sys.stderr.close()
        return EXIT_INTERRUPTED
    if last is not None and last.status == "finished" and not args.no_predictions:
        from core.train.logfmt import prediction_lines

        lines = prediction_lines(last.yhat)
        print("\n".join(lines), flush=True)
        session.log(lines)
    if session.recorder is not None:
        print(f"bp-tui: run recorded in {session.recorder.dir}", file=sys.stderr)
    if last is None or last.status == "stopped":
        return EXIT_INTERRUPTED
    if last.status == "diverged":
        print(f"bp-tui: {last.message}", file=sys.stderr)
        return EXIT_DIVERGED
    return EXIT_OK


def run_dashboard(argv: Sequence[str]) -> int:
    """``bp-tui``: the Textual dashboard."""
    parser = dashboard_parser()
    args = parser.parse_args(argv)
    config = config_from_args(parser, args)
    if not 1 <= args.fps <= 30:
        parser.error("argument --fps: must be from 1 to 30")
    from tui.app import create_app

    app = create_app(config, runs_dir=args.runs_dir, record=not args.no_record,
                     start=args.start, fps=args.fps)
    app.run()
    return app.return_code or 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``bp-tui`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        module, _, func = SUBCOMMANDS[argv[0]].partition(":")
        return getattr(importlib.import_module(module), func)(argv[1:])
    return run_dashboard(argv)


if __name__ == "__main__":
    sys.exit(main())


def entry() -> None:
    """Console-script wrapper: exit with ``main``'s status."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    sys.exit(main())
