"""The fast SGD engines against the readable network, backend resolution, compile notes."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from core.nn.activations import ACTIVATIONS
from core.nn.losses import LOSSES, get_loss
from core.nn.network import Network
from core.train import kernels
from core.train.kernels import dispatch
from core.train.kernels import fallback as sgd_numpy
from core.train.kernels.batch import sgd_batch_step

N_EPOCHS = 100
ROOT = Path(__file__).resolve().parents[4]


def _data(n: int = 20, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((n, 2))
    y = (X[:, 0] <= X[:, 1]).astype(float).reshape(-1, 1)
    return X, y


def _readable_epoch(net: Network, X, y, order, lr, loss) -> None:
    """Network.forward/backward on one point, then W -= lr·dW, B -= lr·dB."""
    for k in order:
        _, cache = net.forward(X[k : k + 1])
        dWs, dBs = net.backward(cache, y[k : k + 1], loss)
        for p, g in zip(net.params(), dWs + dBs, strict=True):
            p -= lr * g


def _rel_diff(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return max(float(np.max(np.abs(p - q)) / np.max(np.abs(q))) for p, q in zip(a, b, strict=True))


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("hidden", [(5, 4), (4, 4), (4, 3, 5)])
@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize("act_name", sorted(ACTIVATIONS))
def test_engine_matches_readable_network(backend, hidden, loss_name, act_name):
    _check_against_readable(backend, hidden, loss_name, act_name)


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize("act_name", sorted(ACTIVATIONS))
def test_numpy_deferred_w2_updates_match_readable_network(monkeypatch, loss_name, act_name):
    """The NumPy path's deferred rank-1 updates of W2 (normally for large W2 only), forced
    on: 20 points per epoch, so both the fold after 16 points and the end-of-epoch fold
    of the remainder run."""
    monkeypatch.setattr(sgd_numpy, "LAZY_MIN_WEIGHTS", 0)
    _check_against_readable("numpy", (5, 4), loss_name, act_name)


def _at_offset(a: np.ndarray, offset: int) -> np.ndarray:
    """A copy of ``a`` whose data starts ``offset`` bytes past a 64-byte boundary."""
    buf = np.empty(a.size + 16)
    start = (-buf.ctypes.data % 64 + offset) // 8
    out = buf[start : start + a.size].reshape(a.shape)
    out[...] = a
    return out


@pytest.mark.parametrize("hidden", [(16, 8), (4, 3, 5)])
def test_numba_result_does_not_depend_on_alignment(hidden):
    """The kernel works on 64-byte-aligned copies of misaligned weights and writes them
    back: bit for bit the result of aligned weights."""
    X, y = _data()
    net = Network(hidden, rng=np.random.default_rng(7))
    out = []
    for offset in (0, 8, 16, 48):
        p = [_at_offset(a, offset) for a in net.params()]
        assert all(a.ctypes.data % 64 == offset for a in p)
        n = len(net.Ws)
        for _ in range(3):
            kernels.sgd_epoch(p[:n], p[n:], X, y, np.arange(len(X)), 0.1, 0, 0, "numba")
        out.append(p)
    for p in out[1:]:
        assert all(np.array_equal(a, b) for a, b in zip(p, out[0], strict=True))
    assert not np.array_equal(out[0][0], net.Ws[0])


def _check_against_readable(backend, hidden, loss_name, act_name):
    X, y = _data()
    net = Network(hidden, act_name, init="normal", rng=np.random.default_rng(7))
    if act_name in ("relu", "leaky-relu", "none"):
        for W in net.Ws:  # keep unbounded activations from diverging in 100 epochs
            W *= 0.5
    assert all(np.any(B != 0) for B in net.Bs)
    Ws = [W.copy() for W in net.Ws]
    Bs = [B.copy() for B in net.Bs]
    loss = get_loss(loss_name)
    lr = 0.05
    order_rng = np.random.default_rng(11)
    for _ in range(N_EPOCHS):
        order = order_rng.permutation(len(X))
        _readable_epoch(net, X, y, order, lr, loss)
        kernels.sgd_epoch(Ws, Bs, X, y, order, lr, net.act.code, loss.code, backend=backend)
    assert net.all_finite()
    assert _rel_diff(Ws + Bs, net.params()) <= 1e-9


@pytest.mark.parametrize("batch", [None, 7])
@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize("act_name", sorted(ACTIVATIONS))
def test_batch_step_matches_readable_network(batch, loss_name, act_name):
    """core.train.kernels.batch against Network.forward/backward + W -= lr·dW, 100 epochs."""
    X, y = _data()
    net = Network((5, 4), act_name, init="normal", rng=np.random.default_rng(7))
    if act_name in ("relu", "leaky-relu", "none"):
        for W in net.Ws:
            W *= 0.5
    fast = Network((5, 4), act_name, init="normal", rng=np.random.default_rng(7))
    for p, q in zip(fast.params(), net.params(), strict=True):
        p[...] = q
    loss = get_loss(loss_name)
    lr = 0.02
    order_rng = np.random.default_rng(11)
    for _ in range(N_EPOCHS):
        order = order_rng.permutation(len(X))
        for start in range(0, len(X), batch or len(X)):
            idx = order[start : start + (batch or len(X))]
            _, cache = net.forward(X[idx])
            dWs, dBs = net.backward(cache, y[idx], loss)
            for p, g in zip(net.params(), dWs + dBs, strict=True):
                p -= lr * g
            sgd_batch_step(fast, X[idx], y[idx], lr, loss)
    assert net.all_finite()
    assert _rel_diff(fast.params(), net.params()) <= 1e-9


def test_gradient_uses_weights_before_the_update():
    """A single point, single epoch, with a large step: any ordering slip shows."""
    X, y = _data(n=1)
    net = Network((3, 2), rng=np.random.default_rng(0))
    for backend in ("numba", "numpy"):
        Ws = [W.copy() for W in net.Ws]
        Bs = [B.copy() for B in net.Bs]
        kernels.sgd_epoch(Ws, Bs, X, y, [0], 5.0, 0, 0, backend=backend)
        ref = Network((3, 2), rng=np.random.default_rng(0))
        _readable_epoch(ref, X, y, [0], 5.0, get_loss("mse"))
        assert _rel_diff(Ws + Bs, ref.params()) <= 1e-12


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("act_code", range(5))
def test_huge_weights_give_no_warning_and_no_nan(backend, act_code):
    X, y = _data()
    rng = np.random.default_rng(1)
    Ws = [rng.normal(0, 1e3, (2, 6)), rng.normal(0, 1e3, (6, 6)), rng.normal(0, 1e3, (6, 1))]
    Bs = [rng.normal(0, 1e3, 6), rng.normal(0, 1e3, 6), rng.normal(0, 1e3, 1)]
    if act_code != 0:  # unbounded activations: keep Z finite, still deep in saturation
        Ws = [W * 1e-2 for W in Ws]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            for _ in range(3):
                kernels.sgd_epoch(Ws, Bs, X, y, np.arange(20), 0.1, act_code, 0, backend)
    assert all(np.isfinite(p).all() for p in Ws + Bs)


def test_flush_to_zero_is_scoped_to_the_call():
    """FTZ/DAZ holds inside the kernel only: the caller's subnormals survive."""
    X, y = _data()
    net = Network((4, 4), rng=np.random.default_rng(0))
    kernels.sgd_epoch(net.Ws, net.Bs, X, y, np.arange(20), 0.1, 0, 0, "numba", flush=True)
    tiny = np.float64(5e-324)
    assert tiny * np.float64(1.0) == tiny  # the MXCSR was restored


