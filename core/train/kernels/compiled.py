"""The compiled per-point kernel: forward, backward and every optimiser's update fused.

Same maths as ``Network.forward`` / ``Network.backward`` on one point ``X[k:k+1]``
followed by the optimiser's step (``core.nn.optimizers``) on every W and B, for k in
each epoch's order:

    Z_l = A_{l-1} · W_l + B_l,  A_l = act(Z_l)  (hidden),  ŷ = σ(Z_L)
    dZ_L = 2(ŷ − y)·ŷ(1 − ŷ)  (mse)  or  ŷ − y  (bce)
    dA_{l-1} = W_l · dZ_l  (the weights *before* this point's update)
    g(W_l) = A_{l-1}ᵀ dZ_l,  g(B_l) = dZ_l,  dZ_{l-1} = dA_{l-1} · act'(A_{l-1})

The parameters are one flat buffer ``theta`` addressed through a layout table (rows
fan_in, fan_out, W offset, B offset; see ``core.nn.network.ParamLayout``) and the
optimiser's state two buffers laid out the same way, so ONE compiled signature serves
every depth and every optimiser: changing the number of hidden layers or the optimiser
never compiles again. Two hidden layers (the report's network) run an unrolled epoch
per optimiser, its views made once per epoch and its small loops written inline (every
array handed to a compiled call costs a reference-count round trip); other depths run
the layer loop of ``train_point``. Each weight matrix is walked once per point: the row
is read to accumulate dA and written with its update in the same pass.

The kernel releases the GIL, stays single-threaded and, on x86-64, sets flush-to-zero /
denormals-are-zero for the call (restoring the caller's MXCSR), so saturated sigmoids
late in training do not fall into slow subnormal arithmetic. Importing this module
imports numba; ``kernels.dispatch`` imports it lazily.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from core.train.kernels.compiled_ops import (
    ADAM,
    MOMENTUM,
    MXCSR_FTZ_DAZ,
    SGD,
    activate_layer,
    adam_step,
    dot,
    forward_layer,
    get_mxcsr,
    row_adam,
    row_momentum,
    row_sgd,
    set_mxcsr,
    slope,
)

__all__ = ["evaluate_kernel", "train_chunk_kernel"]

_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}
_FAST = {"fastmath": {"contract"}, **_JIT}
_LINE = np.uint64(64)  # bytes in a cache line (and in a zmm register)
_EPS = 1e-12  # the clip of core.nn.losses.BinaryCrossEntropy


@njit(**_JIT)
def _scratch(table, n_in):
    """(rows (L + 3, width), dz, da) zeroed, each row on a 64-byte boundary: rows 0..L
    hold A_0 … A_L, the two after them are spare; width ≥ every layer, a multiple of 8."""
    width = n_in
    for li in range(table.shape[0]):
        width = max(width, table[li, 1])
    width = (width + 7) // 8 * 8
    rows = table.shape[0] + 5
    buf = np.zeros(rows * width + 8)
    off = ((_LINE - buf.ctypes.data % _LINE) % _LINE) // np.uint64(8)
    block = buf[off : off + rows * width].reshape((rows, width))
    return block[: rows - 2], block[rows - 2], block[rows - 1]


@njit(**_JIT)
def _view(buf, table, li):
    """(W_l (fan_in, fan_out), B_l) as views of ``buf`` (theta, or a state buffer)."""
    n_in, n_out, wo, bo = table[li, 0], table[li, 1], table[li, 2], table[li, 3]
    return buf[wo : wo + n_in * n_out].reshape((n_in, n_out)), buf[bo : bo + n_out]


@njit(**_JIT)
def _adam_constants(hyper, t):
    """(β1, β2, ε, η / (1 − β1ᵗ), 1 / √(1 − β2ᵗ)) for step t."""
    b1, b2 = hyper[2], hyper[3]
    return b1, b2, hyper[4], hyper[0] / (1.0 - b1**t), 1.0 / math.sqrt(1.0 - b2**t)


@njit(**_JIT)
def _output_grad(yhat, target, loss_code):
    """dZ_L: 2(ŷ − y)·ŷ(1 − ŷ) for mse, ŷ − y for bce."""
    if loss_code == 0:
        return 2.0 * (yhat - target) * (yhat * (1.0 - yhat))
    return yhat - target


# ---------------------------------------------------------------- any depth
@njit(**_JIT)
def forward_point(theta, table, acts, act_code):
    """Forward acts[0] (the point, already written) through every layer; returns ŷ."""
    last = table.shape[0] - 1
    for li in range(last + 1):
        W, B = _view(theta, table, li)
        n_in, n_out = W.shape
        z = acts[li + 1]
        if n_out == 1:  # a one-column layer (the output): one dot product
            z[0] = dot(acts[li], W.reshape(n_in), n_in) + B[0]
        else:
            forward_layer(W, B, acts[li], z, n_in, n_out)
        activate_layer(z, n_out, 0 if li == last else act_code)
    return acts[last + 1, 0]


@njit(**_FAST)
def _bias_step(B, S1, S2, dz, n, opt, hyper, c):
    """B[:n] takes the optimiser's step for the gradient dz[:n]."""
    for j in range(n):
        g = dz[j]
        if opt == SGD:
            B[j] -= hyper[0] * g
        elif opt == MOMENTUM:
            b = hyper[1] * S1[j] + g
            S1[j] = b
            B[j] -= hyper[0] * b
        else:
            m, v, step = adam_step(S1[j], S2[j], g, c)
            S1[j], S2[j] = m, v
            B[j] -= step


