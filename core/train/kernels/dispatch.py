"""Which engine runs a per-point SGD epoch: the compiled numba kernel or plain NumPy.

    sgd_epoch(Ws, Bs, X, y, order, lr, act_code, loss_code, backend="auto")  in place
    sgd_chunk(Ws, Bs, X, y, orders, lr, act_code, loss_code, evals, backend="auto")
        -> (epochs done, diverged, metrics (n_eval, 3), yhats (n_eval, n))
    resolve_backend(requested, activation, loss, optimizer, batch_size) -> (used, note)
    ensure_compiled(notify, n_layers=3)  compile or load the kernel ahead of training

Both engines compute exactly what ``Network.forward`` / ``Network.backward`` on one point
followed by an SGD step computes (see ``kernels.fallback`` and ``kernels.compiled``).
This module is cheap to import: numba is imported only when the kernel is first needed.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence

import numpy as np

from core.train.kernels.fallback import sgd_chunk_numpy, sgd_epoch_numpy

__all__ = [
    "BACKENDS",
    "COMPILE_NOTE",
    "KERNEL_ACTIVATIONS",
    "KERNEL_LOSSES",
    "ensure_compiled",
    "numba_available",
    "resolve_backend",
    "sgd_chunk",
    "sgd_epoch",
]

BACKENDS = ("auto", "numba", "numpy")
KERNEL_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky-relu", "none")
KERNEL_LOSSES = ("mse", "bce")
COMPILE_NOTE = "bp-tui: compiling the training kernel (once; cached on disk)…"


@functools.cache
def _kernel_module():
    """``core.train.kernels.compiled`` (importing numba), or the ImportError that stopped it.

    ``NUMBA_DISABLE_JIT`` set to a true value makes numba's decorators return plain Python
    functions, which the kernel cannot be compiled from: numba counts as unavailable.
    """
    if os.environ.get("NUMBA_DISABLE_JIT", "").strip() not in ("", "0"):
        return ImportError("NUMBA_DISABLE_JIT is set")
    try:
        from core.train.kernels import compiled
    except ImportError as exc:  # numba or llvmlite missing or broken
        return exc
    return compiled


def numba_available() -> bool:
    """True when the compiled kernel can be imported (imports numba the first time)."""
    return not isinstance(_kernel_module(), ImportError)


def _kernel():
    mod = _kernel_module()
    if isinstance(mod, ImportError):
        raise RuntimeError(f"the numba backend is unavailable: {mod}") from mod
    return mod


def resolve_backend(
    requested: str, activation: str, loss: str, optimizer: str, batch_size: int
) -> tuple[str, str | None]:
    """The backend actually used ("numba" or "numpy") and a one-line note if it fell back.

    The kernel covers every activation with optimiser "sgd" and loss mse / bce at batch
    size 1; anything else, or numba missing, runs on NumPy. The note (for stderr) is None
    when the request is met as asked, or when "numpy" was asked for.
    """
    if requested not in BACKENDS:
        raise ValueError(f"unknown backend {requested!r}; choose one of {', '.join(BACKENDS)}")
    if requested == "numpy":
        return "numpy", None
    reasons = []
    if optimizer != "sgd":
        reasons.append(f"optimizer {optimizer!r} (it runs plain SGD only)")
    if batch_size != 1:
        reasons.append(f"batch size {batch_size} (it trains one point at a time)")
    if activation not in KERNEL_ACTIVATIONS:
        reasons.append(f"activation {activation!r}")
    if loss not in KERNEL_LOSSES:
        reasons.append(f"loss {loss!r}")
    if reasons:
        return "numpy", (
            f"bp-tui: the numba kernel does not cover {' and '.join(reasons)}; "
            "training with the numpy backend"
        )
    if not numba_available():
        return "numpy", (
            f"bp-tui: numba is not available ({_kernel_module()}); "
            "training with the numpy backend (slower)"
        )
    return "numba", None


def _kernel_signature(n_layers: int, chunk: bool = False):
    """The float64 signature a kernel is called with for ``n_layers`` weight layers:
    ``sgd_epoch_kernel``'s, or with ``chunk`` ``sgd_chunk_kernel``'s."""
    from numba import types

    w = types.UniTuple(types.float64[:, ::1], n_layers)
    b = types.UniTuple(types.float64[::1], n_layers)
    order = types.int64[:, ::1] if chunk else types.int64[::1]
    sig = (w, b, types.float64[:, ::1], types.float64[::1], order, types.float64,
           types.int64, types.int64, types.boolean)
    if chunk:
        sig += (types.boolean[::1], types.float64[:, ::1], types.float64[:, ::1])
    return sig


def ensure_compiled(notify: Callable[[str], None], n_layers: int = 3) -> None:
    """Compile, or load from the on-disk cache, the kernels for ``n_layers`` weight layers.

    ``notify(COMPILE_NOTE)`` is called once, before the work starts, only when a real
    compilation happens (not for a cache load, nor when already loaded). It listens for
    numba's own "numba:compile" event, which fires for compilations and never for cache
    loads. Raises RuntimeError when numba is unavailable.
    """
    mod = _kernel()
    from numba.core import event

    class _Announce(event.Listener):
        announced = False

        def on_start(self, ev):
            if not self.announced:
                self.announced = True
                notify(COMPILE_NOTE)

        def on_end(self, ev):
            pass

    with event.install_listener("numba:compile", _Announce()):
        mod.sgd_epoch_kernel.compile(_kernel_signature(n_layers))
        mod.sgd_chunk_kernel.compile(_kernel_signature(n_layers, chunk=True))


_F64 = np.dtype(np.float64)


def _as_f64_c(arrays, name: str) -> tuple[np.ndarray, ...]:
    """``arrays`` as a tuple, each checked float64, C-contiguous and writeable."""
    arrays = tuple(arrays)
    for a in arrays:
        if not (isinstance(a, np.ndarray) and a.dtype == _F64 and (f := a.flags).c_contiguous):
            raise ValueError(f"{name} must be float64 C-contiguous arrays (updated in place)")
        if not f.writeable:
            raise ValueError(f"{name} must be writeable")
    return arrays


def _check_shapes(Ws, Bs, X, y) -> None:
    """The kernel does no bounds checks: refuse any inconsistent shape up front."""
    w_shapes = [W.shape for W in Ws]
    if X.ndim != 2 or X.shape[1] != w_shapes[0][0] or y.shape[0] != X.shape[0]:
        raise ValueError(f"X {X.shape} / y {y.shape} do not fit W1 {w_shapes[0]}")
    fan_in = w_shapes[0][0]
    for i, (shape, B) in enumerate(zip(w_shapes, Bs)):
        if len(shape) != 2 or B.shape != shape[1:]:
            raise ValueError(f"W{i + 1} {shape} and B{i + 1} {B.shape} do not fit")
        if shape[0] != fan_in:
            raise ValueError(f"W{i} {w_shapes[i - 1]} does not feed W{i + 1} {shape}")
        fan_in = shape[1]
    if fan_in != 1:
        raise ValueError(f"the output layer must have one unit, not {fan_in}")


def _prepare(Ws, Bs, X, y, backend):
    """Validated (Ws tuple, Bs tuple, X (n, d), y (n,)) for a kernel call."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if len(Ws) != len(Bs) or not Ws:
        raise ValueError("Ws and Bs must be non-empty lists of equal length")
    Ws = _as_f64_c(Ws, "Ws")
    Bs = _as_f64_c(Bs, "Bs")
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64).reshape(-1)
    _check_shapes(Ws, Bs, X, y)
    return Ws, Bs, X, y