def test_resolve_backend_choices(monkeypatch):
    assert kernels.resolve_backend("numpy", "sigmoid", "mse", "sgd", 1) == ("numpy", None)
    assert kernels.resolve_backend("auto", "tanh", "bce", "sgd", 1) == ("numba", None)
    assert kernels.resolve_backend("numba", "none", "mse", "sgd", 1) == ("numba", None)
    used, note = kernels.resolve_backend("numba", "sigmoid", "mse", "adam", 1)
    assert used == "numpy"
    assert "adam" in note
    used, note = kernels.resolve_backend("auto", "sigmoid", "mse", "sgd", 32)
    assert used == "numpy"
    assert "batch size 32" in note
    with pytest.raises(ValueError, match="unknown backend"):
        kernels.resolve_backend("gpu", "sigmoid", "mse", "sgd", 1)
    monkeypatch.setattr(dispatch, "_kernel_module", lambda: ImportError("No module 'numba'"))
    used, note = kernels.resolve_backend("auto", "sigmoid", "mse", "sgd", 1)
    assert used == "numpy"
    assert "numba is not available" in note
    assert "\n" not in note


def test_auto_without_numba_runs_numpy(monkeypatch):
    monkeypatch.setattr(dispatch, "_kernel_module", lambda: ImportError("no numba"))
    X, y = _data()
    net = Network((4, 4), rng=np.random.default_rng(0))
    before = net.copy_params()
    kernels.sgd_epoch(net.Ws, net.Bs, X, y, np.arange(20), 0.1, 0, 0, "auto")
    assert not np.array_equal(before["W2"], net.Ws[1])
    with pytest.raises(RuntimeError, match="unavailable"):
        kernels.sgd_epoch(net.Ws, net.Bs, X, y, np.arange(20), 0.1, 0, 0, "numba")


