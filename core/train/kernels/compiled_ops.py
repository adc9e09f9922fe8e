"""Building blocks of the compiled SGD kernels (``core.train.kernels.compiled``): the MXCSR
intrinsics, a branch-free vectorisable exp, activations, and the per-layer loops.

Vectors are float64 1-D, W (fan_in, fan_out) C-contiguous; ``acts`` (n_layers + 1,
width) holds A_0 (the point) … A_L (ŷ in acts[L, 0]). See ``core.train.kernels.compiled`` for the
maths and the fast-math rules. Importing this module imports numba.
"""

from __future__ import annotations

import math
import platform

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

MXCSR_FTZ_DAZ = 0x8040  # FTZ (bit 15) | DAZ (bit 6)
FLUSH_SUPPORTED = platform.machine().lower() in ("x86_64", "amd64")

_I32 = ir.IntType(32)
# The only fast-math licences: FMA contraction, and reassociating the dot-product sums
# in _backward_layer / _dot.
_REASSOC = {"reassoc", "contract"}
_CONTRACT = {"contract"}


@intrinsic
def _get_mxcsr(typingctx):
    """The calling thread's MXCSR (0 where there is none)."""

    def codegen(context, builder, signature, args):
        if not FLUSH_SUPPORTED:
            return ir.Constant(_I32, 0)
        slot = cgutils.alloca_once(builder, _I32)
        fnty = ir.FunctionType(ir.VoidType(), [slot.type])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.x86.sse.stmxcsr")
        builder.call(fn, [slot])
        return builder.load(slot)

    return types.uint32(), codegen


@intrinsic
def _set_mxcsr(typingctx, value):
    """Load ``value`` into the calling thread's MXCSR (no-op off x86-64)."""

    def codegen(context, builder, signature, args):
        if FLUSH_SUPPORTED:
            slot = cgutils.alloca_once(builder, _I32)
            builder.store(args[0], slot)
            fnty = ir.FunctionType(ir.VoidType(), [slot.type])
            fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.x86.sse.ldmxcsr")
            builder.call(fn, [slot])
        return context.get_dummy_value()

    return types.void(types.uint32), codegen


