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
    """
    n_layers = len(Ws)
    last = n_layers - 1
    yv = np.asarray(y, dtype=np.float64).reshape(-1)
    Xf = np.asarray(X, dtype=np.float64)
    sizes = [Xf.shape[1], *(W.shape[1] for W in Ws)]
    Zs = [np.empty(s) for s in sizes]  # Zs[l] = Z_l (Zs[0] unused)
    As = [np.empty(s) for s in sizes]  # As[l] = A_l, As[0] = the point
    tmps = [np.empty(s) for s in sizes]
    dZs = [np.empty(s) for s in sizes]
    aScaled = [np.empty(s) for s in sizes]  # lr · A_{l}
    outers = [np.empty(W.shape) for W in Ws]
    gB = [np.empty(s) for s in sizes]
    lr = float(lr)
    with np.errstate(under="ignore"):
        for k in np.asarray(order).reshape(-1):
            np.copyto(As[0], Xf[k])
            # forward
            for li in range(n_layers):
                z = Zs[li + 1]
                np.dot(As[li], Ws[li], out=z)
                np.add(z, Bs[li], out=z)
                if li == last:
                    _sigmoid_into(z, As[li + 1], tmps[li + 1])
                else:
                    _activate_into(z, As[li + 1], tmps[li + 1], act_code)
            # backward
            yhat = As[n_layers][0]
            if loss_code == 0:
                dZs[n_layers][0] = 2.0 * (yhat - yv[k]) * (yhat * (1.0 - yhat))
            else:
                dZs[n_layers][0] = yhat - yv[k]
            for li in range(last, -1, -1):
                W, dz = Ws[li], dZs[li + 1]
                if li > 0:
                    da = dZs[li]
                    np.dot(W, dz, out=da)  # dA_{l-1} from the old W
                np.multiply(As[li], lr, out=aScaled[li])
                np.multiply.outer(aScaled[li], dz, out=outers[li])
                np.subtract(W, outers[li], out=W)
                np.multiply(dz, lr, out=gB[li + 1])
                np.subtract(Bs[li], gB[li + 1], out=Bs[li])
                if li > 0:
                    _derivative_mul(As[li], da, tmps[li], act_code)
