"""The training engines: the compiled per-point kernel (numba) and the NumPy engine
(mini-batches, and per point where numba is unavailable). ``dispatch`` picks one and is
the only way to call either; numba is imported only when the kernel is needed."""

from core.train.kernels.dispatch import (
    BACKENDS,
    COMPILE_NOTE,
    ChunkResult,
    CompiledEngine,
    ensure_compiled,
    kernel_unavailable,
    make_engine,
    numba_available,
    resolve_backend,
    train_chunk,
)
from core.train.kernels.numpy_engine import NumpyEngine

__all__ = [
    "BACKENDS",
    "COMPILE_NOTE",
    "ChunkResult",
    "CompiledEngine",
    "NumpyEngine",
    "ensure_compiled",
    "kernel_unavailable",
    "make_engine",
    "numba_available",
    "resolve_backend",
    "train_chunk",
]