@njit(**_JIT)
def _row_step(W, S1, S2, a_in, dz, da, n_in, n_out, opt, hyper, c):
    if opt == SGD:
        row_sgd(W, a_in, dz, da, hyper[0], n_in, n_out)
    elif opt == MOMENTUM:
        row_momentum(W, S1, a_in, dz, da, hyper[0], hyper[1], n_in, n_out)
    else:
        row_adam(W, S1, S2, a_in, dz, da, c, n_in, n_out)


@njit(**_JIT)
def train_point(theta, table, X, y, k, s1, s2, opt, hyper, c, act_code, loss_code,
                acts, dz, da):
    """One optimiser step on point ``k``, any depth: forward, dZ_L from the loss, then a
    fused backward + update pass per layer from the output layer down. ``c``: Adam's
    constants of this step (``_adam_constants``)."""
    for i in range(X.shape[1]):
        acts[0, i] = X[k, i]
    dz[0] = _output_grad(forward_point(theta, table, acts, act_code), y[k], loss_code)
    for li in range(table.shape[0] - 1, -1, -1):
        W, B = _view(theta, table, li)
        S1, c1 = _view(s1, table, li) if opt != SGD else (W, B)
        S2, c2 = _view(s2, table, li) if opt == ADAM else (W, B)
        n_in, n_out = W.shape
        _bias_step(B, c1, c2, dz, n_out, opt, hyper, c)
        _row_step(W, S1, S2, acts[li], dz, da, n_in, n_out, opt, hyper, c)
        if li > 0:
            a_in = acts[li]
            for i in range(n_in):
                dz[i] = da[i] * slope(a_in[i], act_code)


# ---------------------------------------------------------------- two hidden layers
@njit(**_FAST)
def _epoch3_sgd(theta, table, X, y, order, t, hyper, act, loss, acts, dz1, da1):
    """SGD over ``order``, two hidden layers (see the module docstring)."""
    W1, B1 = _view(theta, table, 0)
    W2, B2 = _view(theta, table, 1)
    W3, B3 = _view(theta, table, 2)
    n0, h1 = W1.shape
    h2 = W2.shape[1]
    w3, lr = W3.reshape(h2), hyper[0]
    a0, a1, a2, z3, dz2, spare = acts[0], acts[1], acts[2], acts[3], acts[4], acts[5]
    for p in range(order.shape[0]):
        k = order[p]
        t[0] += 1
        for i in range(n0):
            a0[i] = X[k, i]
        forward_layer(W1, B1, a0, a1, n0, h1)
        activate_layer(a1, h1, act)
        forward_layer(W2, B2, a1, a2, h1, h2)
        activate_layer(a2, h2, act)
        z3[0] = dot(a2, w3, h2) + B3[0]
        activate_layer(z3, 1, 0)
        d3 = _output_grad(z3[0], y[k], loss)
        B3[0] -= lr * d3
        for j in range(h2):  # the output column, dZ2 and B2 in one pass
            a, w = a2[j], w3[j]
            d = (w * d3) * slope(a, act)
            w3[j] = w - (lr * a) * d3
            dz2[j] = d
            B2[j] -= lr * d
        row_sgd(W2, a1, dz2, da1, lr, h1, h2)
        for i in range(h1):
            d = da1[i] * slope(a1[i], act)
            dz1[i] = d
            B1[i] -= lr * d
        row_sgd(W1, a0, dz1, spare, lr, n0, h1)


