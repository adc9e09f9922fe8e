"""One point's back-propagation against independent computations: a 2→2→1 network
derived by hand, central differences of a forward pass written here, and the update of
one training step (the engine's and core's optimiser step) for sgd, momentum and adam."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from core.analysis.backprop import SATURATED, PointBackprop, backprop_point
from core.analysis.backprop_text import STAGES, backprop_lines, backprop_text
from core.nn.activations import ACTIVATIONS
from core.nn.losses import LOSSES, get_loss
from core.nn.network import Network
from core.nn.optimizers import OPTIMIZERS, make_optimizer
from core.train import kernels

ACTS = sorted(ACTIVATIONS)
LOSS_NAMES = sorted(LOSSES)


def _data(n: int = 12, seed: int = 3):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    y = (X[:, 0] <= X[:, 1]).astype(float).reshape(-1, 1)
    return X, y


def _net(hidden, act, seed=5) -> Network:
    net = Network(hidden, act, "normal", np.random.default_rng(seed))
    net.theta *= 0.7  # keep the units off their flat ends, biases non-zero
    return net


# ------------------------------------------------------------------ by hand
def _f(act, z):
    return {"sigmoid": 1 / (1 + np.exp(-z)), "tanh": np.tanh(z), "relu": max(z, 0.0),
            "leaky-relu": z if z > 0 else 0.01 * z, "none": z}[act]


def _df(act, z):
    s = 1 / (1 + np.exp(-z))
    return {"sigmoid": s * (1 - s), "tanh": 1 - np.tanh(z) ** 2, "relu": float(z > 0),
            "leaky-relu": 1.0 if z > 0 else 0.01, "none": 1.0}[act]


@pytest.mark.parametrize("loss_name", LOSS_NAMES)
@pytest.mark.parametrize("act", ACTS)
def test_two_two_one_by_hand(act, loss_name):
    """Every number of a 2→2→1 network, written out scalar by scalar."""
    X, y = _data()
    net = _net((2,), act)
    k = 4
    (w11, w12), (w21, w22) = net.Ws[0]
    b1, b2 = net.Bs[0]
    v1, v2 = net.Ws[1][:, 0]
    (c,) = net.Bs[1]
    x1, x2 = X[k]
    t = y[k, 0]
    z1, z2 = x1 * w11 + x2 * w21 + b1, x1 * w12 + x2 * w22 + b2
    a1, a2 = _f(act, z1), _f(act, z2)
    zo = a1 * v1 + a2 * v2 + c
    yh = 1 / (1 + np.exp(-zo))
    if loss_name == "mse":
        L, dzo = (t - yh) ** 2, 2 * (yh - t) * yh * (1 - yh)
    else:
        L, dzo = -(t * np.log(yh) + (1 - t) * np.log(1 - yh)), yh - t
    da1, da2 = dzo * v1, dzo * v2
    dz1, dz2 = da1 * _df(act, z1), da2 * _df(act, z2)
    bp = backprop_point(net, X, y, k, loss_name)
    h, o = bp.layers
    close = {"rtol": 1e-12, "atol": 1e-15}
    np.testing.assert_allclose(h.Z, [z1, z2], **close)
    np.testing.assert_allclose(h.A, [a1, a2], **close)
    np.testing.assert_allclose([bp.yhat, bp.loss], [yh, L], **close)
    np.testing.assert_allclose(o.dZ, [dzo], **close)
    np.testing.assert_allclose(o.dW, [[a1 * dzo], [a2 * dzo]], **close)
    np.testing.assert_allclose(o.dB, [dzo], **close)
    np.testing.assert_allclose(o.dA_prev, [da1, da2], **close)
    np.testing.assert_allclose(h.dZ, [dz1, dz2], **close)
    np.testing.assert_allclose(h.dW, [[x1 * dz1, x1 * dz2], [x2 * dz1, x2 * dz2]], **close)
    np.testing.assert_allclose(h.dB, [dz1, dz2], **close)
    assert h.dA_prev is None


# ------------------------------------------------------------------ central differences
def _loss_here(Ws, Bs, act, loss_name, x, t):
    """A forward pass written here, independent of core."""
    a = x
    for i, (W, B) in enumerate(zip(Ws, Bs)):
        z = a @ W + B
        a = 1 / (1 + np.exp(-z)) if i == len(Ws) - 1 else np.vectorize(
            lambda v: _f(act, v))(z)
    yh = a[0]
    if loss_name == "mse":
        return (t - yh) ** 2
    return -(t * np.log(yh) + (1 - t) * np.log(1 - yh))


@pytest.mark.parametrize("hidden", [(3,), (4, 3), (3, 2, 4)])
@pytest.mark.parametrize("loss_name", LOSS_NAMES)
@pytest.mark.parametrize("act", ACTS)
def test_gradients_against_central_differences(act, loss_name, hidden):
    X, y = _data()
    net = _net(hidden, act)
    k = 7
    bp = backprop_point(net, X, y, k, loss_name)
    Ws = [W.copy() for W in net.Ws]
    Bs = [B.copy() for B in net.Bs]
    h = 1e-6
    for i, lay in enumerate(bp.layers):
        for arr, grad in ((Ws[i], lay.dW), (Bs[i], lay.dB)):
            num = np.zeros_like(arr)
            for idx in np.ndindex(arr.shape):
                keep = arr[idx]
                arr[idx] = keep + h
                up = _loss_here(Ws, Bs, act, loss_name, X[k], y[k, 0])
                arr[idx] = keep - h
                down = _loss_here(Ws, Bs, act, loss_name, X[k], y[k, 0])
                arr[idx] = keep
                num[idx] = (up - down) / (2 * h)
            np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-9)
        assert lay.check.ok, (i, lay.check)
        assert lay.check.checked == lay.check.total  # small layers: every parameter


def test_wide_layers_check_a_sample_and_still_pass():
    X, y = _data()
    net = Network((40, 30), "tanh", "xavier", np.random.default_rng(2))
    bp = backprop_point(net, X, y, 0, "mse")
    checks = [lay.check for lay in bp.layers]
    assert [c.total for c in checks] == [120, 1230, 31]
    assert [c.checked for c in checks] == [120, 48, 31]
    assert all(c.ok for c in checks)


def test_a_wrong_gradient_fails_the_check(monkeypatch):
    """The check compares against the backward pass: corrupt it and the check says ✗."""
    from core.nn import network as network_module

    real = network_module.Network.backprop

    def broken(self, cache, y, loss):
        g = real(self, cache, y, loss)
        g.dWs[0] = g.dWs[0] * 1.001
        return g

    monkeypatch.setattr(network_module.Network, "backprop", broken)
    X, y = _data()
    bp = backprop_point(_net((3,), "sigmoid"), X, y, 2, "mse")
    assert not bp.layers[0].check.ok
    assert bp.layers[1].check.ok
    assert "✗" in backprop_text(bp)


# ------------------------------------------------------------------ the update
def _clone(net: Network) -> Network:
    """A copy whose Ws / Bs are views of its own theta (deepcopy would split them)."""
    twin = Network(net.hidden, net.act.name, "xavier", np.random.default_rng(0))
    twin.theta[...] = net.theta
    return twin


def _trained_optimizer(name, net, X, y, loss, steps=5):
    """An optimiser with a non-trivial state (a few steps on a copy of the network)."""
    opt = make_optimizer(name, {"sgd": 0.1, "momentum": 0.05, "adam": 0.01}[name])
    opt.bind(net.layout.size)
    twin = _clone(net)
    for k in range(steps):
        opt.step(twin.theta, twin.gradient(X[k : k + 1], y[k : k + 1], loss))
    return opt


@pytest.mark.parametrize("opt_name", OPTIMIZERS)
def test_update_is_one_training_step(opt_name):
    """W after = what core's optimiser step and the NumPy engine do on that point."""
    X, y = _data()
    loss = get_loss("mse")
    net = _net((4, 3), "sigmoid")
    opt = _trained_optimizer(opt_name, net, X, y, loss)
    state = opt.state()
    k = 6
    bp = backprop_point(net, X, y, k, loss, opt, epoch=3)
    np.testing.assert_array_equal(opt.state()["s1"], state["s1"])  # the run's untouched
    assert bp.state_known
    assert bp.steps_before == 5
    assert bp.optimizer == opt_name
    # core's step
    ref, ref_opt = _clone(net), copy.deepcopy(opt)
    ref_opt.step(ref.theta, ref.gradient(X[k : k + 1], y[k : k + 1], loss))
    # the NumPy engine, one epoch of the one point
    eng, eng_opt = _clone(net), copy.deepcopy(opt)
    engine = kernels.make_engine("numpy", eng.layout, eng.act, loss, 1, X, y)
    kernels.train_chunk(engine, eng.theta, np.array([[k]]), eng_opt, np.zeros(1, bool),
                        eng.layout)
    for lay in bp.layers:
        assert len(lay.updates) == 4
        for u in lay.updates:
            name, idx = u.name[:2], tuple(int(v) for v in u.name[3:-1].split(","))
            arr = ref.named_params()[name]
            assert u.before == net.named_params()[name][idx]
            assert u.after == arr[idx]
            assert abs(u.after - eng.named_params()[name][idx]) <= 1e-12 * max(1, abs(u.after))
            assert u.before + u.step == pytest.approx(u.after, abs=1e-15)
            if opt_name == "sgd":
                grad = (lay.dW if name[0] == "W" else lay.dB)[idx]
                assert u.step == pytest.approx(-0.1 * grad, rel=1e-9, abs=1e-17)


