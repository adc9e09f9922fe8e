"""Back-propagation of one training point, made visible: every quantity of the report's
derivation at the current weights, computed by the readable network.

For the point (x, y) of a run's training set:

    forward   Z_l = A_{l-1}·W_l + B_l,  A_l = f(Z_l)  (A_0 = x, ŷ = A_L = σ(Z_L))
    loss      L = loss(ŷ, y)
    backward  dZ_L = ∂L/∂ŷ ∘ σ′(Z_L),  dW_l = A_{l-1}ᵀ·dZ_l,  dB_l = dZ_l,
              dA_{l-1} = dZ_l·W_lᵀ,  dZ_{l-1} = dA_{l-1} ∘ f′(Z_{l-1})
    update    what one training step on this point does (``core.nn.reference``), with
              the run's optimiser state: W_l before, the step, W_l after
    check     the central difference (L(w + h) − L(w − h)) / 2h for every parameter of
              small layers (a sample of wide ones), the largest relative error per layer
    saturated units where f′(Z_l) < 0.01: they pass back almost no gradient

The forward and backward passes are ``Network.forward`` / ``Network.backprop``, the very
ones the training engines are tested against; nothing here re-derives them.
``backprop_point`` returns an immutable ``PointBackprop``; its ``to_json`` is what
``bp-tui backprop --json`` prints, ``to_wire`` / ``from_wire`` carry it to attached
viewers (wide weight gradients as their summary).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.nn.losses import Loss, get_loss
from core.nn.network import Network
from core.nn.optimizers import Optimizer, make_optimizer
from core.nn.reference import point_loss, train_step

__all__ = ["CHECK_OK", "SATURATED", "GradCheck", "LayerTrace", "PointBackprop", "Summary",
           "WeightUpdate", "backprop_point", "optimizer_with_state"]

SATURATED = 0.01
"""A unit is saturated on the point when f′(Z) < this: it passes back almost no gradient."""
CHECK_OK = 1e-6
"""A layer's gradient check passes when its largest relative error is below this."""
CHECK_ALL = 128  # layers with at most this many parameters are checked entry by entry
CHECK_SAMPLE = 48  # otherwise this many: the largest gradients and a seeded sample
H = 1e-5  # the central difference's step
REL_FLOOR = 1e-4
"""|a − n| / max(|a| + |n|, REL_FLOOR): the loss is known to ~1e-16 in float64, so a
central difference is good to ~1e-11 and gradients below 1e-4 are compared absolutely."""
CHOSEN = 3  # weights per layer whose update is shown (the largest steps), plus one bias
WIRE_MAX = 4096  # weight gradients larger than this travel to viewers as their summary


@dataclass(frozen=True)
class Summary:
    """An array in a few numbers: shape, norm, min, max, the largest entries by |value|
    (index tuple, value) and the share of ``flags`` set (e.g. saturated units)."""

    shape: tuple[int, ...]
    norm: float
    min: float
    max: float
    largest: tuple[tuple[tuple[int, ...], float], ...]

    @classmethod
    def of(cls, a: np.ndarray, k: int = 5) -> Summary:
        """The summary of ``a`` with its ``k`` largest entries."""
        a = np.asarray(a, dtype=float)
        top = _largest(a, k)
        largest = tuple((tuple(int(i) for i in np.unravel_index(j, a.shape)), float(a.flat[j]))
                        for j in top)
        return cls(tuple(a.shape), float(np.linalg.norm(a)), float(np.min(a)), float(np.max(a)),
                   largest)


@dataclass(frozen=True)
class WeightUpdate:
    """One parameter's update by one training step on the point: ``after = before + step``."""

    name: str
    before: float
    step: float
    after: float


@dataclass(frozen=True)
class GradCheck:
    """The central-difference check of one layer: ``checked`` of ``total`` parameters
    (W_l and B_l), the largest relative error |a − n| / max(|a| + |n|, 1e-4)."""

    checked: int
    total: int
    max_rel: float

    @property
    def ok(self) -> bool:
        return self.max_rel < CHECK_OK


def _largest(a: np.ndarray, k: int) -> np.ndarray:
    """Flat indices of the ``k`` entries of ``a`` largest in |value| (NaN first), largest
    first, ties by index; O(n) for a wide array."""
    flat = np.nan_to_num(np.abs(np.asarray(a, dtype=float).ravel()), nan=np.inf)
    if flat.size > k:
        part = np.argpartition(-flat, k - 1)[:k]
        return part[np.lexsort((part, -flat[part]))]
    return np.argsort(-flat, kind="stable")


