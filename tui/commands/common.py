"""What the commands share: the one-line-error parser, exit statuses, the flags of a
run's settings and the runs-directory flag.

Every invalid value is refused before anything runs, with one line naming the flag and
what is allowed, and exit status 2 — never a traceback.
"""

from __future__ import annotations

import argparse
import errno
from pathlib import Path
from typing import Any, NoReturn

from core.config import ACCURACIES, BACKENDS, ConfigError, RunConfig, parse_field
from core.datasets import DATASETS
from tui.process import (  # exit statuses: see tui.process
    EXIT_DIVERGED,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    keep_going_after_hangup,
)

__all__ = [
    "DISK_FULL",
    "EXIT_DIVERGED",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "Parser",
    "add_run_flags",
    "add_runs_dir_flag",
    "config_from_args",
    "keep_going_after_hangup",
    "runs_root",
    "typed",
]

DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG})
"""errno values that mean "the disk failed" (exit 1), not "the path given is wrong" (2)."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump) and exit status 2. With
    ``--preset NAME`` (``add_run_flags``) the report run's settings become the defaults
    and the arguments are read again: flags given beside it still win."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        parsed, rest = super().parse_known_args(args, namespace)
        name = getattr(parsed, "preset", None)
        if name is None or not getattr(self, "report_presets", False):
            return parsed, rest  # no preset, or another kind (``sweep --preset``)
        self.set_defaults(**_preset_defaults(name))
        return super().parse_known_args(args, namespace)


def _preset_defaults(name: str) -> dict[str, Any]:
    """The flags' defaults that load the report's run ``name``."""
    from core.reproduce.presets import report_config

    c = report_config(name)
    return {"data": c.data, "n": c.n, "noise": c.noise, "seed": c.seed,
            "hidden": [str(h) for h in c.hidden], "activation": c.activation,
            "init": c.init, "loss": c.loss, "optimizer": c.optimizer, "lr": c.lr,
            "momentum": c.momentum, "epochs": c.epochs, "log_every": c.log_every,
            "batch_size": c.batch_size, "shuffle": c.shuffle, "accuracy": c.accuracy,
            "backend": c.backend}


def _preset_name(text: str) -> str:
    from core.reproduce.presets import REPORT_PRESETS

    if text not in REPORT_PRESETS:
        raise argparse.ArgumentTypeError(
            f"choose one of {', '.join(REPORT_PRESETS)} (got {text[:40]!r})")
    return text


def typed(name: str):
    """An argparse type that parses with ``core.config.parse_field(name, …)``."""

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
    p.report_presets = True  # --preset names a report run (Parser.parse_known_args)
    p.add_argument("--preset", type=_preset_name, default=None, metavar="NAME",
                   help="start from one of the report's runs: linear-run, xor-run, "
                        "hidden-units, learning-rates, stuck (other flags override it)")
    _add_data_flags(p.add_argument_group("data"), d)
    _add_network_flags(p.add_argument_group("network"), d)
    _add_training_flags(p.add_argument_group("training"), d)
    _add_record_flags(p.add_argument_group("records"))


def _add_data_flags(g, d: RunConfig) -> None:
    """--data, --n, --noise, --seed, --data-file (defaults from ``d``)."""
    g.add_argument("--data", type=typed("data"), default=d.data, metavar="NAME",
                   help=f"data set: {', '.join(DATASETS)} (default {d.data})")
    g.add_argument("--n", type=typed("n"), default=None,
                   help="number of points (default: 100; xor-grid 70; xor is fixed at 21)")
    g.add_argument("--noise", type=typed("noise"), default=d.noise,
                   help="noise 0..1 for circle, spiral, gauss (default 0)")
    g.add_argument("--seed", type=typed("seed"), default=d.seed,
                   help=f"seed for data, initial weights and shuffling (default {d.seed})")
    g.add_argument("--data-file", type=typed("data_file"), default=None, metavar="FILE.csv",
                   help="train on a CSV of x0,x1,label rows instead of a generator")


def _add_network_flags(g, d: RunConfig) -> None:
    """--hidden, --activation, --init, --init-weights (defaults from ``d``)."""
    g.add_argument("--hidden", nargs="+", default=None, metavar="H",
                   help="hidden layer sizes, e.g. --hidden 64 64 or --hidden 256,512")
    g.add_argument("--activation", type=typed("activation"), default=d.activation,
                   metavar="NAME",
                   help="hidden activation: sigmoid, tanh, relu, leaky-relu, none")
    g.add_argument("--init", type=typed("init"), default=d.init, metavar="NAME",
                   help="initial weights: normal (N(0,1), the report's), xavier, he")
    g.add_argument("--init-weights", type=typed("init_weights"), default=None,
                   metavar="FILE.npz", help="start from W1…Wk, B1…Bk in this .npz file")


def _add_training_flags(g, d: RunConfig) -> None:
    """--loss, --optimizer, --lr, --momentum, --epochs and the rest of the training
    settings (defaults from ``d``)."""
    g.add_argument("--loss", type=typed("loss"), default=d.loss, metavar="NAME",
                   help="mse (the report's Σ(y−ŷ)²) or bce")
    g.add_argument("--optimizer", type=typed("optimizer"), default=d.optimizer,
                   metavar="NAME", help="sgd (the report's), momentum, adam")
    g.add_argument("--lr", type=typed("lr"), default=d.lr, help=f"learning rate (default {d.lr})")
    g.add_argument("--momentum", type=typed("momentum"), default=d.momentum,
                   help="momentum for --optimizer momentum (default 0.9)")
    g.add_argument("--epochs", type=typed("epochs"), default=d.epochs,
                   help=f"epochs to train (default {d.epochs})")
    g.add_argument("--log-every", type=typed("log_every"), default=d.log_every, metavar="E",
                   help=f"print an epoch line every E epochs (default {d.log_every})")
    g.add_argument("--batch-size", type=typed("batch_size"), default=d.batch_size,
                   metavar="B", help="points per update; 1 = the report's per-point SGD")
    g.add_argument("--shuffle", action="store_true", help="shuffle the points every epoch")
    g.add_argument("--accuracy", type=typed("accuracy"), default=d.accuracy,
                   metavar="KIND",
                   help=f"accuracy the log shows: {' or '.join(ACCURACIES)} (default soft, "
                        "the report's)")
    g.add_argument("--backend", type=typed("backend"), default=d.backend, metavar="NAME",
                   help=f"training engine: {', '.join(BACKENDS)} (default auto: compiled)")


def _add_record_flags(g) -> None:
    """--runs-dir, --name, --no-record."""
    g.add_argument("--runs-dir", default=None, metavar="DIR",
                   help="where runs are recorded (default $BP_TUI_RUNS or "
                        "~/.local/share/bp-tui/runs)")
    g.add_argument("--name", type=typed("name"), default=None, help="name of the run")
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


def add_runs_dir_flag(p: argparse.ArgumentParser) -> None:
    """``--runs-dir DIR``."""
    p.add_argument("--runs-dir", default=None, metavar="DIR",
                   help="where runs are recorded (default $BP_TUI_RUNS or "
                        "~/.local/share/bp-tui/runs)")


def runs_root(args: argparse.Namespace) -> Path:
    """The runs root a command works on: ``--runs-dir``, else the default."""
    from core.records import default_runs_root

    return Path(args.runs_dir) if args.runs_dir else default_runs_root()
