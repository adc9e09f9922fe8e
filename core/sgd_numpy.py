"""The pure-NumPy per-point SGD epoch: the fallback when the compiled kernel is unavailable.

Same maths as ``Network.forward`` / ``Network.backward`` on one point ``X[k:k+1]``
followed by ``W -= lr·dW``, ``B -= lr·dB`` on every layer, for k in ``order``:

    Z_l = A_{l-1} · W_l + B_l,  A_l = act(Z_l)  (hidden),  ŷ = σ(Z_L)
    dZ_L = 2(ŷ − y)·ŷ(1 − ŷ)  (mse)  or  ŷ − y  (bce)
    dA_{l-1} = W_l · dZ_l  (computed before W_l is updated)
    W_l -= (lr·A_{l-1}) ⊗ dZ_l,  B_l -= lr·dZ_l,  dZ_{l-1} = dA_{l-1} · act'(A_{l-1})

Every buffer is allocated once per call; each point then runs on ``out=`` ufuncs and
``np.dot(..., out=)``, so the per-point cost is the NumPy call overhead plus the memory
passes over each W (one read for the forward step, one for dA, one outer product into a
scratch matrix and one in-place subtraction).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["sgd_epoch_numpy"]


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
    n_layers = len(Ws)
    last = n_layers - 1
    yv = np.asarray(y, dtype=np.float64).reshape(-1)
    Xf = np.asarray(X, dtype=np.float64)
    lr = float(lr)
    Was = [np.vstack([W, B[None, :]]) for W, B in zip(Ws, Bs, strict=True)]
    sizes = [Xf.shape[1], *(W.shape[1] for W in Ws)]
    # As[l] = [A_l, 1]: the augmented input of layer l + 1 (As[0] holds the point)
    As = [np.ones(s + 1) for s in sizes]
    Zs = [np.empty(s) for s in sizes]
    tmps = [np.empty(s) for s in sizes]
    Gs = [np.empty(s) for s in sizes]  # Gs[l] = lr · dZ_l
    outers = [np.empty(W.shape) for W in Was]
    w_out = Was[last][:, 0]  # the output layer's single column (a view)
    out_col = outers[last][:, 0]
    # views made once, not per point
    a_of = [A[:-1] for A in As]  # A_l without the trailing 1
    w_of = [Wa[:-1] for Wa in Was]  # W_l without its bias row
    x_in = a_of[0]
    sig = act_code == 0
    with np.errstate(under="ignore", over="ignore"):
        for k in np.asarray(order).reshape(-1).tolist():
            x_in[...] = Xf[k]
            # forward: hidden layers
            for li in range(last):
                z, a = Zs[li + 1], a_of[li + 1]
                np.dot(As[li], Was[li], out=z)
                if sig:  # σ(z) = 1 / (1 + e^−z); e^−z = inf gives exactly 0
                    np.negative(z, out=a)
                    np.exp(a, out=a)
                    np.add(a, 1.0, out=a)
                    np.divide(1.0, a, out=a)
                else:
                    _activate_into(z, a, tmps[li + 1], act_code)
            # output layer, on Python floats
            z_out = float(np.dot(As[last], w_out))
            if z_out >= 0.0:
                yhat = 1.0 / (1.0 + math.exp(-z_out))
            else:
                e = math.exp(z_out)
                yhat = e / (1.0 + e)
            if loss_code == 0:
                g = lr * (2.0 * (yhat - yv[k]) * (yhat * (1.0 - yhat)))
            else:
                g = lr * (yhat - yv[k])
            # backward, layer by layer: G_{l-1} = (W_l · G_l) · act'(A_{l-1}) from the old
            # W_l, then Wa_l -= [A_{l-1}, 1] ⊗ G_l
            for li in range(last, -1, -1):
                if li > 0:
                    G, a, t = Gs[li], a_of[li], tmps[li]
                    if li == last:
                        np.multiply(w_out[:-1], g, out=G)
                    else:
                        np.dot(w_of[li], Gs[li + 1], out=G)
                    if sig:
                        np.subtract(1.0, a, out=t)
                        np.multiply(t, a, out=t)
                        np.multiply(G, t, out=G)
                    else:
                        _derivative_mul(a, G, t, act_code)
                if li == last:
                    np.multiply(As[li], g, out=out_col)
                    np.subtract(w_out, out_col, out=w_out)
                else:
                    np.multiply.outer(As[li], Gs[li + 1], out=outers[li])
                    np.subtract(Was[li], outers[li], out=Was[li])
    for W, B, Wa in zip(Ws, Bs, Was, strict=True):
        W[...] = Wa[:-1]
        B[...] = Wa[-1]