def _frozen(a: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return None
    a = np.array(a, dtype=float)
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class LayerTrace:
    """Layer l (1-based) on the point: Z, A, f′(Z), dZ, dB (fan_out,), dW (fan_in,
    fan_out; None when it arrived over the wire too wide, see ``dW_summary``) and
    dA_prev = ∂L/∂A_{l-1} (fan_in,), None for l = 1."""

    index: int
    Z: np.ndarray
    A: np.ndarray
    deriv: np.ndarray
    dZ: np.ndarray
    dW: np.ndarray | None
    dB: np.ndarray
    dA_prev: np.ndarray | None
    updates: tuple[WeightUpdate, ...]
    check: GradCheck
    dW_summary: Summary = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        for name in ("Z", "A", "deriv", "dZ", "dW", "dB", "dA_prev"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        if self.dW_summary is None:
            object.__setattr__(self, "dW_summary", Summary.of(self.dW))

    @property
    def fan_in(self) -> int:
        return int(self.dW_summary.shape[0])

    @property
    def saturated(self) -> np.ndarray:
        """Indices of the units with f′(Z) < SATURATED on this point."""
        return np.flatnonzero(self.deriv < SATURATED)


@dataclass(frozen=True)
class PointBackprop:
    """Forward, backward, update and check of training point ``point`` at ``epoch``.

    ``layers[0]`` is layer 1. ``state_known``: the update used the run's optimiser state
    (False: a fresh optimiser's, as when a run recorded none)."""

    epoch: int
    point: int
    n_points: int
    x: tuple[float, ...]
    y: float
    yhat: float
    loss: float
    dyhat: float
    lr: float
    optimizer: str
    state_known: bool
    steps_before: int
    activation: str
    loss_name: str
    sizes: tuple[int, ...]
    layers: tuple[LayerTrace, ...]

    @property
    def n_saturated(self) -> int:
        """Saturated units over all layers."""
        return sum(len(layer.saturated) for layer in self.layers)

    def to_json(self, run: str = "") -> dict[str, Any]:
        """``{"run", "epoch", "point", "x", "y", "yhat", "loss", "lr", "layers": [{"Z",
        "A", "dZ", "dW", "dB", "grad_check"}, …]}``, layer 1 first, dW (fan_in × fan_out)."""
        return {"run": run, "epoch": self.epoch, "point": self.point, "x": list(self.x),
                "y": self.y, "yhat": self.yhat, "loss": self.loss, "lr": self.lr,
                "layers": [{"Z": lay.Z.tolist(), "A": lay.A.tolist(), "dZ": lay.dZ.tolist(),
                            "dW": None if lay.dW is None else lay.dW.tolist(),
                            "dB": lay.dB.tolist(), "grad_check": lay.check.max_rel}
                           for lay in self.layers]}

    def to_wire(self) -> dict[str, Any]:
        """Everything, as JSON types, for a viewer on a socket (``from_wire`` reverses it)."""
        head = {k: _num(getattr(self, k)) for k in _HEAD}
        head["x"], head["sizes"] = _list(np.array(self.x)), list(self.sizes)
        return {**head, "layers": [_layer_wire(lay) for lay in self.layers]}

    @classmethod
    def from_wire(cls, d: dict[str, Any]) -> PointBackprop:
        """The result ``to_wire`` sent; KeyError / TypeError / ValueError if malformed."""
        head = {k: _unnum(d[k]) for k in _HEAD}
        return cls(**head, x=tuple(_array(d["x"]).tolist()),
                   sizes=tuple(int(s) for s in d["sizes"]),
                   layers=tuple(_layer_unwire(lay) for lay in d["layers"]))


_HEAD = ("epoch", "point", "n_points", "y", "yhat", "loss", "dyhat", "lr", "optimizer",
         "state_known", "steps_before", "activation", "loss_name")


def _num(v: Any) -> Any:
    """A float as JSON allows it (None for NaN and ±inf); other values unchanged."""
    return v if not isinstance(v, float) or np.isfinite(v) else None


def _unnum(v: Any) -> Any:
    return float("nan") if v is None else v


def _list(a: np.ndarray) -> list:
    """An array as nested lists, NaN and ±inf as None (JSON without NaN)."""
    return np.where(np.isfinite(a), a, None).tolist()


def _array(v: Any) -> np.ndarray:
    return np.array(v, dtype=float)  # None → nan


def _layer_wire(lay: LayerTrace) -> dict[str, Any]:
    def arr(a):
        return None if a is None else _list(a)

    s = lay.dW_summary
    small = lay.dW is not None and lay.dW.size <= WIRE_MAX
    return {"index": lay.index, **{k: arr(getattr(lay, k)) for k in
                                   ("Z", "A", "deriv", "dZ", "dB", "dA_prev")},
            "dW": arr(lay.dW) if small else None,
            "dW_summary": [list(s.shape), _num(s.norm), _num(s.min), _num(s.max),
                           [[list(i), _num(v)] for i, v in s.largest]],
            "updates": [[u.name, _num(u.before), _num(u.step), _num(u.after)]
                        for u in lay.updates],
            "check": [lay.check.checked, lay.check.total, _num(lay.check.max_rel)]}


def _layer_unwire(d: dict[str, Any]) -> LayerTrace:
    shape, norm, lo, hi, largest = d["dW_summary"]
    def f(v: Any) -> float:
        return float(_unnum(v))

    summary = Summary(tuple(int(v) for v in shape), f(norm), f(lo), f(hi),
                      tuple((tuple(int(v) for v in i), f(v)) for i, v in largest))

    def arr(key):
        v = d.get(key)
        return None if v is None else _array(v)

    c = d["check"]
    return LayerTrace(int(d["index"]), arr("Z"), arr("A"), arr("deriv"), arr("dZ"), arr("dW"),
                      arr("dB"), arr("dA_prev"),
                      tuple(WeightUpdate(str(n), f(b), f(s), f(a)) for n, b, s, a in d["updates"]),
                      GradCheck(int(c[0]), int(c[1]), f(c[2])), summary)


# ------------------------------------------------------------------ the computation
def backprop_point(net: Network, X: np.ndarray, y: np.ndarray, point: int, loss: str | Loss,
                   optimizer: Optimizer | None = None, *, epoch: int = 0,
                   lr: float | None = None, optimizer_name: str = "sgd") -> PointBackprop:
    """Back-propagation of training point ``point`` of X (n, 2), y (n, 1) at ``net``'s
    weights (left untouched).

    ``optimizer``: the run's optimiser with its state (copied, never stepped); None = a
    fresh ``optimizer_name`` at ``lr`` (``state_known`` False). IndexError for a point
    outside the set.
    """
    n = len(X)
    if not 0 <= point < n:
        raise IndexError(f"point {point} is outside the training set (0 … {n - 1})")
    loss = get_loss(loss) if isinstance(loss, str) else loss
    known = optimizer is not None
    opt = _step_optimizer(optimizer, optimizer_name, lr)
    x = np.asarray(X[point : point + 1], dtype=float)
    t = np.asarray(y, dtype=float).reshape(-1, 1)[point : point + 1]
    with np.errstate(all="ignore"):
        yhat, cache = net.forward(x)
        layers = _layer_traces(net, x, t, loss, opt, cache, point)
        dyhat = float(loss.dyhat(yhat, t)[0, 0])
    return PointBackprop(
        int(epoch), int(point), n, tuple(float(v) for v in x[0]), float(t[0, 0]),
        float(yhat[0, 0]), loss.value(yhat, t), dyhat, float(opt.lr), opt.name, known,
        int(optimizer.t[0]) if known else 0, net.act.name, loss.name, tuple(net.sizes),
        layers)


def _step_optimizer(optimizer: Optimizer | None, name: str, lr: float | None) -> Optimizer:
    """The optimiser for the one-step update: a copy of the run's (never stepped), or a
    fresh ``name`` at ``lr`` (0.1 if None); ``lr`` overrides the copy's rate."""
    opt = copy.deepcopy(optimizer) if optimizer is not None else make_optimizer(name, lr or 0.1)
    if lr is not None:
        opt.lr = float(lr)
    return opt


def _layer_traces(net: Network, x: np.ndarray, t: np.ndarray, loss: Loss, opt: Optimizer,
                  cache, point: int) -> tuple[LayerTrace, ...]:
    """Each layer's forward values, gradients, one-step update and gradient check for the
    point x (1, 2), target t (1, 1), from the forward pass's ``cache``."""
    grads = net.backprop(cache, t, loss)
    after = _one_step(net, x, t, opt, loss)
    layers = []
    for i in range(net.n_layers):
        before = (net.Ws[i], net.Bs[i])
        layers.append(LayerTrace(
            i + 1, cache.Zs[i + 1][0], cache.As[i + 1][0], _derivative(net, cache, i),
            grads.dZs[i][0], grads.dWs[i], grads.dBs[i],
            None if grads.dAs[i] is None else grads.dAs[i][0],
            _updates(i + 1, before, (after.Ws[i], after.Bs[i])),
            _check(net, x, t, loss, i, grads.dWs[i], grads.dBs[i], point)))
    return tuple(layers)


def optimizer_with_state(name: str, lr: float, momentum: float, size: int,
                         state: dict[str, np.ndarray] | None) -> Optimizer | None:
    """The optimiser ``name`` for ``size`` parameters holding ``state`` (``Optimizer.state()``
    layout: t, s1, s2); None when there is no state or it does not fit."""
    if state is None:
        return None
    opt = make_optimizer(name, lr, momentum)
    opt.bind(size)
    try:
        opt.load_state(state)
    except (ValueError, KeyError):
        return None
    return opt


def _clone(net: Network) -> Network:
    twin = Network(net.hidden, net.act.name, "xavier", np.random.default_rng(0),
                   n_inputs=net.sizes[0])
    twin.theta[...] = net.theta
    return twin


def _one_step(net: Network, x: np.ndarray, t: np.ndarray, opt: Optimizer, loss: Loss) -> Network:
    """A copy of ``net`` after one training step on the point (``opt`` is a copy too)."""
    twin = _clone(net)
    train_step(twin, x, t, opt, loss)
    return twin


def _derivative(net: Network, cache, i: int) -> np.ndarray:
    """f′(Z_l) of layer i + 1 on the point (the output layer's is σ′ = A(1 − A))."""
    Z, A = cache.Zs[i + 1][0], cache.As[i + 1][0]
    if i == net.n_layers - 1:
        return A * (1.0 - A)
    return np.asarray(net.act.derivative(Z, A), dtype=float)


def _updates(layer: int, before: tuple[np.ndarray, np.ndarray],
             after: tuple[np.ndarray, np.ndarray]) -> tuple[WeightUpdate, ...]:
    """The CHOSEN weights of W_l with the largest steps, and B_l's largest."""
    out = []
    for arr, new, letter, k in ((before[0], after[0], "W", CHOSEN), (before[1], after[1], "B", 1)):
        step = new - arr
        for j in _largest(step, k):
            idx = np.unravel_index(j, arr.shape)
            name = f"{letter}{layer}[{','.join(str(int(v)) for v in idx)}]"
            out.append(WeightUpdate(name, float(arr[idx]), float(step[idx]), float(new[idx])))
    return tuple(out)


def _check(net: Network, x: np.ndarray, t: np.ndarray, loss: Loss, i: int,
           dW: np.ndarray, dB: np.ndarray, point: int) -> GradCheck:
    """Central differences of the point's loss for layer i + 1's parameters."""
    twin = _clone(net)
    W, B = twin.Ws[i], twin.Bs[i]
    analytic = np.concatenate([dW.ravel(), dB.ravel()])
    total = analytic.size
    if total <= CHECK_ALL:
        chosen = np.arange(total)
    else:
        big = _largest(analytic, CHECK_SAMPLE // 3)
        drawn = np.random.default_rng(point).choice(total, CHECK_SAMPLE, replace=False)
        chosen = np.concatenate([big, drawn[~np.isin(drawn, big)]])[:CHECK_SAMPLE]
    worst = 0.0
    for k in chosen:
        arr, j = (W, int(k)) if k < W.size else (B, int(k) - W.size)
        flat = arr.reshape(-1)
        keep = flat[j]
        flat[j] = keep + H
        up = point_loss(twin, x[0], t[0, 0], loss)
        flat[j] = keep - H
        down = point_loss(twin, x[0], t[0, 0], loss)
        flat[j] = keep
        numeric, a = (up - down) / (2 * H), analytic[k]
        rel = abs(a - numeric) / max(abs(a) + abs(numeric), REL_FLOOR)
        worst = max(worst, float(rel) if np.isfinite(rel) else np.inf)
    return GradCheck(len(chosen), total, worst)
