"""core.analysis.diagnosis: saturation, gradient norms, the plateau detector, the verdict."""

from __future__ import annotations

import numpy as np
import pytest

from core.analysis.diagnosis import Measures, detect_plateau, diagnose, measure, saturation_share
from core.datasets import generate
from core.nn.losses import get_loss
from core.nn.network import Network


def _hand_net(w1, b1, w2, b2, activation="sigmoid") -> Network:
    net = Network((len(b1),), activation, "xavier", np.random.default_rng(0))
    net.set_params({"W1": np.array(w1, float), "B1": np.array(b1, float),
                    "W2": np.array(w2, float), "B2": np.array(b2, float)})
    return net


def test_sigmoid_saturation_share_by_hand():
    # Unit 1: Z = 100·x0 (saturated for x0 ≠ 0); unit 2: Z = 0 (σ = 0.5, never).
    net = _hand_net([[100.0, 0.0], [0.0, 0.0]], [0.0, 0.0], [[1.0], [1.0]], [0.0])
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0], [0.5, 0.5]])
    y = np.zeros((4, 1))
    m = measure(net, X, y, get_loss("mse"))
    # Hidden layer: 3 of 4 points saturate unit 1, none unit 2 → 3/8.
    assert m.saturation[0] == pytest.approx(3 / 8)
    assert len(m.saturation) == 2
    assert len(m.grad_norms) == 2
    assert m.zs[0].shape == (4, 2)


def test_relu_dead_units_and_tanh():
    Z = np.array([[-1.0, 2.0, -3.0], [-0.5, -1.0, -2.0]])
    assert saturation_share(np.maximum(Z, 0), Z, "relu") == pytest.approx(2 / 3)
    A = np.array([[0.995, 0.2], [-0.999, 0.0]])
    assert saturation_share(A, np.arctanh(A), "tanh") == pytest.approx(0.5)
    assert saturation_share(A, A, "none") == 0.0


def test_gradient_norms_match_the_backward_pass():
    net = Network((4, 3), "sigmoid", "normal", np.random.default_rng(5))
    data = generate("linear", 20, 0.0, np.random.default_rng(1))
    loss = get_loss("mse")
    m = measure(net, data.X, data.y, loss)
    _, cache = net.forward(data.X)
    dWs, _ = net.backward(cache, data.y, loss)
    np.testing.assert_allclose(m.grad_norms, [np.linalg.norm(d) for d in dWs])
    # And one entry of dW1 against a central difference, so the norms measure ∂loss/∂W.
    eps = 1e-6
    w = net.Ws[0]
    w[0, 0] += eps
    up = loss.value(net.predict(data.X), data.y)
    w[0, 0] -= 2 * eps
    down = loss.value(net.predict(data.X), data.y)
    w[0, 0] += eps
    assert dWs[0][0, 0] == pytest.approx((up - down) / (2 * eps), rel=1e-5)


def test_plateau_fires_on_a_stuck_run():
    epochs = list(range(0, 2001, 10))
    losses = [34.0 - 1e-6 * e for e in epochs]  # the report's run: loss 34.00 forever
    p = detect_plateau(epochs, losses, window=500, rel=1e-4)
    assert p is not None
    assert p.since == 0
    assert p.loss == pytest.approx(34.0, abs=0.01)


def test_plateau_stays_quiet_on_a_converging_run_and_short_history():
    epochs = list(range(0, 2001, 10))
    losses = [15.0 * np.exp(-e / 400) + 0.1 for e in epochs]
    assert detect_plateau(epochs, losses, window=500) is None
    assert detect_plateau(epochs[:40], [34.0] * 40, window=500) is None  # < window yet
    assert detect_plateau([], [], window=500) is None


def test_plateau_after_progress_reports_where_it_began():
    epochs = list(range(0, 3001, 10))
    losses = [max(20.0 - 0.01 * e, 5.0) for e in epochs]  # flat from epoch 1500
    p = detect_plateau(epochs, losses, window=500)
    assert p is not None
    assert p.since == 1500


def test_diagnose_names_saturation_and_small_lr():
    stuck = detect_plateau(list(range(0, 1001, 10)), [34.0] * 101, window=500)
    sat = Measures((0.8, 0.9, 1.0), (1e-9, 1e-9, 1e-9), (), 69)
    assert "saturated" in diagnose(stuck, sat, 0.0005)
    slow = Measures((0.1, 0.1, 0.2), (0.5, 0.5, 0.5), (), 69)
    assert "too small" in diagnose(stuck, slow, 1e-6)
    assert diagnose(None, sat, 0.1) == ""


def test_the_reports_stuck_start_is_saturation():
    """xor-grid n=70, (64,64), N(0,1) init, seed 11 (the report's stuck run): the output
    sigmoid is flat on every point from the start, so the gradients are tiny."""
    from core.config import RunConfig
    from core.run.session import build_data, seeded_rngs

    config = RunConfig(data="xor-grid", hidden=(64, 64), lr=0.0005, seed=11)
    data_rng, init_rng, _ = seeded_rngs(config.seed)
    data = build_data(config, data_rng)
    net = Network(config.hidden, "sigmoid", "normal", init_rng)
    m = measure(net, data.X, data.y, get_loss("mse"))
    assert m.saturation[-1] == 1.0  # ŷ < 0.01 or > 0.99 on all 69 points
    assert m.total_grad < 0.1
    stuck = detect_plateau([0, 250, 500, 750], [34.0] * 4, window=500)
    assert "output saturated on 100% of points" in diagnose(stuck, m, config.lr)