@njit(**_FAST)
def _epoch3_momentum(theta, table, X, y, order, s1, t, hyper, act, loss, acts, dz1, da1):
    """Momentum over ``order``, two hidden layers."""
    W1, B1 = _view(theta, table, 0)
    W2, B2 = _view(theta, table, 1)
    W3, B3 = _view(theta, table, 2)
    S1, c1 = _view(s1, table, 0)
    S2, c2 = _view(s1, table, 1)
    S3, c3 = _view(s1, table, 2)
    n0, h1 = W1.shape
    h2 = W2.shape[1]
    w3, s3, lr, mu = W3.reshape(h2), S3.reshape(h2), hyper[0], hyper[1]
    a0, a1, a2, z3, dz2, spare = acts[0], acts[1], acts[2], acts[3], acts[4], acts[5]
    for p in range(order.shape[0]):
        k = order[p]
        t[0] += 1
        for i in range(n0):
            a0[i] = X[k, i]
        forward_layer(W1, B1, a0, a1, n0, h1)
        activate_layer(a1, h1, act)
        forward_layer(W2, B2, a1, a2, h1, h2)
        activate_layer(a2, h2, act)
        z3[0] = dot(a2, w3, h2) + B3[0]
        activate_layer(z3, 1, 0)
        d3 = _output_grad(z3[0], y[k], loss)
        b = mu * c3[0] + d3
        c3[0] = b
        B3[0] -= lr * b
        for j in range(h2):
            a, w = a2[j], w3[j]
            d = (w * d3) * slope(a, act)
            b = mu * s3[j] + a * d3
            s3[j] = b
            w3[j] = w - lr * b
            dz2[j] = d
            b = mu * c2[j] + d
            c2[j] = b
            B2[j] -= lr * b
        row_momentum(W2, S2, a1, dz2, da1, lr, mu, h1, h2)
        for i in range(h1):
            d = da1[i] * slope(a1[i], act)
            dz1[i] = d
            b = mu * c1[i] + d
            c1[i] = b
            B1[i] -= lr * b
        row_momentum(W1, S1, a0, dz1, spare, lr, mu, n0, h1)


@njit(**_FAST)
def _epoch3_adam(theta, table, X, y, order, s1, s2, t, hyper, act, loss, acts, dz1, da1):
    """Adam over ``order``, two hidden layers."""
    W1, B1 = _view(theta, table, 0)
    W2, B2 = _view(theta, table, 1)
    W3, B3 = _view(theta, table, 2)
    M1, m1 = _view(s1, table, 0)
    M2, m2 = _view(s1, table, 1)
    M3, m3 = _view(s1, table, 2)
    V1, v1 = _view(s2, table, 0)
    V2, v2 = _view(s2, table, 1)
    V3, v3 = _view(s2, table, 2)
    n0, h1 = W1.shape
    h2 = W2.shape[1]
    w3, mw3, vw3 = W3.reshape(h2), M3.reshape(h2), V3.reshape(h2)
    a0, a1, a2, z3, dz2, spare = acts[0], acts[1], acts[2], acts[3], acts[4], acts[5]
    for p in range(order.shape[0]):
        k = order[p]
        t[0] += 1
        c = _adam_constants(hyper, t[0])
        for i in range(n0):
            a0[i] = X[k, i]
        forward_layer(W1, B1, a0, a1, n0, h1)
        activate_layer(a1, h1, act)
        forward_layer(W2, B2, a1, a2, h1, h2)
        activate_layer(a2, h2, act)
        z3[0] = dot(a2, w3, h2) + B3[0]
        activate_layer(z3, 1, 0)
        d3 = _output_grad(z3[0], y[k], loss)
        m3[0], v3[0], step = adam_step(m3[0], v3[0], d3, c)
        B3[0] -= step
        for j in range(h2):
            a, w = a2[j], w3[j]
            d = (w * d3) * slope(a, act)
            mw3[j], vw3[j], step = adam_step(mw3[j], vw3[j], a * d3, c)
            w3[j] = w - step
            dz2[j] = d
            m2[j], v2[j], step = adam_step(m2[j], v2[j], d, c)
            B2[j] -= step
        row_adam(W2, M2, V2, a1, dz2, da1, c, h1, h2)
        for i in range(h1):
            d = da1[i] * slope(a1[i], act)
            dz1[i] = d
            m1[i], v1[i], step = adam_step(m1[i], v1[i], d, c)
            B1[i] -= step
        row_adam(W1, M1, V1, a0, dz1, spare, c, n0, h1)


