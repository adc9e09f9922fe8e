"""Central-difference gradient checks in float64, every activation × loss, non-zero biases.

The analytic gradients of ``Network.backward`` are compared with
(L(θ + h) − L(θ − h)) / 2h of the summed loss computed from ``Network.predict``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from core.nn.activations import ACTIVATIONS, get_activation, sigmoid
from core.nn.losses import LOSSES, get_loss
from core.nn.metrics import evaluate
from core.nn.network import Network

H = 1e-6
KINKED = {"relu", "leaky-relu"}


def ref_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def make_net(hidden, activation, seed):
    net = Network(hidden, activation, "normal", np.random.default_rng(seed))
    for B in net.Bs:
        B += 0.3  # make sure every bias is clearly non-zero
    return net


def pick_case(hidden, activation, loss_name):
    """A seeded net and batch whose hidden pre-activations stay away from relu's kink."""
    for seed in range(200):
        r = np.random.default_rng(1000 + seed)
        X = r.uniform(-1.0, 1.0, size=(5, 2))
        y = r.integers(0, 2, size=(5, 1)).astype(float)
        net = make_net(hidden, activation, seed)
        _, cache = net.forward(X)
        zs = cache.Zs[1:-1]
        yhat = cache.As[-1]
        far_from_kink = activation not in KINKED or all(
            np.abs(z).min() > 1e-3 and (z > 0).any() and (z < 0).any() for z in zs
        )
        not_saturated = np.all((yhat > 1e-4) & (yhat < 1 - 1e-4))
        if far_from_kink and not_saturated:
            return net, X, y
    raise AssertionError("no usable case found")


def numeric_grad(net, X, y, loss, p):
    g = np.zeros_like(p)
    it = np.nditer(p, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        old = p[idx]
        p[idx] = old + H
        up = loss.value(net.predict(X), y)
        p[idx] = old - H
        down = loss.value(net.predict(X), y)
        p[idx] = old
        g[idx] = (up - down) / (2 * H)
    return g


@pytest.mark.parametrize("hidden", [(4, 3), (3, 4, 3)], ids=["2-hidden", "3-hidden"])
@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_backward_matches_central_differences(activation, loss_name, hidden):
    net, X, y = pick_case(hidden, activation, loss_name)
    loss = get_loss(loss_name)
    assert all(np.all(B != 0) for B in net.Bs)
    assert net.Ws[0].dtype == np.float64
    _, cache = net.forward(X)
    dWs, dBs = net.backward(cache, y, loss)
    assert len(dWs) == len(hidden) + 1
    for p, g in zip(net.params(), [*dWs, *dBs]):
        assert g.shape == p.shape
        num = numeric_grad(net, X, y, loss, p)
        np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-7)


def test_relu_case_checks_the_kink():
    net, X, _ = pick_case((3, 4, 3), "relu", "mse")
    _, cache = net.forward(X)
    for z in cache.Zs[1:-1]:
        assert np.abs(z).min() > 1e-3
        assert (z > 0).any()  # both branches exercised
        assert (z < 0).any()


def test_forward_is_the_reports_formula():
    net = make_net((5, 4), "sigmoid", 3)
    X = np.random.default_rng(0).uniform(0, 1, size=(7, 2))
    W1, W2, W3 = net.Ws
    B1, B2, B3 = net.Bs
    A1 = ref_sigmoid(X @ W1 + B1)
    A2 = ref_sigmoid(A1 @ W2 + B2)
    yhat = ref_sigmoid(A2 @ W3 + B3)
    np.testing.assert_allclose(net.predict(X), yhat, rtol=1e-12)
    assert net.predict(X).shape == (7, 1)


def test_output_layer_is_sigmoid_even_without_hidden_activation():
    net = make_net((3,), "none", 1)
    X = np.array([[0.2, -0.4]])
    yhat = ref_sigmoid((X @ net.Ws[0] + net.Bs[0]) @ net.Ws[1] + net.Bs[1])
    np.testing.assert_allclose(net.predict(X), yhat, rtol=1e-12)