def _check_order(order: np.ndarray, X: np.ndarray) -> None:
    if order.size and (order.min() < 0 or order.max() >= X.shape[0]):
        raise IndexError("order holds an index outside the data")


def _use_numpy(backend: str) -> bool:
    return backend == "numpy" or (backend == "auto" and not numba_available())


def sgd_epoch(
    Ws: Sequence[np.ndarray],
    Bs: Sequence[np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    order: np.ndarray,
    lr: float,
    act_code: int,
    loss_code: int,
    backend: str = "auto",
    flush: bool = True,
) -> None:
    """One per-point SGD epoch over ``X[order]``, updating ``Ws`` / ``Bs`` in place.

    Ws[l] (fan_in, fan_out), Bs[l] (fan_out,): float64 C-contiguous; X (n, 2); y (n,) or
    (n, 1); order (m,) point indices; act_code 0–4 (``Activation.code``), loss_code 0 mse /
    1 bce. ``backend`` "auto" uses numba when importable, else NumPy. ``flush`` (numba,
    x86-64): flush subnormals to zero during the call, to keep late epochs fast.
    """
    Ws, Bs, X, y = _prepare(Ws, Bs, X, y, backend)
    order = np.ascontiguousarray(order, dtype=np.int64).reshape(-1)
    if not order.flags.writeable:  # a read-only array is another numba type: a recompile
        order = order.copy()
    if _use_numpy(backend):
        _check_order(order, X)
        sgd_epoch_numpy(Ws, Bs, X, y, order, lr, int(act_code), int(loss_code))
        return
    # the kernel checks the indices itself (cheaper than two NumPy reductions here)
    if not _kernel().sgd_epoch_kernel(
        Ws, Bs, X, y, order, float(lr), int(act_code), int(loss_code), bool(flush)
    ):
        raise IndexError("order holds an index outside the data")


def sgd_chunk(
    Ws: Sequence[np.ndarray],
    Bs: Sequence[np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    orders: np.ndarray,
    lr: float,
    act_code: int,
    loss_code: int,
    evals: np.ndarray,
    backend: str = "auto",
    flush: bool = True,
) -> tuple[int, bool, np.ndarray, np.ndarray]:
    """k = ``len(orders)`` per-point SGD epochs in one call, in place on ``Ws`` / ``Bs``.

    Epoch c runs over ``X[orders[c]]`` (orders (k, m) point indices) and, where
    ``evals[c]`` (evals (k,) bool), is followed by an evaluation of the whole set: the
    same numbers as k ``sgd_epoch`` calls with ``core.nn.metrics.evaluate`` after the
    evaluated ones (to a few ulps; bit for bit against itself at any chunking). The
    numba backend does it all in one call without the GIL. Returns (epochs done,
    diverged, metrics (n_eval, 3) rows of (summed loss, soft %, threshold %), ŷ rows
    (n_eval, n)); it stops after the first evaluated epoch whose loss or weights are
    not finite (diverged True), so fewer epochs and rows may come back.
    """
    Ws, Bs, X, y = _prepare(Ws, Bs, X, y, backend)
    orders = np.ascontiguousarray(orders, dtype=np.int64)
    if not orders.flags.writeable:  # a read-only array is another numba type: a recompile
        orders = orders.copy()
    if orders.ndim != 2:
        raise ValueError(f"orders must be (k, m), not {orders.shape}")
    evals = np.ascontiguousarray(evals, dtype=np.bool_).reshape(-1)
    if evals.shape[0] != orders.shape[0]:
        raise ValueError(f"evals {evals.shape} does not match orders {orders.shape}")
    _check_order(orders, X)
    n_eval = int(evals.sum())
    metrics = np.empty((n_eval, 3))
    yhats = np.empty((n_eval, X.shape[0]))
    if _use_numpy(backend):
        done, diverged = sgd_chunk_numpy(
            Ws, Bs, X, y, orders, float(lr), int(act_code), int(loss_code), evals, metrics, yhats
        )
    else:
        done, diverged = _kernel().sgd_chunk_kernel(
            Ws, Bs, X, y, orders, float(lr), int(act_code), int(loss_code), bool(flush),
            evals, metrics, yhats,
        )
    rows = int(evals[:done].sum())
    return int(done), bool(diverged), metrics[:rows], yhats[:rows]
