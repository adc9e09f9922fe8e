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

Two hidden layers (the usual network) run ``train_point3``: the same steps unrolled, on
1-D scratch vectors, with the activation's branch outside the per-unit loops. For the
epoch the kernel works on copies of the weights that start on a 64-byte boundary when
the caller's do not (NumPy only aligns to 16 bytes), writing them back at the end.

Two entry points: ``sgd_epoch_kernel`` (one epoch) and ``sgd_chunk_kernel`` (several
epochs in one call, evaluating the network inside the kernel at the epochs asked for, so
a caller's Python thread needs the GIL once per chunk rather than once per epoch). The
building blocks live in ``core.train.kernels.compiled_ops``. Importing this module imports numba;
``core.train.kernels`` imports it lazily.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

from core.train.kernels.compiled_ops import (
    FLUSH_SUPPORTED,
    MXCSR_FTZ_DAZ,
    _activate,
    _backward_layer,
    _derivative,
    _dot,
    _forward_layer,
    _get_mxcsr,
    _set_mxcsr,
    _sigmoid,
    _sigmoid_layer,
    _update_layer,
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
def _hidden(z, n, act_code):
    """z[:n] = act(z[:n]) in place; the code is tested once, outside the loop."""
    if act_code == 0:
        _sigmoid_layer(z, n)
    else:
        for j in range(n):
            z[j] = _activate(z[j], act_code)


@njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
def train_point3(W1, B1, W2, B2, w3, B3, x, yk, lr, act_code, loss_code, a1, a2, dz2, dz1):
    """``train_point`` unrolled for two hidden layers: the same operations in the same
    order, on separate 1-D scratch vectors (a1, a2, dz2, dz1), the output layer's column
    as the 1-D ``w3`` and every per-unit branch on the codes hoisted out of the loops."""
    n0, h1 = W1.shape
    h2 = W2.shape[1]
    _forward_layer(W1, B1, x, a1, n0, h1)
    _hidden(a1, h1, act_code)
    _forward_layer(W2, B2, a1, a2, h1, h2)
    _hidden(a2, h2, act_code)
    yhat = _sigmoid(_dot(a2, w3, h2) + B3[0])
    d3 = 2.0 * (yhat - yk) * (yhat * (1.0 - yhat)) if loss_code == 0 else yhat - yk
    B3[0] -= lr * d3
    # output layer: dA2 = w3·d3 (old w3), w3 -= (lr·A2)·d3, dZ2 = dA2·act'(A2), B2 -= lr·dZ2
    if act_code == 0:
        for j in range(h2):
            a = a2[j]
            w = w3[j]
            d = (w * d3) * (a * (1.0 - a))
            w3[j] = w - (lr * a) * d3
            dz2[j] = d
            B2[j] -= lr * d
    else:
        for j in range(h2):
            a = a2[j]
            w = w3[j]
            d = (w * d3) * _derivative(a, act_code)
            w3[j] = w - (lr * a) * d3
            dz2[j] = d
            B2[j] -= lr * d
    _backward_layer(W2, a1, dz2, lr, dz1, h1, h2)  # dz1 = dA1 here
    if act_code == 0:
        for i in range(h1):
            a = a1[i]
            d = dz1[i] * (a * (1.0 - a))
            dz1[i] = d
            B1[i] -= lr * d
    else:
        for i in range(h1):
            d = dz1[i] * _derivative(a1[i], act_code)
            dz1[i] = d
            B1[i] -= lr * d
    _update_layer(W1, x, dz1, lr, n0, h1)


_LINE = np.uint64(64)  # bytes in a cache line (and in a zmm register)


@njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
def _line_vector(n):
    """An uninitialised float64 (n,) whose data starts on a 64-byte boundary."""
    buf = np.empty(n + 8)
    off = ((_LINE - buf.ctypes.data % _LINE) % _LINE) // np.uint64(8)
    return buf[off : off + n]


@njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
def _on_lines(A):
    """``A`` itself when its data starts on a 64-byte boundary, else a copy that does.

    NumPy aligns its buffers to 16 bytes only; from a misaligned start every 64-byte
    vector load and store of a row straddles two cache lines (measured: ~20 % slower
    kernel at (128,128)). Copy the result back with ``_write_back``."""
    if A.ctypes.data % _LINE == 0:
        return A
    out = _line_vector(A.size).reshape(A.shape)
    out.reshape(A.size)[:] = A.reshape(A.size)
    return out


@njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
def _write_back(work, A):
    """A[...] = work when ``work`` is an aligned copy of A made by ``_on_lines``."""
    if work.ctypes.data != A.ctypes.data:
        A.reshape(A.size)[:] = work.reshape(work.size)


def _train_points(Ws, Bs, X, y, order, lr, act_code, loss_code):
    """Compiled only: train on the points X[order] in turn (see the overload below)."""
    raise NotImplementedError


@overload(_train_points, jit_options={"nogil": True, "error_model": "numpy"})
def _train_points_impl(Ws, Bs, X, y, order, lr, act_code, loss_code):
    """Two hidden layers (3 weight tuples): ``train_point3``; any other depth: the
    generic ``train_point`` (runtime layer loop)."""
    if isinstance(Ws, types.UniTuple) and Ws.count == 3:

        def three(Ws, Bs, X, y, order, lr, act_code, loss_code):
            W1, W2, W3 = _on_lines(Ws[0]), _on_lines(Ws[1]), _on_lines(Ws[2])
            B1, B2, B3 = _on_lines(Bs[0]), _on_lines(Bs[1]), Bs[2]
            h1 = W1.shape[1]
            h2 = W2.shape[1]
            w3 = W3.reshape(h2)
            a1, dz1 = _line_vector(h1), _line_vector(h1)
            a2, dz2 = _line_vector(h2), _line_vector(h2)
            for p in range(order.shape[0]):
                k = order[p]
                train_point3(
                    W1, B1, W2, B2, w3, B3, X[k], y[k], lr, act_code, loss_code, a1, a2, dz2, dz1
                )
            for work, A in ((W1, Ws[0]), (W2, Ws[1]), (W3, Ws[2])):
                _write_back(work, A)
            _write_back(B1, Bs[0])
            _write_back(B2, Bs[1])

        return three

    def generic(Ws, Bs, X, y, order, lr, act_code, loss_code):
        acts, dz, g, da = _scratch(Ws, X)
        for p in range(order.shape[0]):
            train_point(Ws, Bs, X, y, order[p], lr, act_code, loss_code, acts, dz, g, da)

    return generic


@njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
def sgd_epoch_kernel(Ws, Bs, X, y, order, lr, act_code, loss_code, flush):
    """One per-point SGD epoch in place on the tuples ``Ws`` / ``Bs``.

    Ws[l] (fan_in, fan_out) and Bs[l] (fan_out,) float64 C-contiguous, X (n, fan_in0),
    y (n,) or (n, 1) flattened by the caller to (n,), order (m,) int64 point indices.
    ``flush``: set FTZ/DAZ for this call (x86-64). Returns False, having done nothing,
    when an index of ``order`` is outside [0, n); else True.
    """
    n = X.shape[0]
    for p in range(order.shape[0]):
        if order[p] < 0 or order[p] >= n:
            return False
    old_csr = _get_mxcsr()
    if flush:
        _set_mxcsr(old_csr | np.uint32(MXCSR_FTZ_DAZ))
    _train_points(Ws, Bs, X, y, order, lr, act_code, loss_code)
    _set_mxcsr(old_csr)
    return True


@njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
def sgd_chunk_kernel(Ws, Bs, X, y, orders, lr, act_code, loss_code, flush, evals, metrics, yhats):
    """``orders.shape[0]`` epochs (epoch c over ``orders[c]``), evaluating where asked.

    orders (k, m) int64; evals (k,) bool: evaluate after epoch c; metrics (n_eval, 3)
    and yhats (n_eval, n) float64 receive, row by row in epoch order, (summed loss, soft
    accuracy %, threshold accuracy %) and ŷ of each evaluated epoch. Stops early after an
    evaluated epoch whose loss or weights are not finite. Returns (epochs done, diverged).
    """
    acts = _scratch(Ws, X)[0]
    old_csr = _get_mxcsr()
    if flush:
        _set_mxcsr(old_csr | np.uint32(MXCSR_FTZ_DAZ))
    row = 0
    done = 0
    diverged = False
    for c in range(orders.shape[0]):
        _train_points(Ws, Bs, X, y, orders[c], lr, act_code, loss_code)
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
