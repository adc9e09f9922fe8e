"""``NUMBA_DISABLE_JIT`` makes numba's decorators plain Python: the kernel then counts
as unavailable and training falls back to NumPy with its note."""

from __future__ import annotations

import pytest

from core.train.kernels import dispatch


@pytest.fixture
def fresh_dispatch():
    dispatch._kernel_module.cache_clear()
    yield
    dispatch._kernel_module.cache_clear()


@pytest.mark.parametrize("value", ["1", "yes", " 1 "])
def test_numba_disable_jit_means_numpy(monkeypatch, fresh_dispatch, value):
    monkeypatch.setenv("NUMBA_DISABLE_JIT", value)
    assert not dispatch.numba_available()
    used, note = dispatch.resolve_backend("auto", 1)
    assert used == "numpy"
    assert note == ("bp-tui: the compiled kernel is unavailable (NUMBA_DISABLE_JIT is set); "
                    "training with the numpy backend (slower)")


@pytest.mark.parametrize("value", ["", "0"])
def test_numba_disable_jit_off_changes_nothing(monkeypatch, fresh_dispatch, value):
    monkeypatch.delenv("NUMBA_DISABLE_JIT", raising=False)
    unset = dispatch.numba_available()
    dispatch._kernel_module.cache_clear()
    monkeypatch.setenv("NUMBA_DISABLE_JIT", value)
    assert dispatch.numba_available() == unset