@intrinsic
def _f64_from_bits(typingctx, bits):
    """The float64 whose IEEE-754 bit pattern is the int64 ``bits`` (a plain bitcast)."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


# exp(t) = 2^k · e^r with t = k·ln2 + r, |r| ≤ ln2/2 (Cody–Waite: ln2 split in a high
# part with trailing zero bits, so k·LN2_HI is exact, and the low remainder).
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_EXP_MIN = -708.0  # e^t is a normal float64 down to here; below, e^t is taken as 0


@njit(cache=True, nogil=True, fastmath=_CONTRACT, error_model="numpy", inline="always")
def _exp_nonpos(t):
    """e^t for t ≤ 0 without a call or a branch, so that loops over it vectorise.

    Taylor polynomial of degree 13 for e^r on |r| ≤ ln2/2 (truncation < 1e-17, below
    half an ulp; Horner steps contracted to FMAs — Estrin's scheme, shorter chains
    but more operations, measured slower), then scaled by 2^k built from its float64
    bits. Matches np.exp to about an ulp; below −708 it gives 0 (np.exp: a subnormal,
    which flush-to-zero would turn into 0 anyway). Not for t > 0.
    """
    tc = t if t > _EXP_MIN else _EXP_MIN  # also maps NaN to a finite value
    k = math.floor(tc * _LOG2E + 0.5)
    kf = float(k)
    r = (tc - kf * _LN2_HI) - kf * _LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    e = p * _f64_from_bits((k + 1023) << 52)
    return e if t >= _EXP_MIN else 0.0


@njit(cache=True, nogil=True, fastmath=_CONTRACT, error_model="numpy", inline="always")
def _sigmoid_vec(z):
    """σ(z) from e = e^−|z| (never overflows), branch-free: 1/(1+e) for z ≥ 0,
    e/(1+e) for z < 0, and NaN stays NaN."""
    e = _exp_nonpos(-abs(z))
    s = 1.0 / (1.0 + e)
    return s if z >= 0.0 else (e * s if z < 0.0 else z)


@njit(cache=True, nogil=True, fastmath=_CONTRACT, error_model="numpy")
def _sigmoid_layer(z, n):
    """z[:n] = σ(z[:n]) in place (one vectorised loop). Contraction makes each Horner
    step of ``_exp_nonpos`` one FMA (half the instructions and latency of mul + add)."""
    for j in range(n):
        z[j] = _sigmoid_vec(z[j])


@njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
def _sigmoid(z):
    """σ(z) without overflow: e^−z is only taken for z ≥ 0, e^z only for z < 0."""
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
def _activate(z, code):
    """Hidden activation by code: 0 sigmoid, 1 tanh, 2 relu, 3 leaky-relu, 4 identity."""
    if code == 0:
        return _sigmoid(z)
    if code == 1:
        return math.tanh(z)
    if code == 2:
        return z if z > 0.0 else 0.0
    if code == 3:
        return z if z > 0.0 else 0.01 * z
    return z


@njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
def _derivative(a, code):
    """∂A/∂Z written through A (relu / leaky-relu: A > 0 exactly when Z > 0)."""
    if code == 0:
        return a * (1.0 - a)
    if code == 1:
        return 1.0 - a * a
    if code == 2:
        return 1.0 if a > 0.0 else 0.0
    if code == 3:
        return 1.0 if a > 0.0 else 0.01
    return 1.0


@njit(cache=True, nogil=True, fastmath=_REASSOC, error_model="numpy")
def _dot(a, w, n):
    """Σ_i a[i] · w[i] over two 1-D vectors (reassociated: vectorised)."""
    s = 0.0
    for i in range(n):
        s += a[i] * w[i]
    return s


@njit(cache=True, nogil=True, fastmath=_REASSOC, error_model="numpy")
def _dot_column(W, a_in, n_in):
    """Σ_i a_in[i] · W[i, 0] for a one-column W (the output layer's forward step)."""
    s = 0.0
    for i in range(n_in):
        s += a_in[i] * W[i, 0]
    return s


@njit(cache=True, nogil=True, fastmath=_CONTRACT, error_model="numpy")
def _forward_layer(W, B, a_in, z_out, n_in, n_out):
    """z_out[:n_out] = B + a_in[:n_in] · W, walking W row by row (its memory order).

    Four rows per pass over z_out, added as (a0·W0 + a1·W1) + (a2·W2 + a3·W3): a fixed
    order of the additions (deterministic), with a quarter of the loads and stores of z.
    """
    if n_out == 1:
        z_out[0] = _dot_column(W, a_in, n_in) + B[0]
        return
    for j in range(n_out):
        z_out[j] = B[j]
    i = 0
    while i + 4 <= n_in:
        a0 = a_in[i]
        a1 = a_in[i + 1]
        a2 = a_in[i + 2]
        a3 = a_in[i + 3]
        for j in range(n_out):
            z_out[j] += (a0 * W[i, j] + a1 * W[i + 1, j]) + (a2 * W[i + 2, j] + a3 * W[i + 3, j])
        i += 4
    while i < n_in:
        a = a_in[i]
        for j in range(n_out):
            z_out[j] += a * W[i, j]
        i += 1


@njit(cache=True, nogil=True, fastmath=_REASSOC, error_model="numpy")
def _backward_layer(W, a_in, dz, lr, da, n_in, n_out):
    """One pass over W: da[i] = W[i, :] · dz (old W) while W[i, :] -= (lr·a_in[i]) · dz.

    Scaling the row's factor rather than dz (lr · dz) saves a vector load per weight.
    Reassociation is allowed here, and only here, so that the dot
    product vectorises (with contraction to FMA; no other fast-math licence: NaN and
    infinities keep their IEEE meaning).
    """
    for i in range(n_in):
        c = lr * a_in[i]
        s = 0.0
        for j in range(n_out):
            w = W[i, j]
            s += w * dz[j]
            W[i, j] = w - c * dz[j]
        da[i] = s


@njit(cache=True, nogil=True, fastmath=_CONTRACT, error_model="numpy")
def _update_layer(W, a_in, dz, lr, n_in, n_out):
    """W[i, :] -= (lr·a_in[i]) · dz (the first layer: no dA to carry back)."""
    for i in range(n_in):
        c = lr * a_in[i]
        for j in range(n_out):
            W[i, j] -= c * dz[j]


@njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
def forward_point(Ws, Bs, acts, act_code):
    """Forward acts[0] (the point, already written) through every layer; returns ŷ.

    acts[l + 1, :fan_out_l] = act(A_l · W_l + B_l) (σ on the output layer).
    """
    n_layers = len(Ws)
    last = n_layers - 1
    for li in range(n_layers):
        W = Ws[li]
        n_in, n_out = W.shape
        z = acts[li + 1]
        _forward_layer(W, Bs[li], acts[li], z, n_in, n_out)
        if li == last:
            for j in range(n_out):
                z[j] = _sigmoid(z[j])
        elif act_code == 0:
            _sigmoid_layer(z, n_out)
        else:
            for j in range(n_out):
                z[j] = _activate(z[j], act_code)
    return acts[n_layers, 0]


@njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
def train_point(Ws, Bs, X, y, k, lr, act_code, loss_code, acts, dz, g, da):
    """One SGD step on point ``k``: forward, dZ_L from the loss, one fused pass per layer.

    X (n, fan_in0), y (n,); acts (n_layers + 1, width), dz / g / da (width,) scratch.
    """
    n_layers = len(Ws)
    last = n_layers - 1
    for i in range(X.shape[1]):
        acts[0, i] = X[k, i]
    yhat = forward_point(Ws, Bs, acts, act_code)
    if loss_code == 0:
        dz[0] = 2.0 * (yhat - y[k]) * (yhat * (1.0 - yhat))
    else:
        dz[0] = yhat - y[k]
    for li in range(last, -1, -1):
        W = Ws[li]
        B = Bs[li]
        n_in, n_out = W.shape
        for j in range(n_out):
            g[j] = lr * dz[j]
            B[j] -= g[j]
        if li > 0:
            a_in = acts[li]
            _backward_layer(W, a_in, dz, lr, da, n_in, n_out)
            if act_code == 0:
                for i in range(n_in):
                    dz[i] = da[i] * (a_in[i] * (1.0 - a_in[i]))
            else:
                for i in range(n_in):
                    dz[i] = da[i] * _derivative(a_in[i], act_code)
        else:
            _update_layer(W, acts[0], dz, lr, n_in, n_out)


_EPS = 1e-12  # the clip of core.nn.losses.BinaryCrossEntropy


@njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
def evaluate_all(Ws, Bs, X, y, act_code, loss_code, acts, yhat_out, metrics_out):
    """Forward every point; yhat_out (n,) = ŷ, metrics_out (3,) = (summed loss,
    (1 − mean|ŷ − y|)·100, share of (ŷ ≥ 0.5) == (y ≥ 0.5) · 100), as ``core.nn.metrics``."""
    n = X.shape[0]
    loss = 0.0
    abs_sum = 0.0
    hits = 0
    for k in range(n):
        for i in range(X.shape[1]):
            acts[0, i] = X[k, i]
        yh = forward_point(Ws, Bs, acts, act_code)
        yhat_out[k] = yh
        t = y[k]
        if loss_code == 0:
            d = t - yh
            loss += d * d
        else:
            p = yh
            if p < _EPS:
                p = _EPS
            if p > 1.0 - _EPS:
                p = 1.0 - _EPS
            loss -= t * math.log(p) + (1.0 - t) * math.log(1.0 - p)
        abs_sum += abs(yh - t)
        if (yh >= 0.5) == (t >= 0.5):
            hits += 1
    metrics_out[0] = loss
    metrics_out[1] = (1.0 - abs_sum / n) * 100.0
    metrics_out[2] = hits / n * 100.0


@njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
def all_finite(Ws, Bs):
    """True when no weight or bias is NaN or ±inf (w − w is 0 exactly for finite w)."""
    acc = 0.0
    for li in range(len(Ws)):
        W = Ws[li]
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                acc += W[i, j] - W[i, j]
        B = Bs[li]
        for j in range(B.shape[0]):
            acc += B[j] - B[j]
    return acc == 0.0
