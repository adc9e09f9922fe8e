"""A run's settings, their parsers and their validation, shared by the CLI and the form.

``RunConfig`` holds everything needed to reproduce a run (seed included). Each field has a
text parser that either returns a value or raises ``ConfigError`` with a one-line reason
naming what is allowed, so a flag and a form field reject bad input the same way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from itertools import pairwise
from typing import Any

from core.datasets import DATASETS, DEFAULT_N, MAX_N
from core.nn.activations import ACTIVATIONS
from core.nn.losses import LOSSES
from core.nn.network import INITS
from core.nn.optimizers import OPTIMIZERS

__all__ = [
    "ACCURACIES",
    "BACKENDS",
    "ConfigError",
    "RunConfig",
    "clip_lr",
    "parse_field",
]

ACCURACIES = ("soft", "threshold")
BACKENDS = ("auto", "numba", "numpy")
MAX_LAYERS = 8
MAX_UNITS = 16384
MAX_PARAM_BYTES = 2 * 1024**3  # weights + optimiser state + gradients must fit comfortably
MAX_EPOCHS = 10**9
LR_MIN, LR_MAX = 1e-12, 1e6
"""A learning rate is above 0 and at most LR_MAX; a live change below LR_MIN is raised
to it (``clip_lr``)."""
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class ConfigError(ValueError):
    """An invalid setting: ``field`` (e.g. "lr") and a one-line ``reason``."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class RunConfig:
    """Every setting of a training run. Defaults reproduce the report's linear run."""

    data: str = "linear"
    n: int | None = None
    noise: float = 0.0
    seed: int = 1
    data_seed: int | None = None
    data_file: str | None = None
    hidden: tuple[int, ...] = (64, 64)
    activation: str = "sigmoid"
    loss: str = "mse"
    optimizer: str = "sgd"
    lr: float = 0.001
    momentum: float = 0.9
    epochs: int = 5000
    log_every: int = 250
    batch_size: int = 1
    shuffle: bool = False
    init: str = "normal"
    init_weights: str | None = None
    accuracy: str = "soft"
    backend: str = "auto"
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def data_seed_or_seed(self) -> int:
        """The seed the training points are drawn with (``data_seed``, else ``seed``)."""
        return self.seed if self.data_seed is None else self.data_seed

    @property
    def n_points(self) -> int | None:
        """How many training points the generator makes (None for a CSV file)."""
        if self.data_file:
            return None
        if self.data == "xor":
            return 21
        n = DEFAULT_N[self.data] if self.n is None else self.n
        if self.data == "xor-grid":
            half = n // 2
            return 2 * half - (1 if half % 2 == 1 else 0)
        return n

    def validate(self) -> RunConfig:
        """Return self if every setting is allowed, else raise ConfigError."""
        for f in fields(self):
            if f.name in PARSERS:
                _check(f.name, getattr(self, f.name))
        if self.data == "xor-grid" and self.n is not None and self.n < 4:
            raise ConfigError("n", "xor-grid needs n ≥ 4")
        if self.n is not None and self.data == "xor" and self.n != 21:
            raise ConfigError("n", "xor is the hand-out's fixed 21 points; leave n empty")
        points = self.n_points
        if points is not None and self.batch_size > points:
            raise ConfigError(
                "batch_size",
                f"at most the number of training points ({points}), got {self.batch_size}",
            )
        sizes = (2, *self.hidden, 1)
        n_params = sum(a * b + b for a, b in pairwise(sizes))
        if n_params * 8 * 5 > MAX_PARAM_BYTES:
            raise ConfigError(
                "hidden",
                f"{n_params:,} parameters would not fit in memory; use smaller layers",
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (hidden as a list)."""
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunConfig:
        """Inverse of ``to_dict``; unknown keys are ignored, missing ones take defaults."""
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in d.items() if k in known}
        if "hidden" in kwargs:
            kwargs["hidden"] = tuple(int(h) for h in kwargs["hidden"])
        return cls(**kwargs)

    def with_changes(self, **changes: Any) -> RunConfig:
        """A copy with some settings replaced."""
        return replace(self, **changes)


# --------------------------------------------------------------------- parsers
def _choice(options: tuple[str, ...]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = str(text).strip()
        if value not in options:
            raise ValueError(f"choose one of {', '.join(options)} (got {text!r})")
        return value

    return parse


def _int(lo: int, hi: int) -> Callable[[Any], int]:
    def parse(text: Any) -> int:
        if isinstance(text, bool):
            raise ValueError(f"must be a whole number from {lo} to {hi:,}")
        if isinstance(text, int):
            value = text
        else:
            s = str(text).strip().replace("_", "")
            if not re.fullmatch(r"[+-]?\d+", s):
                raise ValueError(f"must be a whole number from {lo} to {hi:,} (got {text!r})")
            value = int(s)
        if not lo <= value <= hi:
            raise ValueError(f"must be from {lo} to {hi:,} (got {value})")
        return value

    return parse


def _float(lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = False):
    def parse(text: Any) -> float:
        try:
            value = float(text) if not isinstance(text, bool) else math.nan
        except (TypeError, ValueError):
            value = math.nan
        low_ok = value > lo if lo_open else value >= lo
        high_ok = value < hi if hi_open else value <= hi
        if not (math.isfinite(value) and low_ok and high_ok):
            lb = "(" if lo_open else "["
            hb = ")" if hi_open else "]"
            raise ValueError(f"must be a number in {lb}{lo:g}, {hi:g}{hb} (got {text!r})")
        return value

    return parse


def parse_hidden(text: Any) -> tuple[int, ...]:
    """"64,64", "256 512" or a sequence → (64, 64); 1–8 layers of 1–16384 units."""
    if isinstance(text, (list, tuple)):
        parts = [str(p) for p in text]
    else:
        parts = []
        for p in re.split(r"[\s,]+", str(text).strip()):
            # "64x64" is two layers; a lone or dangling "x" stays and is refused below
            parts.extend(re.split(r"[x×]", p) if re.fullmatch(r"\d+([x×]\d+)+", p) else [p])
        parts = [p for p in parts if p]
    if not parts:
        raise ValueError("give one or more layer sizes, e.g. 64,64")
    if len(parts) > MAX_LAYERS:
        raise ValueError(f"at most {MAX_LAYERS} hidden layers (got {len(parts)})")
    sizes = []
    for p in parts:
        if not re.fullmatch(r"\d+", p) or not 1 <= int(p) <= MAX_UNITS:
            raise ValueError(
                f"each layer size must be a whole number from 1 to {MAX_UNITS} (got {p!r})"
            )
        sizes.append(int(p))
    return tuple(sizes)


def _optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def wrapped(text: Any) -> Any:
        if text is None or (isinstance(text, str) and not text.strip()):
            return None
        return parse(text)

    return wrapped


def _name(text: Any) -> str:
    value = str(text).strip()
    if not _NAME_RE.fullmatch(value):
        raise ValueError(
            "1–64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return value


def _bool(text: Any) -> bool:
    if isinstance(text, bool):
        return text
    s = str(text).strip().lower()
    if s in ("1", "true", "yes", "on"):
        return True
    if s in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"must be yes or no (got {text!r})")


def _path(text: Any) -> str:
    value = str(text).strip()
    if not value:
        raise ValueError("give a file path")
    return value


PARSERS: dict[str, Callable[[Any], Any]] = {
    "data": _choice(DATASETS),
    "n": _optional(_int(2, MAX_N)),
    "noise": _float(0.0, 1.0),
    "seed": _int(0, 2**63 - 1),
    "data_seed": _optional(_int(0, 2**63 - 1)),
    "data_file": _optional(_path),
    "hidden": parse_hidden,
    "activation": _choice(tuple(ACTIVATIONS)),
    "loss": _choice(tuple(LOSSES)),
    "optimizer": _choice(OPTIMIZERS),
    "lr": _float(0.0, LR_MAX, lo_open=True),
    "momentum": _float(0.0, 1.0, hi_open=True),
    "epochs": _int(1, MAX_EPOCHS),
    "log_every": _int(1, MAX_EPOCHS),
    "batch_size": _int(1, MAX_N),
    "shuffle": _bool,
    "init": _choice(INITS),
    "init_weights": _optional(_path),
    "accuracy": _choice(ACCURACIES),
    "backend": _choice(BACKENDS),
    "name": _optional(_name),
}


def clip_lr(lr: float) -> float:
    """``lr`` brought into [LR_MIN, LR_MAX]: the one rule for a changed learning rate
    (×2 and ÷2 on the dashboard, a live change on the control socket)."""
    return min(max(float(lr), LR_MIN), LR_MAX)


def parse_field(name: str, text: Any) -> Any:
    """Parse one setting from text (or a value); ConfigError with the reason if invalid."""
    try:
        return PARSERS[name](text)
    except ValueError as exc:
        raise ConfigError(name, str(exc)) from None


def _check(name: str, value: Any) -> None:
    parsed = parse_field(name, value)
    if name == "hidden":
        parsed = tuple(parsed)
        value = tuple(value)
    if parsed != value and not (isinstance(value, float) and isinstance(parsed, float)):
        raise ConfigError(name, f"invalid value {value!r}")
