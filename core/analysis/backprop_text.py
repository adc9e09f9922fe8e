"""One point's back-propagation as lines of text, in the report's notation.

``backprop_lines`` lists the computation in the order it happens — the forward pass
(Z1, A1, …, ŷ, the loss), the backward pass (∂L/∂ŷ, dZ_L, dW_L, dB_L, dA_{L−1}, …, dW1,
dB1), the update and the gradient check — each ``Line`` with its formula (σ′ written
A(1 − A), as the report does), its shape and its numbers. ``backprop_text`` joins them
into what ``bp-tui backprop`` prints and a student can paste into a report; the inspect
view shows the same lines and walks them one at a time.

Wide vectors and matrices are shown as their largest entries and a summary (norm, min,
max; for Z and A the units saturated) unless ``full``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.analysis.backprop import SATURATED, LayerTrace, PointBackprop, Summary

__all__ = ["STAGES", "Line", "backprop_lines", "backprop_text", "number"]

STAGES = ("forward", "backward", "update", "check")
VECTOR_MAX = 8  # vectors up to this long are printed whole
MATRIX_MAX = 8  # matrices up to this many rows and columns are printed whole
FULL_MAX = 4096  # with ``full``, matrices up to this many entries (more: the JSON form)
PER_ROW = 6  # numbers per printed row of a long vector
NAME_WIDTH, SHAPE_WIDTH = 34, 16  # columns of "name = formula" and of the shape

_ACT = {"sigmoid": ("σ({Z})", "{A}(1 − {A})"), "tanh": ("tanh({Z})", "(1 − {A}²)"),
        "relu": ("max(0, {Z})", "[{Z} > 0]"),
        "leaky-relu": ("max({Z}, 0.01·{Z})", "([{Z} > 0] + 0.01·[{Z} ≤ 0])"),
        "none": ("{Z}", "1")}
_LOSS = {"mse": ("(y − ŷ)²", "2(ŷ − y)"),
         "bce": ("−[y·log ŷ + (1 − y)·log(1 − ŷ)]", "(ŷ − y) / (ŷ(1 − ŷ))")}
_RULE = {"sgd": "W ← W − η·dW",
         "momentum": "b ← μ·b + dW,  W ← W − η·b",
         "adam": "m ← β1·m + (1 − β1)·dW,  v ← β2·v + (1 − β2)·dW²,  W ← W − η·m̂/(√v̂ + ε)"}


@dataclass(frozen=True)
class Line:
    """One line of the computation: ``name = formula`` with ``shape`` and its numbers
    (``values``: the first row, then continuation rows); ``flag`` a remark
    (saturated units, a failed check); ``layer`` 1-based, 0 for none."""

    stage: str
    name: str
    formula: str
    shape: str = ""
    values: tuple[str, ...] = ()
    flag: str = ""
    layer: int = 0


def number(v: float) -> str:
    """A number as the text form prints it (4 significant digits)."""
    return f"{v:.4g}"


def _vector(a: np.ndarray, full: bool, saturated: int | None = None) -> tuple[str, ...]:
    a = np.asarray(a, dtype=float).ravel()
    if full or a.size <= VECTOR_MAX:
        rows = [", ".join(number(v) for v in a[i : i + PER_ROW])
                for i in range(0, max(a.size, 1), PER_ROW)]
        if len(rows) == 1:
            return (f"[{rows[0]}]",)
        return (f"[{rows[0]},", *(f" {r}," for r in rows[1:-1]), f" {rows[-1]}]")
    return _summary(Summary.of(a), None if saturated is None else saturated / a.size)


def _summary(s: Summary, saturated: float | None = None) -> tuple[str, str]:
    """Two rows: norm, min, max (and the share of units saturated); the largest entries."""
    top = ", ".join(f"[{','.join(str(i) for i in idx)}] {number(v)}" for idx, v in s.largest)
    share = "" if saturated is None else f"  saturated {saturated:.0%}"
    return (f"‖·‖ {number(s.norm)}  min {number(s.min)}  max {number(s.max)}{share}",
            f"largest: {top}")


def _matrix(a: np.ndarray | None, s: Summary, full: bool) -> tuple[str, ...]:
    """A matrix row by row; a column (k, 1) as one transposed row; a wide one summarised."""
    if a is None or not (full or max(a.shape) <= MATRIX_MAX):
        return _summary(s)
    if a.size > FULL_MAX:
        return (*_summary(s), f"({a.size} entries: too many to print; --json has them all)")
    if a.shape[1] == 1 and a.shape[0] > 1:
        *rows, last = _vector(a[:, 0], True)
        return (*rows, last + "ᵀ")
    return tuple(printed for row in a for printed in _vector(row, True))


def _shape(*dims: int) -> str:
    return "(" + ", ".join(str(d) for d in dims) + (",)" if len(dims) == 1 else ")")


def _act(bp: PointBackprop, layer: int) -> tuple[str, str]:
    """(A_l = f(Z_l), f′ written through A_l / Z_l) of a layer (the output's is σ)."""
    name = "sigmoid" if layer == len(bp.layers) else bp.activation
    f, d = _ACT[name]
    return f.format(Z=f"Z{layer}"), d.format(Z=f"Z{layer}", A=f"A{layer}")


def _saturated(lay: LayerTrace, hidden: bool, activation: str) -> str:
    k = len(lay.saturated)
    if not k:
        return ""
    word = "dead" if hidden and activation in ("relu", "leaky-relu") else "saturated"
    units = ", ".join(str(i) for i in lay.saturated[:6]) + (" …" if k > 6 else "")
    return (f"{k} of {lay.A.size} unit{'s' if lay.A.size > 1 else ''} {word} "
            f"(f′ < {SATURATED:g}): {units}")


def _forward(bp: PointBackprop, full: bool) -> list[Line]:
    L = len(bp.layers)
    out = [Line("forward", "X", "the point", _shape(1, len(bp.x)), _vector(np.array(bp.x), True))]
    for lay in bp.layers:
        k, prev = lay.index, "X" if lay.index == 1 else f"A{lay.index - 1}"
        n = lay.Z.size
        out.append(Line("forward", f"Z{k}", f"{prev}·W{k} + B{k}", _shape(1, n),
                        _vector(lay.Z, full), layer=k))
        f, _ = _act(bp, k)
        name = f"ŷ = A{k}" if k == L else f"A{k}"
        flag = _saturated(lay, k < L, bp.activation)
        out.append(Line("forward", name, f, _shape(1, n),
                        _vector(lay.A, full, len(lay.saturated)), flag, layer=k))
    value, _ = _LOSS[bp.loss_name]
    out.append(Line("forward", "L", value, "", (f"{number(bp.loss)}   (y = {number(bp.y)}, "
                                                 f"ŷ = {number(bp.yhat)})",)))
    return out


def _backward(bp: PointBackprop, full: bool) -> list[Line]:
    L = len(bp.layers)
    _, dyhat = _LOSS[bp.loss_name]
    out = [Line("backward", "∂L/∂ŷ", dyhat, _shape(1, 1), (number(bp.dyhat),), layer=L)]
    for lay in reversed(bp.layers):
        k, n = lay.index, lay.Z.size
        _, deriv = _act(bp, k)
        if k == L:
            dz = "ŷ − y" if bp.loss_name == "bce" else f"∂L/∂ŷ ∘ {deriv}"
        else:
            dz = f"dA{k} ∘ {deriv}" if deriv != "1" else f"dA{k}"
        out.append(Line("backward", f"dZ{k}", dz, _shape(1, n), _vector(lay.dZ, full), layer=k))
        prev = "X" if k == 1 else f"A{k - 1}"
        out.append(Line("backward", f"dW{k}", f"{prev}ᵀ·dZ{k}", _shape(lay.fan_in, n),
                        _matrix(lay.dW, lay.dW_summary, full), layer=k))
        out.append(Line("backward", f"dB{k}", f"dZ{k}", _shape(n), _vector(lay.dB, full),
                        layer=k))
        if lay.dA_prev is not None:
            out.append(Line("backward", f"dA{k - 1}", f"dZ{k}·W{k}ᵀ", _shape(1, lay.fan_in),
                            _vector(lay.dA_prev, full), layer=k - 1))
    return out


def _update(bp: PointBackprop) -> list[Line]:
    state = (f"the run's optimiser state, after {bp.steps_before} steps" if bp.state_known
             else "a fresh optimiser (no usable optimiser state was recorded)")
    out = [Line("update", f"{bp.optimizer}: {_RULE[bp.optimizer]}", "", "",
                (f"η = {number(bp.lr)}; {state}; below: W before ± step = W after",))]
    for lay in reversed(bp.layers):
        for u in lay.updates:
            sign = "−" if u.step < 0 else "+"
            out.append(Line("update", u.name, "", "", (
                f"{u.before:.7g} {sign} {number(abs(u.step))} = {u.after:.7g}",),
                layer=lay.index))
    return out


def _checks(bp: PointBackprop) -> list[Line]:
    out = []
    for lay in bp.layers:
        c, k = lay.check, lay.index
        what = "every parameter" if c.checked == c.total else f"{c.checked} of {c.total}"
        mark = "✓" if c.ok else "✗"
        out.append(Line("check", f"W{k}, B{k}", "", f"{what}",
                        (f"largest relative error {c.max_rel:.1e} {mark}",),
                        "" if c.ok else "above 1e-6", layer=k))
    return out


def backprop_lines(bp: PointBackprop, full: bool = False) -> tuple[Line, ...]:
    """Every line of the computation in order: forward, backward, update, check."""
    return tuple(_forward(bp, full) + _backward(bp, full) + _update(bp) + _checks(bp))


_HEADINGS = {"forward": "Forward pass", "backward": "Backward pass (chain rule, computed in "
             "this order)", "update": "Update by one training step on this point",
             "check": "Gradient check: (L(w + h) − L(w − h)) / 2h in float64, h = 1e-5, "
             "against the backward pass"}


def backprop_text(bp: PointBackprop, run: str = "", full: bool = False) -> str:
    """The text form: a heading, then each stage's lines (``name = formula  shape  numbers``)."""
    sizes = " → ".join(str(s) for s in bp.sizes)
    head = [f"Back-propagation of point {bp.point} of {bp.n_points}"
            + (f" · run {run}" if run else "") + f" · epoch {bp.epoch}",
            f"network {sizes} · {bp.activation} · loss {bp.loss_name} · {bp.optimizer} "
            f"η = {number(bp.lr)}"]
    if bp.n_saturated:
        head.append(f"{bp.n_saturated} units saturated or dead on this point (f′ < "
                    f"{SATURATED:g}): gradients vanish through them")
    out, stage = head, ""
    for line in backprop_lines(bp, full):
        if line.stage != stage:
            stage = line.stage
            out += ["", _HEADINGS[stage]]
        out += format_line(line)
    return "\n".join(out)


def format_line(line: Line) -> list[str]:
    """A line as text rows: ``  name = formula   shape   numbers``, continuation rows
    indented under the numbers (a formula too long for its column puts its numbers on
    the next row), the flag on a row of its own."""
    left = f"  {line.name} = {line.formula}" if line.formula else f"  {line.name}"
    indent = " " * (NAME_WIDTH + SHAPE_WIDTH + 2)
    values = list(line.values)
    if len(left) > NAME_WIDTH:
        rows = [left.rstrip()]
        first = f"{'':<{NAME_WIDTH}} {line.shape:<{SHAPE_WIDTH}} {values.pop(0) if values else ''}"
        if first.strip():
            rows.append(first.rstrip())
    else:
        rows = [f"{left:<{NAME_WIDTH}} {line.shape:<{SHAPE_WIDTH}} "
                f"{values.pop(0) if values else ''}".rstrip()]
    rows += [f"{indent}{v}" for v in values]
    if line.flag:
        rows.append(f"{indent}⚠ {line.flag}")
    return rows
