"""The report's observations, checked on recorded runs: does bp-tui show what it saw?

Pure NumPy and the run records (no Textual). Each ``observe_*`` takes a sweep's members
(anything with ``name``, ``config``, ``status``, ``stuck``, ``loss`` and
``ms_per_epoch``, e.g. ``core.sweep.MemberState``) and the runs root, and returns
an ``Observation``: the report's claim, whether these runs show it, and the numbers.

Definitions
- A run *converges* at the first evaluated epoch whose loss is at most ``CONVERGED``
  (10 %) of its epoch-0 loss; ``epochs_to_converge`` is None if it never does.
- A run *overshoots* when its loss climbs back above its best so far by more than
  ``OVERSHOOT`` (10 %) of its epoch-0 loss, or it diverged.
- A run *stalls* when it never converges within its epochs.
- A cell's figure over repeats is the median over its finished runs that are not stuck
  (``core.sweep.member.is_stuck``).
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.analysis.diagnosis import detect_plateau, diagnose, measure
from core.labels import SOFT_ACC
from core.nn.losses import get_loss
from core.nn.network import Network
from core.records import read_data, read_metrics, read_weights

__all__ = [
    "CONVERGED",
    "OBSERVERS",
    "OVERSHOOT",
    "Observation",
    "epochs_to_converge",
    "observe",
    "overshoots",
]

CONVERGED = 0.10
OVERSHOOT = 0.10


@dataclass(frozen=True)
class Observation:
    """One of the report's observations on some runs: ``claim`` (the report's words),
    ``holds`` (these runs show it) and ``evidence`` (one line of numbers)."""

    claim: str
    holds: bool
    evidence: str

    @property
    def line(self) -> str:
        """``✓ claim: evidence`` (or ✗)."""
        return f"{'✓' if self.holds else '✗'} {self.claim}: {self.evidence}"


def _losses(rows: Sequence[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    pairs = [(r["epoch"], r.get("loss")) for r in rows
             if isinstance(r.get("loss"), (int, float))]
    if not pairs:
        return np.zeros(0), np.zeros(0)
    e, v = zip(*pairs)
    return np.asarray(e, dtype=float), np.asarray(v, dtype=float)


def epochs_to_converge(rows: Sequence[dict[str, Any]], frac: float = CONVERGED) -> int | None:
    """First evaluated epoch with loss ≤ ``frac`` × the epoch-0 loss (None: never)."""
    e, v = _losses(rows)
    if v.size == 0 or not np.isfinite(v[0]):
        return None
    hit = np.nonzero(v <= frac * v[0])[0]
    return int(e[hit[0]]) if hit.size else None


def overshoots(rows: Sequence[dict[str, Any]], rise: float = OVERSHOOT) -> bool:
    """True when the loss climbs above its best so far by more than ``rise`` × the
    epoch-0 loss, or turns non-finite."""
    _, v = _losses(rows)
    if v.size == 0:
        return False
    if not np.all(np.isfinite(v)):
        return True
    return bool(np.max(v - np.minimum.accumulate(v)) > rise * v[0])


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _learned(members) -> list:
    return [m for m in members if m.status == "finished" and not m.stuck]


def _by(members, key: Callable[[Any], Any]) -> dict[Any, list]:
    groups: dict[Any, list] = {}
    for m in members:
        groups.setdefault(key(m.config), []).append(m)
    return groups


def _shape(hidden: tuple[int, ...]) -> str:
    return "(" + ",".join(map(str, hidden)) + ")"


def _fmt(x: float | None, spec: str = ".2f") -> str:
    return "—" if x is None else format(x, spec)


def _strictly(values: list[float], falling: bool) -> bool:
    pairs = list(itertools.pairwise(values))
    return bool(pairs) and all((a > b) if falling else (a < b) for a, b in pairs)


# ------------------------------------------------------------------ the observations
def observe_hidden_units(members, root: Path) -> Observation:
    """More hidden units: lower final loss and more time per epoch, over the square
    shapes (h, h) that learned (medians over repeats); the others listed."""
    claim = "more hidden units: lower loss after the same epochs, more time per epoch"
    cells = []
    for hidden, group in _by(members, lambda c: c.hidden).items():
        good = _learned(group)
        cells.append((hidden, _median([m.loss for m in good if m.loss is not None]),
                      _median([m.ms_per_epoch for m in good if m.ms_per_epoch]),
                      len(group) - len(good)))
    squares = sorted((c for c in cells if len(set(c[0])) == 1 and c[1] is not None),
                     key=lambda c: c[0][0])
    losses, times = [c[1] for c in squares], [c[2] for c in squares]
    holds = len(squares) >= 2 and _strictly(losses, True) and \
        None not in times and _strictly(times, False)
    parts = [f"loss {' → '.join(f'{_shape(c[0])} {c[1]:.2f}' for c in squares)}",
             f"ms/epoch {' → '.join(_fmt(t, '.2f') for t in times)}"]
    others = [f"{_shape(h)} {_fmt(loss)}" + (f" ({bad} stuck or failed)" if bad else "")
              for h, loss, _t, bad in cells if (h, loss, _t, bad) not in squares]
    if others:
        parts.append("also " + ", ".join(others))
    return Observation(claim, holds, "; ".join(parts))


def _converge_by(members, root: Path, key) -> dict[Any, tuple[int | None, bool]]:
    """Per group: (median epochs to converge over the runs that did — None if fewer
    than half did —, whether any run of the group overshot or diverged)."""
    out = {}
    for value, group in _by(members, key).items():
        rows = [read_metrics(root / m.name) for m in group]
        conv = [c for c in (epochs_to_converge(r) for r in rows) if c is not None]
        median = _median(conv) if 2 * len(conv) >= len(group) else None
        over = any(overshoots(r) for r in rows) or any(m.status == "diverged" for m in group)
        out[value] = (None if median is None else int(median), over)
    return out


def observe_learning_rates(members, root: Path) -> Observation:
    """Larger lr converges in fewer epochs; the largest overshoots; the smallest stalls."""
    claim = "a larger lr converges faster but may overshoot; a small one may stall"
    by_lr = _converge_by(members, root, lambda c: c.lr)
    lrs = sorted(by_lr, reverse=True)
    if len(lrs) < 3:
        return Observation(claim, False, f"needs at least 3 learning rates (got {len(lrs)})")
    top, bottom = lrs[0], lrs[-1]
    middle = [lr for lr in lrs if by_lr[lr][0] is not None and not by_lr[lr][1]]
    faster = _strictly([by_lr[lr][0] for lr in middle], False)
    overshoot, stall = by_lr[top][1], by_lr[bottom][0] is None
    epochs = ", ".join(f"lr {lr:g} {_fmt(by_lr[lr][0], 'd')}" for lr in lrs)
    return Observation(claim, faster and overshoot and stall,
                       f"epochs to 10 % of the first loss: {epochs}; lr {top:g} "
                       f"{'overshoots' if overshoot else 'does not overshoot'}; lr "
                       f"{bottom:g} {'stalls' if stall else 'converges'}")


def observe_linear_vs_xor(members, root: Path) -> Observation:
    """Linear data converges in fewer epochs than XOR at the same settings."""
    claim = "linear converges faster than XOR"
    by_data = _converge_by(members, root, lambda c: c.data)
    lin = by_data.get("linear", (None, False))[0]
    xor = next((v[0] for k, v in by_data.items() if k.startswith("xor")), None)
    holds = lin is not None and (xor is None or lin < xor)
    return Observation(claim, holds, f"epochs to 10 % of the first loss: linear "
                                     f"{_fmt(lin, 'd')}, XOR {_fmt(xor, 'd')}")


def _diagnosis(path: Path, config, rows) -> tuple[str, float]:
    """The diagnosis line of a run's final weights and its output saturation share."""
    named = read_weights(path)
    if named is None:
        return "no readable weights", 0.0
    net = Network.from_params(named, config.activation)
    X, y = read_data(path)
    m = measure(net, X, y, get_loss(config.loss))
    e, v = _losses(rows)
    plateau = detect_plateau(e.astype(int).tolist(), v.tolist(),
                             window=max(int(e[-1]) // 2, 1) if e.size else 1)
    return diagnose(plateau, m, config.lr, config.activation), m.saturation[-1]


def observe_stuck(members, root: Path) -> Observation:
    """A run that sits at the constant-answer plateau at every evaluated epoch, and the
    diagnosis of its final weights naming the saturated output."""
    claim = "a run can sit on a plateau for tens of thousands of epochs"
    if not members:
        return Observation(claim, False, "no run")
    m = members[0]
    rows = read_metrics(root / m.name)
    e, v = _losses(rows)
    if v.size == 0:
        return Observation(claim, False, f"{m.name} has no metrics")
    accs = [r.get("soft_acc") for r in rows if isinstance(r.get("soft_acc"), (int, float))]
    flat = bool(np.ptp(v) < 0.005)
    acc_text = f"{accs[-1]:.2f} %" if accs else "—"
    text, out_sat = _diagnosis(root / m.name, m.config, rows)
    holds = flat and m.stuck and out_sat >= 0.9
    return Observation(claim, holds,
                       f"loss {v.min():.2f}–{v.max():.2f}, {SOFT_ACC} {acc_text} at all "
                       f"{v.size} evaluated epochs 0–{int(e[-1])}; diagnosis: {text}")


OBSERVERS: dict[str, Callable[[Sequence, Path], Observation]] = {
    "hidden-units": observe_hidden_units,
    "learning-rates": observe_learning_rates,
    "linear-vs-xor": observe_linear_vs_xor,
    "stuck": observe_stuck,
}
"""The observation each preset of ``core.sweep.PRESETS`` exists to show."""


def observe(preset: str, members: Sequence, root: str | Path) -> Observation | None:
    """The observation of ``preset`` on ``members`` (None for an unknown preset)."""
    fn = OBSERVERS.get(preset)
    return None if fn is None else fn(members, Path(root))
