"""The NumPy per-point SGD epoch as it was before issue 8: a speed experiment kept here.

Until the house-keeping of issue 8 this was ``core/sgd_numpy.py``, the NumPy fallback of
per-point SGD (plain SGD only): augmented weights [W; B], weights kept negated, lr folded
into the factors, the two-hidden-layer epoch unrolled in ``_epoch_two_hidden`` (a
147-line function), and for W2 ≥ 100×100 its rank-1 updates deferred — 16 factor pairs
kept and folded into W2 by one k = 16 product every 16 points. Core now has one NumPy
engine for every optimiser and batch size (``core.train.kernels.numpy_engine``); the compiled
kernel is what runs by default, so this variant never would. ``bench/speed.py`` times it
beside the engine ("numpy, before"), so what it bought stays measured:

How it worked:

Same maths as ``Network.forward`` / ``Network.backward`` on one point ``X[k:k+1]``
followed by ``W -= lr·dW``, ``B -= lr·dB`` on every layer, for k in ``order``:

    Z_l = A_{l-1} · W_l + B_l,  A_l = act(Z_l)  (hidden),  ŷ = σ(Z_L)
    dZ_L = 2(ŷ − y)·ŷ(1 − ŷ)  (mse)  or  ŷ − y  (bce)
    dA_{l-1} = W_l · dZ_l  (computed before W_l is updated)
    W_l -= (lr·A_{l-1}) ⊗ dZ_l,  B_l -= lr·dZ_l,  dZ_{l-1} = dA_{l-1} · act'(A_{l-1})

Every buffer is allocated once per call; each point then runs on ``out=`` ufuncs and
``np.dot(..., out=)``, so the per-point cost is the NumPy call overhead plus the memory
passes over each W (one read for the forward step, one for dA, one rank-1 product into
a scratch matrix — a BLAS k = 1 ``np.dot``, several times faster than
``np.multiply.outer`` at these sizes — and one in-place addition). The weights are kept
negated, so the forward ``np.dot`` yields −Z, the sigmoid's exp argument, directly.
Two hidden layers (the common case) run unrolled in ``_epoch_two_hidden``, which also
defers the rank-1 updates of a large W2 (one k = 16 product every 16 points).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from core.nn.activations import ACTIVATIONS, sigmoid
from core.nn.losses import LOSSES
from core.nn.metrics import score

__all__ = ["evaluate_numpy", "sgd_chunk_numpy", "sgd_epoch_numpy"]


def _sigmoid_into(z: np.ndarray, out: np.ndarray, tmp: np.ndarray) -> None:
    """out = σ(z) without overflow: e = e^−|z|; σ = 1/(1+e) for z ≥ 0, e/(1+e) below."""
    np.abs(z, out=tmp)
    np.negative(tmp, out=tmp)
    np.exp(tmp, out=tmp)  # e in (0, 1]
    np.add(tmp, 1.0, out=out)
    np.divide(1.0, out, out=out)  # 1/(1+e)
    neg = z < 0.0
    np.multiply(tmp, out, out=tmp)  # e/(1+e)
    np.copyto(out, tmp, where=neg)


def _activate_into(z: np.ndarray, out: np.ndarray, tmp: np.ndarray, code: int) -> None:
    """out = act(z) for activation ``code`` (0 sigmoid … 4 identity)."""
    if code == 0:
        _sigmoid_into(z, out, tmp)
    elif code == 1:
        np.tanh(z, out=out)
    elif code == 2:
        np.maximum(z, 0.0, out=out)
    elif code == 3:
        np.multiply(z, 0.01, out=out)
        np.copyto(out, z, where=z > 0.0)
    else:
        np.copyto(out, z)


def _derivative_mul(a: np.ndarray, da: np.ndarray, tmp: np.ndarray, code: int) -> None:
    """da *= ∂A/∂Z written through A (relu / leaky-relu: A > 0 exactly when Z > 0)."""
    if code == 0:
        np.subtract(1.0, a, out=tmp)
        np.multiply(tmp, a, out=tmp)
        np.multiply(da, tmp, out=da)
    elif code == 1:
        np.multiply(a, a, out=tmp)
        np.subtract(1.0, tmp, out=tmp)
        np.multiply(da, tmp, out=da)
    elif code == 2:
        np.copyto(da, 0.0, where=a <= 0.0)
    elif code == 3:
        np.copyto(tmp, da)
        np.multiply(tmp, 0.01, out=tmp)
        np.copyto(da, tmp, where=a <= 0.0)
    # identity: ∂A/∂Z = 1


def sgd_epoch_numpy(
    Ws: Sequence[np.ndarray],
    Bs: Sequence[np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    order: np.ndarray,
    lr: float,
    act_code: int,
    loss_code: int,
) -> None:
    """One per-point SGD epoch, in place on ``Ws`` / ``Bs``.

    Ws[l] (fan_in, fan_out), Bs[l] (fan_out,) float64; X (n, fan_in0); y (n,) or (n, 1);
    order (m,) point indices; act_code / loss_code as ``Activation.code`` / ``Loss.code``.

    To keep the NumPy calls per point few, the epoch works on augmented copies
    Wa_l = [W_l; B_l] (fan_in + 1, fan_out) fed with [A_{l-1}, 1], so one ``np.dot`` gives
    Z_l and one rank-1 update moves W_l and B_l together; and it carries G_l = lr·dZ_l
    instead of dZ_l, so no separate scaling by lr is needed. The copies are written back
    into ``Ws`` / ``Bs`` at the end.
    """
    if len(Ws) == 3:
        _epoch_two_hidden(Ws, Bs, X, y, order, float(lr), act_code, loss_code)
        return
    n_layers = len(Ws)
    last = n_layers - 1
    yv = np.asarray(y, dtype=np.float64).reshape(-1)
    Xf = np.asarray(X, dtype=np.float64)
    lr = float(lr)
    # Wn_l = −[W_l; B_l]: A·Wn gives −Z, the argument of the sigmoid's exp, with no
    # negation per point. Negation is exact, so every value is that of the plain maths.
    Wns = [-np.vstack([W, B[None, :]]) for W, B in zip(Ws, Bs, strict=True)]
    sizes = [Xf.shape[1], *(W.shape[1] for W in Ws)]
    # As[l] = [A_l, 1]: the augmented input of layer l + 1 (As[0] holds the point)
    As = [np.ones(s + 1) for s in sizes]
    Zs = [np.empty(s) for s in sizes]
    tmps = [np.empty(s) for s in sizes]
    Cs = [np.empty(s) for s in sizes]  # Cs[l] = ±lr · dZ_l (sign in signs[l])
    outers = [np.empty(W.shape) for W in Wns]
    # views made once, not per point
    a_of = [A[:-1] for A in As]  # A_l without the trailing 1
    col_of = [A[:, None] for A in As]  # [A_l, 1] as a column, for the rank-1 update
    row_of = [C[None, :] for C in Cs]  # C_l as a row
    wn_of = [Wn[:-1] for Wn in Wns]  # −W_l without its bias row
    wn_out = Wns[last][:, 0]  # the output layer's single column (a view)
    wn_out_h = wn_out[:-1]
    out_col = outers[last][:, 0]
    x_in = a_of[0]
    sig = act_code == 0
    dot, exp, add, sub, mul, div = np.dot, np.exp, np.add, np.subtract, np.multiply, np.divide
    # Signs: C_last = +G_last; C_{l-1} = (Wn_l · C_l)·act' = −sign_l · G_{l-1}, so the sign
    # alternates going down, and Wn_l += A ⊗ G_l becomes a subtraction where C_l = −G_l.
    signs = [1 if (last - li) % 2 == 0 else -1 for li in range(n_layers)]
    with np.errstate(under="ignore", over="ignore"):
        for k in np.asarray(order).reshape(-1).tolist():
            x_in[...] = Xf[k]
            # forward: hidden layers
            for li in range(last):
                t, a = Zs[li + 1], a_of[li + 1]
                dot(As[li], Wns[li], out=t)  # −Z
                if sig:  # σ(z) = 1 / (1 + e^−z); e^−z = inf gives exactly 0
                    exp(t, out=a)
                    add(a, 1.0, out=a)
                    div(1.0, a, out=a)
                else:
                    np.negative(t, out=t)
                    _activate_into(t, a, tmps[li + 1], act_code)
            # output layer, on Python floats
            z_out = -float(dot(As[last], wn_out))
            if z_out >= 0.0:
                yhat = 1.0 / (1.0 + math.exp(-z_out))
            else:
                e = math.exp(z_out)
                yhat = e / (1.0 + e)
            if loss_code == 0:
                g = lr * (2.0 * (yhat - yv[k]) * (yhat * (1.0 - yhat)))
            else:
                g = lr * (yhat - yv[k])
            # backward, layer by layer: C_{l-1} = (Wn_l · C_l) · act'(A_{l-1}) from the old
            # weights, then Wn_l += [A_{l-1}, 1] ⊗ G_l
            for li in range(last, -1, -1):
                if li > 0:
                    C, a, t = Cs[li], a_of[li], tmps[li]
                    if li == last:
                        mul(wn_out_h, g, out=C)
                    else:
                        dot(wn_of[li], Cs[li + 1], out=C)
                    if sig:
                        sub(1.0, a, out=t)
                        mul(t, a, out=t)
                        mul(C, t, out=C)
                    else:
                        _derivative_mul(a, C, t, act_code)
                if li == last:
                    mul(As[li], g, out=out_col)
                    add(wn_out, out_col, out=wn_out)
                else:
                    # a BLAS k = 1 product: much faster than np.multiply.outer here
                    dot(col_of[li], row_of[li + 1], out=outers[li])
                    (add if signs[li] > 0 else sub)(Wns[li], outers[li], out=Wns[li])
    for W, B, Wn in zip(Ws, Bs, Wns, strict=True):
        np.negative(Wn[:-1], out=W)
        np.negative(Wn[-1], out=B)


# W2 at least this many weights: its rank-1 updates are deferred (see _epoch_two_hidden)
LAZY_MIN_WEIGHTS = 100 * 100
LAZY_RANK = 16  # points whose W2 updates are kept as factors before one k = 16 product


def _epoch_two_hidden(Ws, Bs, X, y, order, lr, act_code, loss_code) -> None:
    """``sgd_epoch_numpy`` unrolled for two hidden layers (every buffer and view bound to
    a local, no per-layer loop), same sign conventions: Wn1, Wn2, wn3 are −[W; B].

    For a large W2 (≥ ``LAZY_MIN_WEIGHTS``) its rank-1 updates are deferred: the true
    Wn2 is Wn2 + Σ_p P_p ⊗ C2_p over the last m < 16 points (P_p = −[A1_p, 1]), kept as
    the factor rows ``Aacc`` / ``Cacc`` (Cacc stacked under Wn2 in ``Big``). The forward
    step is then one product [A1, 1, u]·Big with u = Aacc·[A1, 1], the backward one
    Big·C2 plus the (m × h1) correction, and every 16 points one k = 16 BLAS product
    folds the factors into Wn2 — instead of a full write + add pass over W2 per point.
    The same maths; the sums are rounded in another order.
    """
    W1, W2, W3 = Ws
    B1, B2, B3 = Bs
    yv = np.asarray(y, dtype=np.float64).reshape(-1).tolist()
    rows = np.asarray(X, dtype=np.float64).tolist()
    n0, h1 = W1.shape
    h2 = W2.shape[1]
    M = LAZY_RANK
    lazy = W2.size >= LAZY_MIN_WEIGHTS
    # merged: S = [Wn1; Wn2] (h1 == h2), both rank-1 updates as one k = 2 product
    # [A0 0; 0 A1] · [C1; C2] and one subtraction (C1 then carries +G1, not −G1)
    merged = not lazy and h1 == h2
    Big = np.zeros((h1 + 1 + (M if lazy else 0), h2))  # [Wn2; Cacc]
    Wn2, Cacc = Big[: h1 + 1], Big[h1 + 1 :]
    if merged:
        S = np.empty((n0 + 1 + h1 + 1, h2))
        Wn1, Wn2 = S[: n0 + 1], S[n0 + 1 :]
        L = np.zeros((S.shape[0], 2), order="F")
        R, OS = np.empty((2, h2)), np.empty(S.shape)
    else:
        Wn1 = np.empty((n0 + 1, h1))
    for W, B, Wn in ((W1, B1, Wn1), (W2, B2, Wn2)):
        np.negative(W, out=Wn[:-1])
        np.negative(B, out=Wn[-1])
    wn3 = -np.concatenate([W3[:, 0], B3])
    Aacc = np.zeros((M, h1 + 1))
    Aacc_h = Aacc[:, :h1]
    arows, crows = list(Aacc), list(Cacc)
    V = np.ones(Big.shape[0])  # [A1, 1, u]
    A0, A1, A2 = np.ones(n0 + 1), V[: h1 + 1], np.ones(h2 + 1)
    if merged:
        A0, A1 = L[: n0 + 1, 0], L[n0 + 1 :, 1]
        A0.fill(1.0)
        A1.fill(1.0)
    x0, a1, a2, u = A0[:-1], A1[:-1], A2[:-1], V[h1 + 1 :]
    A0c, A1c = A0[:, None], A1[:, None]
    t1, t2, s1, s2 = np.empty(h1), np.empty(h2), np.empty(h1), np.empty(h2)
    # array operands, not Python floats: a float operand costs a ufunc ~0.2 µs to convert
    one1, one2, gv = np.ones(h1), np.ones(h2), np.empty(1)
    C1, C2 = (R[0], R[1]) if merged else (np.empty(h1), np.empty(h2))  # C2 = +G2, C1 = ∓G1
    C1r, C2r = C1[None, :], C2[None, :]
    O1, O2, o3 = np.empty(Wn1.shape), np.empty(Wn2.shape), np.empty(h2 + 1)
    r = np.empty(Big.shape[0])
    rh, rt = r[:h1], r[h1 + 1 :]
    wn2h, wn3h = Wn2[:-1], wn3[:-1]
    sig = act_code == 0
    dot, exp, add, sub, mul, div = np.dot, np.exp, np.add, np.subtract, np.multiply, np.divide
    neg, copyto, mexp = np.negative, np.copyto, math.exp
    m = 0
    with np.errstate(under="ignore", over="ignore"):
        for k in np.asarray(order).reshape(-1).tolist():
            x0[...] = rows[k]
            dot(A0, Wn1, out=t1)  # −Z1
            if sig:
                exp(t1, out=a1)
                add(a1, one1, out=a1)
                div(one1, a1, out=a1)
            else:
                neg(t1, out=t1)
                _activate_into(t1, a1, s1, act_code)
            if lazy:
                dot(Aacc, A1, out=u)
                dot(V, Big, out=t2)
            else:
                dot(A1, Wn2, out=t2)
            if sig:
                exp(t2, out=a2)
                add(a2, one2, out=a2)
                div(one2, a2, out=a2)
            else:
                neg(t2, out=t2)
                _activate_into(t2, a2, s2, act_code)
            z = -float(dot(A2, wn3))
            if z >= 0.0:
                yhat = 1.0 / (1.0 + mexp(-z))
            else:
                e = mexp(z)
                yhat = e / (1.0 + e)
            if loss_code == 0:
                g = lr * (2.0 * (yhat - yv[k]) * (yhat * (1.0 - yhat)))
            else:
                g = lr * (yhat - yv[k])
            gv[0] = g
            mul(wn3h, gv, out=C2)
            if sig:
                sub(one2, a2, out=s2)
                mul(s2, a2, out=s2)
                mul(C2, s2, out=C2)
            else:
                _derivative_mul(a2, C2, s2, act_code)
            mul(A2, gv, out=o3)
            add(wn3, o3, out=wn3)
            if lazy:
                dot(Big, C2, out=r)
                dot(rt, Aacc_h, out=C1)
                add(C1, rh, out=C1)
            else:
                dot(wn2h, C2, out=C1)
            if sig:
                if merged:  # a − 1 = −(1 − a) exactly
                    sub(a1, one1, out=s1)
                else:
                    sub(one1, a1, out=s1)
                mul(s1, a1, out=s1)
                mul(C1, s1, out=C1)
            else:
                _derivative_mul(a1, C1, s1, act_code)
                if merged:
                    neg(C1, out=C1)
            if lazy:
                neg(A1, out=arows[m])
                copyto(crows[m], C2)
                m += 1
                if m == M:
                    dot(Aacc.T, Cacc, out=O2)
                    add(Wn2, O2, out=Wn2)
                    Aacc.fill(0.0)
                    Cacc.fill(0.0)
                    m = 0
            elif merged:
                dot(L, R, out=OS)
                sub(S, OS, out=S)
                continue
            else:
                dot(A1c, C2r, out=O2)
                sub(Wn2, O2, out=Wn2)
            dot(A0c, C1r, out=O1)
            add(Wn1, O1, out=Wn1)
    if m:
        dot(Aacc.T, Cacc, out=O2)
        add(Wn2, O2, out=Wn2)
    for W, B, Wn in ((W1, B1, Wn1), (W2, B2, Wn2)):
        np.negative(Wn[:-1], out=W)
        np.negative(Wn[-1], out=B)
    np.negative(wn3[:-1], out=W3[:, 0])
    np.negative(wn3[-1:], out=B3)


_ACT_BY_CODE = {cls.code: cls() for cls in ACTIVATIONS.values()}
_LOSS_BY_CODE = {cls.code: cls() for cls in LOSSES.values()}


def evaluate_numpy(Ws, Bs, X, y, act_code: int, loss_code: int) -> tuple[np.ndarray, np.ndarray]:
    """``Network.predict`` + ``core.metrics.score`` from bare arrays: ((loss, soft %,
    threshold %) as a (3,) array, ŷ (n,)). X (n, fan_in0), y (n,) or (n, 1)."""
    act = _ACT_BY_CODE[act_code]
    A = np.asarray(X, dtype=np.float64)
    last = len(Ws) - 1
    with np.errstate(all="ignore"):
        for i, (W, B) in enumerate(zip(Ws, Bs, strict=True)):
            Z = A @ W + B
            A = sigmoid(Z) if i == last else act.forward(Z)
    m = score(A, np.asarray(y, dtype=np.float64).reshape(-1, 1), _LOSS_BY_CODE[loss_code])
    return np.array([m.loss, m.soft_acc, m.acc]), A.reshape(-1)


def sgd_chunk_numpy(Ws, Bs, X, y, orders, lr, act_code, loss_code, evals, metrics, yhats):
    """``core.sgd_numba.sgd_chunk_kernel`` in NumPy: per-point epochs over ``orders[c]``
    (orders (k, m)), evaluating after epoch c where ``evals[c]`` into the next rows of
    metrics (n_eval, 3) and yhats (n_eval, n). Returns (epochs done, diverged)."""
    row = 0
    with np.errstate(all="ignore"):  # divergence is reported, not warned about
        for c in range(orders.shape[0]):
            sgd_epoch_numpy(Ws, Bs, X, y, orders[c], lr, act_code, loss_code)
            if evals[c]:
                metrics[row], yhats[row] = evaluate_numpy(Ws, Bs, X, y, act_code, loss_code)
                row += 1
                finite = all(np.isfinite(a).all() for a in (*Ws, *Bs))
                if not (np.isfinite(metrics[row - 1, 0]) and finite):
                    return c + 1, True
    return orders.shape[0], False