# ---------------------------------------------------------------- entry points
@njit(**_JIT)
def evaluate_all(theta, table, X, y, act_code, loss_code, acts, yhat_out, metrics_out):
    """Forward every point; yhat_out (n,) = ŷ, metrics_out (3,) = (summed loss,
    (1 − mean|ŷ − y|)·100, share of (ŷ ≥ 0.5) == (y ≥ 0.5) · 100), as ``core.nn.metrics``."""
    n = X.shape[0]
    loss, abs_sum, hits = 0.0, 0.0, 0
    for k in range(n):
        for i in range(X.shape[1]):
            acts[0, i] = X[k, i]
        yh = forward_point(theta, table, acts, act_code)
        yhat_out[k] = yh
        t = y[k]
        if loss_code == 0:
            loss += (t - yh) * (t - yh)
        else:
            p = min(max(yh, _EPS), 1.0 - _EPS)
            loss -= t * math.log(p) + (1.0 - t) * math.log(1.0 - p)
        abs_sum += abs(yh - t)
        if (yh >= 0.5) == (t >= 0.5):
            hits += 1
    metrics_out[0] = loss
    metrics_out[1] = (1.0 - abs_sum / n) * 100.0
    metrics_out[2] = hits / n * 100.0


@njit(**_JIT)
def _all_finite(theta):
    acc = 0.0
    for i in range(theta.shape[0]):
        acc += theta[i] - theta[i]  # 0 exactly for finite values, NaN otherwise
    return acc == 0.0


@njit(**_JIT)
def _epoch(theta, table, X, y, order, s1, s2, t, opt, hyper, act, loss, acts, dz, da):
    """One epoch over ``order`` with the optimiser ``opt``."""
    if table.shape[0] == 3:
        if opt == SGD:
            _epoch3_sgd(theta, table, X, y, order, t, hyper, act, loss, acts, dz, da)
        elif opt == MOMENTUM:
            _epoch3_momentum(theta, table, X, y, order, s1, t, hyper, act, loss, acts, dz, da)
        else:
            _epoch3_adam(theta, table, X, y, order, s1, s2, t, hyper, act, loss, acts, dz, da)
        return
    for p in range(order.shape[0]):
        t[0] += 1
        c = _adam_constants(hyper, t[0]) if opt == ADAM else (0.0, 0.0, 0.0, 0.0, 0.0)
        train_point(theta, table, X, y, order[p], s1, s2, opt, hyper, c, act, loss,
                    acts, dz, da)


@njit(**_JIT)
def train_chunk_kernel(theta, table, X, y, orders, s1, s2, t, opt, hyper, act_code,
                       loss_code, flush, evals, metrics, yhats):
    """``orders.shape[0]`` epochs (epoch c over the points ``orders[c]``), evaluating
    after epoch c where ``evals[c]``.

    theta (P,) float64; table (L, 4) int64; X (n, d); y (n,); orders (k, m) int64;
    s1 / s2 the optimiser's state (P,) (or empty where unused); t (1,) int64 the
    optimiser's step count (updated); opt 0 sgd / 1 momentum / 2 adam; hyper (lr, μ, β1,
    β2, ε); metrics (n_eval, 3) / yhats (n_eval, n) receive each evaluated epoch's
    (summed loss, soft %, threshold %) and ŷ. Stops after an evaluated epoch whose loss
    or weights are not finite. Returns (epochs done, diverged); epochs done is −1, with
    nothing changed, when an index of ``orders`` is outside [0, n).
    """
    n = X.shape[0]
    for c in range(orders.shape[0]):
        for p in range(orders.shape[1]):
            if orders[c, p] < 0 or orders[c, p] >= n:
                return -1, False
    acts, dz, da = _scratch(table, X.shape[1])
    old_csr = get_mxcsr()
    if flush:
        set_mxcsr(old_csr | np.uint32(MXCSR_FTZ_DAZ))
    row, done, diverged = 0, 0, False
    for c in range(orders.shape[0]):
        _epoch(theta, table, X, y, orders[c], s1, s2, t, opt, hyper, act_code, loss_code,
               acts, dz, da)
        done += 1
        if evals[c]:
            m = metrics[row]
            evaluate_all(theta, table, X, y, act_code, loss_code, acts, yhats[row], m)
            row += 1
            if not (np.isfinite(m[0]) and _all_finite(theta)):
                diverged = True
                break
    set_mxcsr(old_csr)
    return done, diverged


@njit(**_JIT)
def evaluate_kernel(theta, table, X, y, act_code, loss_code, yhat_out, metrics_out):
    """``evaluate_all`` with its own scratch: metrics and ŷ of the whole set."""
    acts = _scratch(table, X.shape[1])[0]
    evaluate_all(theta, table, X, y, act_code, loss_code, acts, yhat_out, metrics_out)