def test_bad_shapes_are_refused():
    X, y = _data()
    net = Network((4, 4), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="do not fit"):
        kernels.sgd_epoch(net.Ws, net.Bs[::-1], X, y, np.arange(20), 0.1, 0, 0)
    before = [p.copy() for p in net.params()]
    for backend in ("numba", "numpy"):
        for bad in ([20], [0, -1]):
            with pytest.raises(IndexError):
                kernels.sgd_epoch(net.Ws, net.Bs, X, y, bad, 0.1, 0, 0, backend)
    assert all(np.array_equal(p, q) for p, q in zip(net.params(), before, strict=True))
    with pytest.raises(ValueError, match="C-contiguous"):
        kernels.sgd_epoch([W.T.copy().T for W in net.Ws], net.Bs, X, y, [0], 0.1, 0, 0)


def test_ensure_compiled_notifies_only_for_a_real_compile(monkeypatch):
    notes: list[str] = []
    kernels.ensure_compiled(notes.append)  # compile or cache load: either is fine here
    kernels.ensure_compiled(notes.append)  # already loaded: never a note
    assert notes in ([], [kernels.COMPILE_NOTE])
    n_before = len(notes)
    kernel = dispatch._kernel().sgd_epoch_kernel
    n_sigs = len(kernel.signatures)
    X, y = _data()
    net = Network((4, 4), rng=np.random.default_rng(0))
    kernels.sgd_epoch(net.Ws, net.Bs, X, y, np.arange(20), 0.1, 0, 0, "numba")
    assert len(kernel.signatures) == n_sigs  # the call used the prepared signature
    assert len(notes) == n_before


def test_ensure_compiled_in_fresh_process_loads_from_cache():
    """After one compile, a new process loads from disk: no note, a cache hit."""
    code = (
        "from core.train import kernels\n"
        "notes = []\n"
        "kernels.ensure_compiled(notes.append)\n"
        "from core.train.kernels import dispatch\n"
        "k = dispatch._kernel().sgd_epoch_kernel\n"
        "print(len(notes), sum(k.stats.cache_hits.values()), sum(k.stats.cache_misses.values()))\n"
    )
    kernels.ensure_compiled(lambda _m: None)  # make sure the cache exists
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=ROOT,
    ).stdout.split()
    assert out == ["0", "1", "0"]


def test_importing_backends_is_light():
    code = (
        "import sys, core.train.kernels\n"
        "bad = [m for m in ('numba', 'textual', 'rich', 'plotext') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=ROOT,
    ).stdout.strip()
    assert out == ""


