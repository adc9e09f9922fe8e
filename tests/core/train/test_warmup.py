"""The kernel's background warm-up says what it does and for how long."""

from __future__ import annotations

import threading

from core.train import kernels, warmup
from core.train.warmup import KernelWarmup

BOUND = 30.0  # seconds for the warm-up's thread to get somewhere: only a failure waits


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_a_real_compile_is_announced_with_its_time(monkeypatch):
    go, clock = threading.Event(), Clock()

    def fake_compile(notify):
        notify(kernels.COMPILE_NOTE)
        go.wait(BOUND)

    monkeypatch.setattr(warmup.kernels, "ensure_compiled", fake_compile)
    monkeypatch.setattr(warmup.kernels, "kernel_unavailable", lambda: None)
    w = KernelWarmup(clock).start()
    for _ in range(int(BOUND / 0.01)):  # until the thread has started compiling
        if w.compiling:
            break
        threading.Event().wait(0.01)
    assert w.compiling
    clock.t += 72.4
    assert w.describe() == "compiling the training kernel — first launch only — 1:12"
    go.set()
    w._thread.join(BOUND)
    assert w.done
    assert w.describe() == ""
    assert w.error is None


def test_a_cache_load_and_a_missing_numba(monkeypatch):
    monkeypatch.setattr(warmup.kernels, "ensure_compiled", lambda notify: None)
    monkeypatch.setattr(warmup.kernels, "kernel_unavailable", lambda: None)
    w = KernelWarmup().start()
    w._thread.join(BOUND)
    assert w.done
    assert not w.compiling
    monkeypatch.setattr(warmup.kernels, "kernel_unavailable", lambda: "No module 'numba'")
    w = KernelWarmup().start()
    w._thread.join(BOUND)
    assert w.done
    assert w.error == "No module 'numba'"
