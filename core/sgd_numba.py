"""The compiled per-point SGD epoch: forward, backward and update fused in one kernel.

Same maths as ``Network.forward`` / ``Network.backward`` on one point ``X[k:k+1]``
followed by ``W -= lr·dW`` and ``B -= lr·dB`` on every layer, for k in ``order``:

    Z_l = A_{l-1} · W_l + B_l,  A_l = act(Z_l)  (hidden),  ŷ = σ(Z_L)
    dZ_L = 2(ŷ − y)·ŷ(1 − ŷ)  (mse)  or  ŷ − y  (bce)
    dA_{l-1} = W_l · dZ_l  (the weights *before* this point's update)
    W_l -= lr · A_{l-1}ᵀ dZ_l,  B_l -= lr · dZ_l,  dZ_{l-1} = dA_{l-1} · act'(A_{l-1})

The backward step over W_l makes a single pass: each row W_l[i, :] is read once to
accumulate dA_{l-1}[i] and written once with its update. The kernel releases the GIL,
stays single-threaded and, on x86-64, sets flush-to-zero / denormals-are-zero (MXCSR
bits 0x8040) for the duration of the call, restoring the caller's MXCSR at the end, so
saturated sigmoids late in training do not fall into slow subnormal arithmetic.

Speed without changing the maths: hidden sigmoids go through ``_exp_nonpos``, a
branch-free exp (Cody–Waite reduction, degree-13 polynomial, 2^k from its bits; within
1 ulp of np.exp) applied over whole layer vectors so LLVM vectorises it; the forward
step adds four rows of W per pass over Z; every function uses ``error_model="numpy"``
(no zero-division checks, which would block vectorisation). The only fast-math flags
are "contract" (a·b + c may become one FMA) in the forward and update loops, and
"reassoc" + "contract" in the backward dot product (see ``_backward_layer``).
Everything stays deterministic: same inputs, same machine, same bits.

Two entry points: ``sgd_epoch_kernel`` (one epoch) and ``sgd_chunk_kernel`` (several
epochs in one call, evaluating the network inside the kernel at the epochs asked for, so
a caller's Python thread needs the GIL once per chunk rather than once per epoch). The
building blocks live in ``core.sgd_numba_ops``. Importing this module imports numba;
``core.backends`` imports it lazily.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from core.sgd_numba_ops import (
    FLUSH_SUPPORTED,
    MXCSR_FTZ_DAZ,
    _get_mxcsr,
    _set_mxcsr,
    all_finite,
    evaluate_all,
    train_point,
)

__all__ = ["FLUSH_SUPPORTED", "MXCSR_FTZ_DAZ", "sgd_chunk_kernel", "sgd_epoch_kernel"]


@njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
def _scratch(Ws, X):
    n_layers = len(Ws)
    width = X.shape[1]
    for li in range(n_layers):
        width = max(width, Ws[li].shape[1])
    return np.zeros((n_layers + 1, width)), np.zeros(width), np.zeros(width), np.zeros(width)


@njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
def sgd_epoch_kernel(Ws, Bs, X, y, order, lr, act_code, loss_code, flush):
    """One per-point SGD epoch in place on the tuples ``Ws`` / ``Bs``.

    Ws[l] (fan_in, fan_out) and Bs[l] (fan_out,) float64 C-contiguous, X (n, fan_in0),
    y (n,) or (n, 1) flattened by the caller to (n,), order (m,) int64 point indices.
    ``flush``: set FTZ/DAZ for this call (x86-64). Returns nothing.
    """
    acts, dz, g, da = _scratch(Ws, X)
    old_csr = _get_mxcsr()
    if flush:
        _set_mxcsr(old_csr | np.uint32(MXCSR_FTZ_DAZ))
    for p in range(order.shape[0]):
        train_point(Ws, Bs, X, y, order[p], lr, act_code, loss_code, acts, dz, g, da)
    _set_mxcsr(old_csr)


@njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
def sgd_chunk_kernel(Ws, Bs, X, y, orders, lr, act_code, loss_code, flush, evals, metrics,
                     yhats):
    """``orders.shape[0]`` epochs (epoch c over ``orders[c]``), evaluating where asked.

    orders (k, m) int64; evals (k,) bool: evaluate after epoch c; metrics (n_eval, 3)
    and yhats (n_eval, n) float64 receive, row by row in epoch order, (summed loss, soft
    accuracy %, threshold accuracy %) and ŷ of each evaluated epoch. Stops early after an
    evaluated epoch whose loss or weights are not finite. Returns (epochs done, diverged).
    """
    acts, dz, g, da = _scratch(Ws, X)
    old_csr = _get_mxcsr()
    if flush:
        _set_mxcsr(old_csr | np.uint32(MXCSR_FTZ_DAZ))
    row = 0
    done = 0
    diverged = False
    for c in range(orders.shape[0]):
        order = orders[c]
        for p in range(order.shape[0]):
            train_point(Ws, Bs, X, y, order[p], lr, act_code, loss_code, acts, dz, g, da)
        done += 1
        if evals[c]:
            m = metrics[row]
            evaluate_all(Ws, Bs, X, y, act_code, loss_code, acts, yhats[row], m)
            row += 1
            if not (np.isfinite(m[0]) and all_finite(Ws, Bs)):
                diverged = True
                break
    _set_mxcsr(old_csr)
    return done, diverged
