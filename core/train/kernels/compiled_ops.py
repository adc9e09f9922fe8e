"""Building blocks of the compiled per-point kernel (``kernels.compiled``): the MXCSR
intrinsics, a branch-free vectorisable exp and sigmoid, the hidden activations, and the
per-layer loops (forward; backward fused with each optimiser's update).

Vectors are float64 1-D; W (fan_in, fan_out) C-contiguous. Every loop that a code
chooses (activation, optimiser) tests the code once, outside the loop, so the loop body
vectorises. The only fast-math licences are "contract" (a·b + c may become one FMA) and,
in the dot products, "reassoc" (the sum is vectorised); NaN and infinities keep their
IEEE meaning, and the same inputs on the same machine give the same bits.
Importing this module imports numba.
"""

from __future__ import annotations

import math
import platform

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = [
    "FLUSH_SUPPORTED",
    "MXCSR_FTZ_DAZ",
    "activate_layer",
    "adam_step",
    "dot",
    "exp_nonpos",
    "forward_layer",
    "get_mxcsr",
    "row_adam",
    "row_momentum",
    "row_sgd",
    "set_mxcsr",
    "sigmoid",
    "slope",
]

MXCSR_FTZ_DAZ = 0x8040  # FTZ (bit 15) | DAZ (bit 6)
FLUSH_SUPPORTED = platform.machine().lower() in ("x86_64", "amd64")
SGD, MOMENTUM, ADAM = 0, 1, 2  # optimiser codes (core.nn.optimizers.*.code)

_I32 = ir.IntType(32)
_REASSOC = {"reassoc", "contract"}
_CONTRACT = {"contract"}
_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}


@intrinsic
def get_mxcsr(typingctx):
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
def set_mxcsr(typingctx, value):
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


@njit(fastmath=_CONTRACT, inline="always", **_JIT)
def exp_nonpos(t):
    """e^t for t ≤ 0 without a call or a branch, so that loops over it vectorise.

    Taylor polynomial of degree 13 for e^r on |r| ≤ ln2/2 (truncation < 1e-17; Horner
    steps contracted to FMAs), scaled by 2^k built from its float64 bits. Within about
    an ulp of np.exp; below −708 it gives 0. Not for t > 0.
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


@njit(fastmath=_CONTRACT, inline="always", **_JIT)
def sigmoid(z):
    """σ(z) from e = e^−|z| (never overflows), branch-free: 1/(1+e) for z ≥ 0,
    e/(1+e) for z < 0, and NaN stays NaN."""
    e = exp_nonpos(-abs(z))
    s = 1.0 / (1.0 + e)
    return s if z >= 0.0 else (e * s if z < 0.0 else z)


@njit(fastmath=_CONTRACT, **_JIT)
def activate_layer(z, n, code):
    """z[:n] = act(z[:n]) in place: 0 sigmoid, 1 tanh, 2 relu, 3 leaky-relu, 4 identity."""
    if code == 0:
        for j in range(n):
            z[j] = sigmoid(z[j])
    elif code == 1:
        for j in range(n):
            z[j] = math.tanh(z[j])
    elif code == 2:
        for j in range(n):
            z[j] = z[j] if z[j] > 0.0 else 0.0
    elif code == 3:
        for j in range(n):
            z[j] = z[j] if z[j] > 0.0 else 0.01 * z[j]


@njit(fastmath=_REASSOC, **_JIT)
def dot(a, w, n):
    """Σ_i a[i] · w[i] over two 1-D vectors (reassociated: vectorised)."""
    s = 0.0
    for i in range(n):
        s += a[i] * w[i]
    return s


@njit(fastmath=_CONTRACT, **_JIT)
def forward_layer(W, B, a_in, z_out, n_in, n_out):
    """z_out[:n_out] = B + a_in[:n_in] · W, walking W row by row (its memory order).

    Four rows per pass over z_out, added as (a0·W0 + a1·W1) + (a2·W2 + a3·W3): a fixed
    order of the additions (deterministic), with a quarter of the loads and stores of z.
    """
    for j in range(n_out):
        z_out[j] = B[j]
    i = 0
    while i + 4 <= n_in:
        a0, a1, a2, a3 = a_in[i], a_in[i + 1], a_in[i + 2], a_in[i + 3]
        for j in range(n_out):
            z_out[j] += (a0 * W[i, j] + a1 * W[i + 1, j]) + (a2 * W[i + 2, j] + a3 * W[i + 3, j])
        i += 4
    while i < n_in:
        a = a_in[i]
        for j in range(n_out):
            z_out[j] += a * W[i, j]
        i += 1


@njit(fastmath=_CONTRACT, inline="always", **_JIT)
def slope(a, code):
    """act'(z) written through a = act(z) (relu, leaky-relu: a > 0 exactly when z > 0)."""
    if code == 0:
        return a * (1.0 - a)
    if code == 1:
        return 1.0 - a * a
    if code == 2:
        return 1.0 if a > 0.0 else 0.0
    if code == 3:
        return 1.0 if a > 0.0 else 0.01
    return 1.0


