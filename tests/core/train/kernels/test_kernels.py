"""The training engines against the readable network + optimisers, chunking, backend
resolution, compile notes and the one compilation for every depth."""

from __future__ import annotations

import itertools
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from core.nn.activations import ACTIVATIONS
from core.nn.losses import LOSSES, get_loss
from core.nn.metrics import evaluate
from core.nn.network import Network
from core.nn.optimizers import OPTIMIZERS, make_optimizer
from core.nn.reference import train_orders, train_step
from core.train import kernels
from core.train.kernels import dispatch

N_EPOCHS = 100
ROOT = Path(__file__).resolve().parents[4]
# learning rates at which 100 per-point epochs stay smooth for every activation (chaotic
# training would amplify last-digit differences, hiding what is compared)
LR = {"sgd": 0.05, "momentum": 0.01, "adam": 0.002}


def _data(n: int = 16, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((n, 2))
    y = (X[:, 0] <= X[:, 1]).astype(float).reshape(-1, 1)
    return X, y


def _net(hidden, act_name="sigmoid", seed=7) -> Network:
    net = Network(hidden, act_name, init="normal", rng=np.random.default_rng(seed))
    if act_name != "sigmoid":  # keep unbounded activations from diverging
        net.theta *= 0.5
    assert all(np.any(B != 0) for B in net.Bs)
    return net


def _engine(backend, net, loss, X, y, batch=1):
    return kernels.make_engine(backend, net.layout, net.act, loss, batch, X, y)


def _run(backend, net, X, y, orders, opt, loss, evals=None):
    evals = np.zeros(len(orders), bool) if evals is None else evals
    return kernels.train_chunk(_engine(backend, net, loss, X, y), net.theta, orders, opt,
                               evals, net.layout)


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def _shuffled(n_epochs: int, n: int, seed: int = 11) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array([rng.permutation(n) for _ in range(n_epochs)])


def _engine_cases():
    """Every activation × loss × optimiser × backend; the default tier takes each
    activation × loss × optimiser once, the backends alternating (the long tier the rest)."""
    combos = itertools.product(sorted(ACTIVATIONS), sorted(LOSSES), OPTIMIZERS)
    for k, (act, loss, opt) in enumerate(combos):
        for backend in ("numba", "numpy"):
            quick = backend == ("numba", "numpy")[k % 2]
            yield pytest.param(backend, opt, loss, act, id=f"{act}-{loss}-{opt}-{backend}",
                               marks=() if quick else pytest.mark.long)


@pytest.mark.parametrize(("backend", "opt_name", "loss_name", "act_name"), _engine_cases())
def test_engine_matches_readable_network(backend, opt_name, loss_name, act_name):
    """100 shuffled per-point epochs, two hidden layers (the unrolled kernel path)."""
    _check(backend, (5, 4), opt_name, loss_name, act_name)


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("opt_name", OPTIMIZERS)
@pytest.mark.parametrize("hidden", [(6,), (4, 3, 5), (3, 3, 3, 3)])
def test_other_depths_match_readable_network(backend, opt_name, hidden):
    """The kernel's layer loop (any depth but two hidden layers)."""
    _check(backend, hidden, opt_name, "mse", "tanh")


def _check(backend, hidden, opt_name, loss_name, act_name):
    X, y = _data()
    loss = get_loss(loss_name)
    orders = _shuffled(N_EPOCHS, len(X))
    ref, fast = _net(hidden, act_name), _net(hidden, act_name)
    ref_opt, opt = make_optimizer(opt_name, LR[opt_name]), make_optimizer(opt_name, LR[opt_name])
    with np.errstate(all="ignore"):
        train_orders(ref, X, y, orders, ref_opt, loss)
    _run(backend, fast, X, y, orders, opt, loss)
    assert _rel(fast.theta, ref.theta) <= 1e-9
    assert opt.t[0] == ref_opt.t[0] == N_EPOCHS * len(X)
    for a, b in ((opt.s1, ref_opt.s1), (opt.s2, ref_opt.s2)):
        if a.size:
            assert _rel(a, b) <= 1e-8


@pytest.mark.parametrize("opt_name", OPTIMIZERS)
@pytest.mark.parametrize("batch", [4, 16])
def test_mini_batches_match_readable_network(opt_name, batch):
    """The NumPy engine's batches against Network.gradient over the same rows."""
    X, y = _data()
    loss = get_loss("mse")
    ref, fast = _net((5, 4)), _net((5, 4))
    ref_opt, opt = make_optimizer(opt_name, LR[opt_name]), make_optimizer(opt_name, LR[opt_name])
    orders = _shuffled(N_EPOCHS, len(X))
    for order in orders:
        for s in range(0, len(order), batch):
            idx = order[s : s + batch]
            train_step(ref, X[idx], y[idx], ref_opt, loss)
    kernels.train_chunk(_engine("numpy", fast, loss, X, y, batch), fast.theta, orders, opt,
                        np.zeros(N_EPOCHS, bool), fast.layout)
    assert _rel(fast.theta, ref.theta) <= 1e-12


def test_adam_bias_correction_at_steps_1_2_3():
    """One weight, gradients 0.5, −2, 1: the kernel and the readable Adam against hand
    values of m̂ / (√v̂ + ε) (PyTorch's formula, √v / √(1 − β2ᵗ) + ε)."""
    from core.nn.optimizers import Adam

    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.01
    p, m, v, expected = 1.0, 0.0, 0.0, []
    for t, g in enumerate((0.5, -2.0, 1.0), start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p -= (lr / (1 - b1**t)) * m / (np.sqrt(v) / np.sqrt(1 - b2**t) + eps)
        expected.append(p)
    theta, opt = np.array([1.0]), Adam(lr)
    got = []
    for g in (0.5, -2.0, 1.0):
        opt.step(theta, np.array([g]))
        got.append(theta[0])
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    assert abs(expected[0] - (1.0 - lr * 0.5 / (0.5 + eps))) < 1e-15  # t = 1: m̂ = g, v̂ = g²
    # the kernel's step count and constants: three one-point steps on a tiny network
    X, y = _data(n=1)
    loss = get_loss("mse")
    ref, fast = _net((2, 2)), _net((2, 2))
    ref_opt, k_opt = Adam(lr), Adam(lr)
    orders = np.zeros((3, 1), dtype=np.int64)
    train_orders(ref, X, y, orders, ref_opt, loss)
    _run("numba", fast, X, y, orders, k_opt, loss)
    assert k_opt.t[0] == 3
    assert _rel(fast.theta, ref.theta) <= 1e-14


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("opt_name", OPTIMIZERS)
def test_chunking_changes_nothing(backend, opt_name):
    """One chunk of 12 epochs == 12 one-epoch chunks, bit for bit, optimiser state
    included; the evaluations equal core.nn.metrics.evaluate to 1e-12."""
    X, y = _data(n=30)
    loss = get_loss("bce")
    orders = _shuffled(12, len(X))
    evals = np.zeros(12, bool)
    evals[[2, 5, 6, 11]] = True
    a, b = _net((5, 4), "tanh"), _net((5, 4), "tanh")
    opt_a, opt_b = make_optimizer(opt_name, LR[opt_name]), make_optimizer(opt_name, LR[opt_name])
    whole = _run(backend, a, X, y, orders, opt_a, loss, evals)
    rows = []
    for c in range(12):
        r = _run(backend, b, X, y, orders[c : c + 1], opt_b, loss, evals[c : c + 1])
        if evals[c]:
            rows.append(r.metrics[0])
            m, yhat = evaluate(b, X, y, loss)
            np.testing.assert_allclose(r.metrics[0], [m.loss, m.soft_acc, m.acc], rtol=1e-12)
            np.testing.assert_allclose(r.yhats[0], yhat.reshape(-1), rtol=1e-12)
    assert (whole.done, whole.diverged) == (12, False)
    assert np.array_equal(a.theta, b.theta)
    assert np.array_equal(whole.metrics, np.array(rows))
    for x, z in ((opt_a.s1, opt_b.s1), (opt_a.s2, opt_b.s2), (opt_a.t, opt_b.t)):
        assert np.array_equal(x, z)


@pytest.mark.parametrize("opt_name", OPTIMIZERS)
def test_backends_agree(opt_name):
    X, y = _data(n=30)
    loss = get_loss("mse")
    orders = _shuffled(20, len(X))
    evals = np.ones(20, bool)
    results = []
    for backend in ("numba", "numpy"):
        net = _net((6, 5))
        r = _run(backend, net, X, y, orders, make_optimizer(opt_name, LR[opt_name]), loss, evals)
        results.append((net.theta.copy(), r))
    (ta, ra), (tb, rb) = results
    assert _rel(ta, tb) <= 1e-10
    np.testing.assert_allclose(ra.metrics, rb.metrics, rtol=1e-10)


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_stops_at_the_first_diverged_evaluation(backend):
    X, y = _data()
    net = _net((4, 4), "none")
    evals = np.zeros(10, bool)
    evals[[3, 6, 9]] = True
    r = _run(backend, net, X, y, _shuffled(10, len(X)), make_optimizer("sgd", 1e6),
             get_loss("bce"), evals)
    assert r.diverged
    assert r.done in (4, 7, 10)
    assert len(r.metrics) == int(evals[: r.done].sum())


def test_gradient_uses_weights_before_the_update():
    """A single point, a large step: any ordering slip shows."""
    X, y = _data(n=1)
    loss = get_loss("mse")
    for backend in ("numba", "numpy"):
        ref, fast = _net((3, 2)), _net((3, 2))
        train_orders(ref, X, y, [[0]], make_optimizer("sgd", 5.0), loss)
        _run(backend, fast, X, y, np.zeros((1, 1), np.int64), make_optimizer("sgd", 5.0), loss)
        assert _rel(fast.theta, ref.theta) <= 1e-12


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("act_name", sorted(ACTIVATIONS))
def test_huge_weights_give_no_warning_and_no_nan(backend, act_name):
    X, y = _data()
    net = _net((6, 6), act_name)
    net.theta *= 1e3 if act_name == "sigmoid" else 10.0  # deep in saturation, Z finite
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            _run(backend, net, X, y, _shuffled(3, len(X)), make_optimizer("sgd", 0.1),
                 get_loss("mse"))
    assert np.isfinite(net.theta).all()


def test_flush_to_zero_is_scoped_to_the_call():
    """FTZ/DAZ holds inside the kernel only: the caller's subnormals survive."""
    X, y = _data()
    _run("numba", _net((4, 4)), X, y, _shuffled(1, len(X)), make_optimizer("sgd", 0.1),
         get_loss("mse"))
    tiny = np.float64(5e-324)
    assert tiny * np.float64(1.0) == tiny  # the MXCSR was restored


def test_result_does_not_depend_on_alignment():
    """theta copied to a misaligned buffer (8 bytes off a 64-byte line) trains to the
    same bits."""
    X, y = _data()
    loss = get_loss("mse")
    a, b = _net((16, 16)), _net((16, 16))
    buf = np.zeros(b.theta.size + 16)
    off = 1 if buf.ctypes.data % 64 == 0 else 0
    misaligned = buf[off : off + b.theta.size]
    misaligned[...] = b.theta
    orders = _shuffled(3, len(X))
    kernels.train_chunk(_engine("numba", a, loss, X, y), a.theta, orders,
                        make_optimizer("sgd", 0.1), np.zeros(3, bool), a.layout)
    kernels.train_chunk(_engine("numba", b, loss, X, y), misaligned, orders,
                        make_optimizer("sgd", 0.1), np.zeros(3, bool), b.layout)
    assert np.array_equal(a.theta, misaligned)


def test_bad_arguments_are_refused():
    X, y = _data()
    net, loss = _net((4, 4)), get_loss("mse")
    engine, opt = _engine("numba", net, loss, X, y), make_optimizer("sgd", 0.1)
    orders, evals = _shuffled(4, len(X)), np.zeros(4, bool)
    with pytest.raises(ValueError, match="orders"):
        kernels.train_chunk(engine, net.theta, orders, opt, evals[:3], net.layout)
    with pytest.raises(ValueError, match="orders"):
        kernels.train_chunk(engine, net.theta, orders[0], opt, evals[:1], net.layout)
    with pytest.raises(ValueError, match="theta"):
        kernels.train_chunk(engine, net.theta[:-1], orders, opt, evals, net.layout)
    with pytest.raises(ValueError, match="theta"):
        kernels.train_chunk(engine, net.theta.astype(np.float32), orders, opt, evals,
                            net.layout)
    before = net.theta.copy()
    for backend in ("numba", "numpy"):
        for bad in (orders + 30, orders - 40):
            with pytest.raises(IndexError):
                kernels.train_chunk(_engine(backend, net, loss, X, y), net.theta, bad, opt,
                                    evals, net.layout)
    assert np.array_equal(net.theta, before)  # refused before anything changed


# ------------------------------------------------------------------ backends, compiling
def test_resolve_backend_choices(monkeypatch):
    assert kernels.resolve_backend("numpy", 1) == ("numpy", None)
    assert kernels.resolve_backend("auto", 1) == ("numba", None)
    assert kernels.resolve_backend("numba", 1) == ("numba", None)
    assert kernels.resolve_backend("auto", 32) == ("numpy", None)  # vectorised by design
    used, note = kernels.resolve_backend("numba", 32)
    assert used == "numpy"
    assert "batch size 32" in note
    with pytest.raises(ValueError, match="unknown backend"):
        kernels.resolve_backend("gpu", 1)
    monkeypatch.setattr(dispatch, "_kernel_module", lambda: ImportError("No module 'numba'"))
    used, note = kernels.resolve_backend("auto", 1)
    assert used == "numpy"
    assert "No module 'numba'" in note


def test_one_compilation_serves_every_depth_and_optimiser():
    """After ensure_compiled, training 1 to 4 hidden layers with every optimiser adds no
    signature and fires no compile event."""
    from numba.core import event

    kernels.ensure_compiled(lambda _m: None)
    kernel = dispatch._kernel_module()
    n_sigs = (len(kernel.train_chunk_kernel.signatures), len(kernel.evaluate_kernel.signatures))
    compiles = []

    class Spy(event.Listener):
        def on_start(self, ev):
            compiles.append(ev)

        def on_end(self, ev):
            pass

    X, y = _data()
    with event.install_listener("numba:compile", Spy()):
        for hidden in ((5,), (5, 4), (4, 3, 5), (3, 3, 3, 3)):
            for opt_name in OPTIMIZERS:
                net = _net(hidden)
                r = _run("numba", net, X, y, _shuffled(2, len(X)),
                         make_optimizer(opt_name, 0.01), get_loss("bce"), np.ones(2, bool))
                assert r.done == 2
                kernels.make_engine("numba", net.layout, net.act, get_loss("mse"), 1, X,
                                    y).evaluate(net.theta)
    assert compiles == []
    assert (len(kernel.train_chunk_kernel.signatures),
            len(kernel.evaluate_kernel.signatures)) == n_sigs


def test_ensure_compiled_notifies_only_for_a_real_compile():
    notes: list[str] = []
    kernels.ensure_compiled(notes.append)  # compile or cache load: either is fine here
    kernels.ensure_compiled(notes.append)  # already loaded: never a note
    assert notes in ([], [kernels.COMPILE_NOTE])


def test_ensure_compiled_in_fresh_process_loads_from_cache():
    """After one compile, a new process loads from disk: no note, cache hits only."""
    code = (
        "from core.train import kernels\n"
        "from core.train.kernels import dispatch\n"
        "notes = []\n"
        "kernels.ensure_compiled(notes.append)\n"
        "k = dispatch._kernel_module().train_chunk_kernel\n"
        "print(len(notes), sum(k.stats.cache_hits.values()), sum(k.stats.cache_misses.values()))\n"
    )
    kernels.ensure_compiled(lambda _m: None)  # make sure the cache exists
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120, cwd=ROOT).stdout.split()
    assert out == ["0", "1", "0"]


def test_importing_kernels_is_light():
    code = (
        "import sys, core.train.kernels\n"
        "bad = [m for m in ('numba', 'textual', 'rich', 'plotext') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60, cwd=ROOT).stdout.strip()
    assert out == ""