def test_without_optimizer_state_a_fresh_optimizer():
    X, y = _data()
    bp = backprop_point(_net((3,), "tanh"), X, y, 0, "bce", None, lr=0.5,
                        optimizer_name="adam")
    assert not bp.state_known
    assert bp.optimizer == "adam"
    assert bp.lr == 0.5
    assert "fresh optimiser" in backprop_text(bp)


# ------------------------------------------------------------------ the result
def test_point_outside_the_set():
    X, y = _data()
    for bad in (-1, len(X)):
        with pytest.raises(IndexError, match="outside the training set"):
            backprop_point(_net((3,), "sigmoid"), X, y, bad, "mse")


def test_saturated_units_flagged():
    X, y = _data()
    net = _net((3,), "sigmoid")
    net.Ws[0][:, 1] = 0.0
    net.Bs[0][1] = 9.0  # unit 1 near A = 1: σ′ ≈ 1.2e-4
    bp = backprop_point(net, X, y, 1, "mse")
    assert list(bp.layers[0].saturated) == [1]
    assert bp.layers[0].deriv[1] < SATURATED
    text = backprop_text(bp)
    assert "1 of 3 units saturated (f′ < 0.01): 1" in text
    assert "gradients vanish" in text


def test_immutable_and_json():
    X, y = _data()
    bp = backprop_point(_net((4, 3), "relu"), X, y, 3, "bce")
    with pytest.raises(ValueError, match="read-only"):
        bp.layers[0].dW[0, 0] = 1.0
    with pytest.raises(AttributeError):
        bp.point = 4  # type: ignore[misc]
    d = json.loads(json.dumps(bp.to_json("r")))
    assert list(d) == ["run", "epoch", "point", "x", "y", "yhat", "loss", "lr", "layers"]
    assert [list(lay) for lay in d["layers"]] == [["Z", "A", "dZ", "dW", "dB", "grad_check"]] * 3
    assert [np.shape(lay["dW"]) for lay in d["layers"]] == [(2, 4), (4, 3), (3, 1)]
    assert [np.shape(lay["dB"]) for lay in d["layers"]] == [(4,), (3,), (1,)]
    back = PointBackprop.from_wire(json.loads(json.dumps(bp.to_wire())))
    assert backprop_text(back) == backprop_text(bp)