# ------------------------------------------------------------------ chunks
def _chunk_case(hidden=(5, 4), act_name="sigmoid", seed=7):
    X, y = _data(n=30)
    net = Network(hidden, act_name, init="normal", rng=np.random.default_rng(seed))
    orders = np.array([np.random.default_rng(11 + c).permutation(len(X)) for c in range(12)])
    evals = np.zeros(12, dtype=bool)
    evals[[2, 5, 6, 11]] = True
    return X, y, net, orders, evals


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize("act_name", ["sigmoid", "tanh"])
def test_chunk_matches_epoch_by_epoch(backend, loss_name, act_name):
    """One chunk of 12 epochs == 12 one-epoch chunks (bit for bit) == 12 sgd_epoch calls
    (bit for bit) with core.nn.metrics.evaluate after the evaluated ones (to 1e-12)."""
    from core.nn.metrics import evaluate

    X, y, net, orders, evals = _chunk_case(act_name=act_name)
    loss = get_loss(loss_name)
    code = net.act.code
    a = [p.copy() for p in net.params()]
    done, diverged, rows, yhats = kernels.sgd_chunk(
        a[:3], a[3:], X, y, orders, 0.3, code, loss.code, evals, backend
    )
    assert (done, diverged, rows.shape, yhats.shape) == (12, False, (4, 3), (4, 30))
    b = [p.copy() for p in net.params()]
    one_rows, one_yhats = [], []
    for c in range(12):
        _, _, r, yh = kernels.sgd_chunk(
            b[:3], b[3:], X, y, orders[c : c + 1], 0.3, code, loss.code, evals[c : c + 1], backend
        )
        one_rows += list(r)
        one_yhats += list(yh)
    np.testing.assert_array_equal(rows, np.array(one_rows))
    np.testing.assert_array_equal(yhats, np.array(one_yhats))
    for p, q in zip(a, b, strict=True):
        np.testing.assert_array_equal(p, q)
    for c in range(12):
        kernels.sgd_epoch(net.Ws, net.Bs, X, y, orders[c], 0.3, code, loss.code, backend)
        if evals[c]:
            m, yh = evaluate(net, X, y, loss)
            row = one_rows.pop(0)
            np.testing.assert_allclose(row, [m.loss, m.soft_acc, m.acc], rtol=1e-12)
            np.testing.assert_allclose(one_yhats.pop(0), yh[:, 0], rtol=1e-12)
    for p, q in zip(a, net.params(), strict=True):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
def test_chunk_backends_agree(loss_name):
    X, y, net, orders, evals = _chunk_case(hidden=(6, 5, 4))
    out = {}
    for backend in ("numba", "numpy"):
        p = [q.copy() for q in net.params()]
        n = len(net.Ws)
        out[backend] = (
            kernels.sgd_chunk(
                p[:n], p[n:], X, y, orders, 0.3, 0, get_loss(loss_name).code, evals, backend
            ),
            p,
        )
    (r1, p1), (r2, p2) = out["numba"], out["numpy"]
    np.testing.assert_allclose(r1[2], r2[2], rtol=1e-9)
    np.testing.assert_allclose(r1[3], r2[3], rtol=1e-9)
    assert _rel_diff(p1, p2) <= 1e-9


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_chunk_stops_at_the_first_diverged_evaluation(backend):
    X, y, net, orders, evals = _chunk_case(act_name="none")
    evals[:] = False
    evals[[3, 8]] = True
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        done, diverged, rows, yhats = kernels.sgd_chunk(
            net.Ws, net.Bs, X, y, orders, 1e6, 4, 1, evals, backend
        )
    assert (done, diverged) == (4, True)
    assert rows.shape == (1, 3)
    assert yhats.shape == (1, 30)
    assert not (np.isfinite(rows[0, 0]) and net.all_finite())


def test_chunk_refuses_bad_arguments():
    X, y, net, orders, evals = _chunk_case()
    with pytest.raises(ValueError, match="does not match"):
        kernels.sgd_chunk(net.Ws, net.Bs, X, y, orders, 0.1, 0, 0, evals[:3])
    with pytest.raises(ValueError, match=r"\(k, m\)"):
        kernels.sgd_chunk(net.Ws, net.Bs, X, y, orders[0], 0.1, 0, 0, evals[:1])
    with pytest.raises(IndexError):
        kernels.sgd_chunk(net.Ws, net.Bs, X, y, orders + 30, 0.1, 0, 0, evals)