# The three update passes over a weight matrix. Each makes one pass over W: da[i] = W[i, :]
# · dz with the weights *before* this point's update, while W[i, :] takes the step for
# the gradient g[i, j] = a_in[i]·dz[j]. Reassociation is licensed here so that the dot
# product vectorises. They take as few arrays as they can: every array passed to a
# compiled call costs a reference-count increment and decrement.
@njit(fastmath=_REASSOC, **_JIT)
def row_sgd(W, a_in, dz, da, lr, n_in, n_out):
    """SGD: W[i, j] ← W[i, j] − (η·a_in[i])·dz[j] (scaling the row factor saves a vector
    load per weight)."""
    for i in range(n_in):
        c = lr * a_in[i]
        s = 0.0
        for j in range(n_out):
            w = W[i, j]
            s += w * dz[j]
            W[i, j] = w - c * dz[j]
        da[i] = s


@njit(fastmath=_REASSOC, **_JIT)
def row_momentum(W, S, a_in, dz, da, lr, mu, n_in, n_out):
    """Momentum: b ← μ·b + g; W ← W − η·b (S holds b, shaped like W)."""
    for i in range(n_in):
        ai = a_in[i]
        s = 0.0
        for j in range(n_out):
            w = W[i, j]
            s += w * dz[j]
            b = mu * S[i, j] + ai * dz[j]
            S[i, j] = b
            W[i, j] = w - lr * b
        da[i] = s


@njit(fastmath=_REASSOC, **_JIT)
def row_adam(W, M, V, a_in, dz, da, c, n_in, n_out):
    """Adam: m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²; W ← W − step·m / (√v·k + ε)
    with c = (β1, β2, ε, step = η/(1 − β1ᵗ), k = 1/√(1 − β2ᵗ))."""
    b1, b2, eps, step, k = c
    for i in range(n_in):
        ai = a_in[i]
        s = 0.0
        for j in range(n_out):
            w = W[i, j]
            s += w * dz[j]
            g = ai * dz[j]
            m = b1 * M[i, j] + (1.0 - b1) * g
            v = b2 * V[i, j] + (1.0 - b2) * (g * g)
            M[i, j] = m
            V[i, j] = v
            W[i, j] = w - step * (m / (math.sqrt(v) * k + eps))
        da[i] = s


@njit(fastmath=_CONTRACT, inline="always", **_JIT)
def adam_step(m, v, g, c):
    """One Adam update of a single parameter: (new m, new v, the step to subtract)."""
    b1, b2, eps, step, k = c
    m = b1 * m + (1.0 - b1) * g
    v = b2 * v + (1.0 - b2) * (g * g)
    return m, v, step * (m / (math.sqrt(v) * k + eps))
