"""The training engines: the compiled per-point kernel (numba), its NumPy fallback and
the NumPy mini-batch step. ``dispatch`` picks one; numba is imported only when needed."""

from core.train.kernels.dispatch import (
    BACKENDS,
    COMPILE_NOTE,
    KERNEL_ACTIVATIONS,
    KERNEL_LOSSES,
    ensure_compiled,
    numba_available,
    resolve_backend,
    sgd_chunk,
    sgd_epoch,
)

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