# ------------------------------------------------------------------ losses
@pytest.mark.parametrize("loss_name", sorted(LOSSES))
def test_loss_dz_is_derivative_through_output_sigmoid(loss_name):
    loss = get_loss(loss_name)
    z = np.array([[-2.0], [-0.3], [0.1], [1.7]])
    y = np.array([[0.0], [1.0], [0.0], [1.0]])
    num = (
        np.array([loss.value(ref_sigmoid(z[i] + H), y[i]) - loss.value(ref_sigmoid(z[i] - H), y[i])
                  for i in range(len(z))]).reshape(-1, 1)
        / (2 * H)
    )
    np.testing.assert_allclose(loss.dZ(sigmoid(z), y), num, rtol=1e-6)


def test_mse_output_gradient_is_not_halved():
    loss = get_loss("mse")
    yhat = np.array([[0.8], [0.25]])
    y = np.array([[0.0], [1.0]])
    # L = (y − ŷ)²  ⇒  ∂L/∂ŷ = 2(ŷ − y) = [1.6, −1.5]
    np.testing.assert_allclose(loss.dyhat(yhat, y), [[1.6], [-1.5]])
    # numerically, too
    num = [(loss.value(yhat[i] + H, y[i]) - loss.value(yhat[i] - H, y[i])) / (2 * H)
           for i in range(2)]
    np.testing.assert_allclose(loss.dyhat(yhat, y)[:, 0], num, rtol=1e-6)
    # through the sigmoid: 2(ŷ − y)·ŷ(1 − ŷ)
    np.testing.assert_allclose(loss.dZ(yhat, y), [[1.6 * 0.8 * 0.2], [-1.5 * 0.25 * 0.75]])


def test_losses_are_sums():
    yhat = np.array([[0.9], [0.2], [0.6]])
    y = np.array([[1.0], [0.0], [0.0]])
    assert get_loss("mse").value(yhat, y) == pytest.approx(0.01 + 0.04 + 0.36)
    bce = -(np.log(0.9) + np.log(0.8) + np.log(0.4))
    assert get_loss("bce").value(yhat, y) == pytest.approx(bce)


# ------------------------------------------------------------------ activations
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_activation_derivative(activation):
    act = get_activation(activation)
    z = np.array([-3.0, -0.7, -0.01, 0.02, 0.5, 2.5])
    num = (act.forward(z + H) - act.forward(z - H)) / (2 * H)
    np.testing.assert_allclose(act.derivative(z, act.forward(z)), num, rtol=1e-6, atol=1e-9)


def test_activation_values():
    z = np.array([-2.0, 0.5])
    np.testing.assert_allclose(get_activation("sigmoid")(z), ref_sigmoid(z))
    np.testing.assert_allclose(get_activation("tanh")(z), np.tanh(z))
    np.testing.assert_array_equal(get_activation("relu")(z), [0.0, 0.5])
    np.testing.assert_allclose(get_activation("leaky-relu")(z), [-0.02, 0.5])
    np.testing.assert_array_equal(get_activation("none")(z), z)


def test_sigmoid_is_stable_and_symmetric():
    z = np.array([-1e308, -1000.0, -40.0, 0.0, 40.0, 1000.0, 1e308, -np.inf, np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(z)
    assert np.all(np.isfinite(s))
    assert s[3] == 0.5
    np.testing.assert_allclose(s[:3] + s[6:3:-1], 1.0)
    assert s[0] == 0.0
    assert s[6] == 1.0
    assert s[7] == 0.0
    assert s[8] == 1.0


# ------------------------------------------------------------------ no warnings
EXTREME_X = [
    np.array([[1e308, -1e308], [1e300, 1e300], [-1e300, 1e300]]),
    np.array([[1e6, -1e6], [0.5, 0.5]]),
    np.array([[np.inf, 0.0], [-np.inf, 1.0]]),
]


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("hidden", [(4, 4), (64, 64)])
def test_no_runtime_warning_on_extreme_inputs(activation, hidden):
    net = Network(hidden, activation, "normal", np.random.default_rng(0))
    act = get_activation(activation)
    z = np.array([-np.inf, -1e308, -1000.0, 0.0, 1000.0, 1e308, np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        act.derivative(z, act.forward(z))
        for X in EXTREME_X:
            yhat, _ = net.forward(X)
            assert yhat.shape == (len(X), 1)
            for loss_name in LOSSES:
                y = np.ones((len(X), 1))
                evaluate(net, X, y, get_loss(loss_name))


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
def test_losses_finite_at_saturated_output(loss_name):
    loss = get_loss(loss_name)
    yhat = np.array([[0.0], [1.0], [0.0], [1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(loss.value(yhat, y))
        assert np.all(np.isfinite(loss.dZ(yhat, y)))