def test_lines_in_computation_order():
    X, y = _data()
    bp = backprop_point(_net((4, 3), "sigmoid"), X, y, 3, "mse")
    lines = backprop_lines(bp)
    stages = [ln.stage for ln in lines]
    assert stages == sorted(stages, key=STAGES.index)
    names = [ln.name for ln in lines if ln.stage != "update"]
    assert names[:9] == ["X", "Z1", "A1", "Z2", "A2", "Z3", "ŷ = A3", "L", "∂L/∂ŷ"]
    assert names[9:22] == ["dZ3", "dW3", "dB3", "dA2", "dZ2", "dW2", "dB2", "dA1", "dZ1",
                           "dW1", "dB1", "W1, B1", "W2, B2"]
    text = backprop_text(bp)
    assert "dZ2 = dA2 ∘ A2(1 − A2)" in text
    assert "dZ3 = ∂L/∂ŷ ∘ A3(1 − A3)" in text


def test_wide_vectors_summarised_unless_full():
    X, y = _data()
    bp = backprop_point(Network((20,), "sigmoid", "xavier", np.random.default_rng(1)),
                        X, y, 0, "mse")
    short, full = backprop_text(bp), backprop_text(bp, full=True)
    assert "‖·‖" in short
    assert "largest:" in short
    z1 = next(ln for ln in backprop_lines(bp, full=True) if ln.name == "Z1")
    numbers = [v for v in "".join(z1.values).strip("[]").split(",") if v.strip()]
    np.testing.assert_allclose([float(v) for v in numbers], bp.layers[0].Z, rtol=1e-3)
    assert len(full.splitlines()) > len(short.splitlines())


def test_full_text_keeps_huge_matrices_summarised():
    X, y = _data()
    bp = backprop_point(Network((70, 70), "tanh", "xavier", np.random.default_rng(1)),
                        X, y, 0, "mse")
    dW2 = next(ln for ln in backprop_lines(bp, full=True) if ln.name == "dW2")
    assert dW2.values[-1] == "(4900 entries: too many to print; --json has them all)"
    dW1 = next(ln for ln in backprop_lines(bp, full=True) if ln.name == "dW1")
    assert len(dW1.values) == 2 * 12  # (2, 70): each row whole, six numbers a printed row
    assert len(bp.to_json()["layers"][1]["dW"]) == 70
