"""Which engine trains a run, and the one way to call either.

    resolve_backend(requested, batch_size) -> (used, note)
    make_engine(used, layout, act, loss, batch_size, X, y) -> CompiledEngine | NumpyEngine
    train_chunk(engine, theta, orders, opt, evals) -> ChunkResult
    ensure_compiled(notify)   compile, or load from the disk cache, the one kernel

Per-point training (batch size 1) runs in the compiled kernel (``kernels.compiled``)
for every activation, loss and optimiser; the NumPy engine (``kernels.numpy_engine``) runs
mini-batches, and per point when numba is missing or disabled. Both compute what the
readable ``Network`` and ``core.nn.optimizers`` compute (tests hold them to 1e-9 over
100 epochs). This module is cheap to import: numba is imported only when needed.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.nn.activations import Activation
from core.nn.losses import Loss
from core.nn.network import ParamLayout
from core.nn.optimizers import Optimizer
from core.train.kernels.numpy_engine import NumpyEngine

__all__ = [
    "BACKENDS",
    "COMPILE_NOTE",
    "ChunkResult",
    "CompiledEngine",
    "ensure_compiled",
    "kernel_cache_dir",
    "kernel_unavailable",
    "make_engine",
    "numba_available",
    "resolve_backend",
    "train_chunk",
]

BACKENDS = ("auto", "numba", "numpy")
COMPILE_NOTE = "bp-tui: compiling the training kernel (first launch only; cached on disk)…"


_KERNEL_SOURCES = ("compiled.py", "compiled_ops.py")


def kernel_cache_dir() -> Path:
    """Where the compiled kernel is cached: ``$XDG_CACHE_HOME/bp-tui/kernel-<digest>``
    (default ~/.cache), the digest of the kernel's sources and numba's version.

    numba checks only the decorated function's own file to decide whether its cache is
    stale, not the files of the functions it calls; keying the folder by every kernel
    source means an edited building block (or another numba) never runs stale machine
    code. It also keeps the cache out of a read-only installation.
    """
    import numba

    digest = hashlib.sha256(numba.__version__.encode())
    here = Path(__file__).resolve().parent
    for name in _KERNEL_SOURCES:
        digest.update((here / name).read_bytes())
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "bp-tui" / f"kernel-{digest.hexdigest()[:16]}"


@functools.cache
def _kernel_module():
    """``kernels.compiled`` (importing numba), or the reason it cannot be used."""
    if os.environ.get("NUMBA_DISABLE_JIT", "0").strip() not in ("", "0"):
        return ImportError("NUMBA_DISABLE_JIT is set")
    try:
        from numba.core import config

        saved = config.CACHE_DIR
        if not os.environ.get("NUMBA_CACHE_DIR"):  # a user's own setting wins
            config.CACHE_DIR = str(kernel_cache_dir())
        try:  # the cache location is fixed as each kernel function is decorated
            from core.train.kernels import compiled
        finally:
            config.CACHE_DIR = saved
    except ImportError as exc:  # numba or llvmlite missing or broken
        return exc
    return compiled


def kernel_unavailable() -> str | None:
    """Why the compiled kernel cannot be used (None when it can; imports numba)."""
    mod = _kernel_module()
    return str(mod) if isinstance(mod, ImportError) else None


def numba_available() -> bool:
    """True when the compiled kernel can be imported (imports numba the first time)."""
    return kernel_unavailable() is None


def resolve_backend(requested: str, batch_size: int) -> tuple[str, str | None]:
    """The engine actually used ("numba" or "numpy") and a one-line note for stderr when
    a request for the compiled kernel cannot be met (None otherwise).

    Batch size 1 runs compiled unless "numpy" is asked for or numba is unavailable;
    mini-batches always run on NumPy (vectorised; a note only if "numba" was asked for).
    """
    if requested not in BACKENDS:
        raise ValueError(f"unknown backend {requested!r}; choose one of {', '.join(BACKENDS)}")
    if requested == "numpy":
        return "numpy", None
    if batch_size != 1:
        note = (f"bp-tui: the compiled kernel trains one point at a time; batch size "
                f"{batch_size} runs vectorised on NumPy") if requested == "numba" else None
        return "numpy", note
    reason = kernel_unavailable()
    if reason is not None:
        return "numpy", (f"bp-tui: the compiled kernel is unavailable ({reason}); "
                         "training with the numpy backend (slower)")
    return "numba", None


def _signatures():
    """The float64 signatures of the kernel's two entry points (the only ones ever
    compiled: every depth and optimiser share them)."""
    from numba import types

    f1, f2 = types.float64[::1], types.float64[:, ::1]
    i64, b = types.int64, types.boolean
    train = (f1, types.int64[:, ::1], f2, f1, types.int64[:, ::1], f1, f1, types.int64[::1],
             i64, f1, i64, i64, b, types.boolean[::1], f2, f2)
    evaluate = (f1, types.int64[:, ::1], f2, f1, i64, i64, f1, f1)
    return train, evaluate


def ensure_compiled(notify: Callable[[str], None]) -> None:
    """Compile, or load from the on-disk cache, the kernel (one compilation for every
    depth and optimiser).

    ``notify(COMPILE_NOTE)`` is called once, before the work starts, only when a real
    compilation happens (not for a cache load, nor when already loaded): it listens for
    numba's "numba:compile" event, which never fires for cache loads. Raises
    RuntimeError when numba is unavailable.
    """
    mod = _kernel_module()
    if isinstance(mod, ImportError):
        raise RuntimeError(f"the compiled kernel is unavailable: {mod}")
    from numba.core import event

    class _Announce(event.Listener):
        announced = False

        def on_start(self, ev):
            if not self.announced:
                self.announced = True
                notify(COMPILE_NOTE)

        def on_end(self, ev):
            pass

    train, evaluate = _signatures()
    with event.install_listener("numba:compile", _Announce()):
        mod.train_chunk_kernel.compile(train)
        mod.evaluate_kernel.compile(evaluate)


class CompiledEngine:
    """Per-point training in the compiled kernel, on X (n, d), y (n, 1)."""

    def __init__(self, layout: ParamLayout, act: Activation, loss: Loss, X: np.ndarray,
                 y: np.ndarray) -> None:
        self.kernel = _kernel_module()
        if isinstance(self.kernel, ImportError):
            raise RuntimeError(f"the compiled kernel is unavailable: {self.kernel}")
        self.table = layout.table()
        self.act_code, self.loss_code = int(act.code), int(loss.code)
        self.X = np.ascontiguousarray(X, dtype=np.float64)
        self.y = np.ascontiguousarray(y, dtype=np.float64).reshape(-1)
        self.flush = True

    def run(self, theta, orders, opt, evals, metrics, yhats) -> tuple[int, bool]:
        """See ``compiled.train_chunk_kernel``; IndexError for an index outside the data."""
        done, diverged = self.kernel.train_chunk_kernel(
            theta, self.table, self.X, self.y, orders, opt.s1, opt.s2, opt.t, int(opt.code),
            opt.hyper(), self.act_code, self.loss_code, bool(self.flush), evals, metrics,
            yhats,
        )
        if done < 0:
            raise IndexError("orders hold an index outside the data")
        return int(done), bool(diverged)

    def evaluate(self, theta) -> tuple[np.ndarray, np.ndarray]:
        """((summed loss, soft %, threshold %), ŷ (n,)) on the training set."""
        metrics, yhat = np.empty(3), np.empty(self.X.shape[0])
        self.kernel.evaluate_kernel(theta, self.table, self.X, self.y, self.act_code,
                                    self.loss_code, yhat, metrics)
        return metrics, yhat


def make_engine(used: str, layout: ParamLayout, act: Activation, loss: Loss,
                batch_size: int, X: np.ndarray, y: np.ndarray):
    """The engine for ``used`` ("numba" or "numpy", from ``resolve_backend``)."""
    if used == "numba":
        if batch_size != 1:
            raise ValueError("the compiled kernel trains one point at a time (batch size 1)")
        return CompiledEngine(layout, act, loss, X, y)
    return NumpyEngine(layout, act, loss, batch_size, X, y)


@dataclass(frozen=True)
class ChunkResult:
    """What ``train_chunk`` did: epochs done, divergence, and the evaluated epochs'
    metrics rows (n_eval, 3) of (summed loss, soft %, threshold %) and ŷ rows (n_eval, n)."""

    done: int
    diverged: bool
    metrics: np.ndarray
    yhats: np.ndarray


def _check_theta(theta: np.ndarray, size: int) -> None:
    if not (isinstance(theta, np.ndarray) and theta.dtype == np.float64 and theta.ndim == 1
            and theta.flags.c_contiguous and theta.flags.writeable):
        raise ValueError("theta must be a writeable float64 C-contiguous 1-D array")
    if theta.shape[0] != size:
        raise ValueError(f"theta has {theta.shape[0]} values, the layout needs {size}")


def train_chunk(engine, theta: np.ndarray, orders: np.ndarray, opt: Optimizer,
                evals: np.ndarray, layout: ParamLayout) -> ChunkResult:
    """k = ``len(orders)`` epochs in one call, in place on ``theta`` and ``opt``'s state.

    Epoch c runs over the points ``orders[c]`` (orders (k, m)) and, where ``evals[c]``,
    is followed by an evaluation of the whole set. The same numbers at any chunking
    (bit for bit against itself). Stops after the first evaluated epoch whose loss or
    weights are not finite, so fewer epochs and rows may come back.
    """
    _check_theta(theta, layout.size)
    orders = np.ascontiguousarray(orders, dtype=np.int64)
    if not orders.flags.writeable:  # a read-only array is another numba type: a compile
        orders = orders.copy()
    evals = np.ascontiguousarray(evals, dtype=np.bool_).reshape(-1)
    if orders.ndim != 2 or evals.shape[0] != orders.shape[0]:
        raise ValueError(f"orders {orders.shape} must be (k, m) with k = len(evals) "
                         f"({evals.shape[0]})")
    n = engine.X.shape[0]
    if isinstance(engine, NumpyEngine) and orders.size and (
            orders.min() < 0 or orders.max() >= n):
        raise IndexError("orders hold an index outside the data")
    opt.bind(layout.size)
    n_eval = int(evals.sum())
    metrics, yhats = np.empty((n_eval, 3)), np.empty((n_eval, n))
    done, diverged = engine.run(theta, orders, opt, evals, metrics, yhats)
    rows = int(evals[:done].sum())
    return ChunkResult(done, diverged, metrics[:rows], yhats[:rows])
