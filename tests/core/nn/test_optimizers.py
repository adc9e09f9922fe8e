"""Optimisers on hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.nn.optimizers import OPTIMIZERS, SGD, Adam, Momentum, make_optimizer


def test_sgd_step():
    theta = np.array([1.0, -2.0, 0.5])
    SGD(0.1).step(theta, np.array([3.0, -1.0, 2.0]))
    np.testing.assert_allclose(theta, [0.7, -1.9, 0.3])


def test_sgd_updates_in_place():
    W = np.zeros(3)
    ref = W
    SGD(1.0).step(W, np.ones(3))
    assert ref is W
    np.testing.assert_array_equal(ref, [-1.0, -1.0, -1.0])


def test_momentum_two_steps():
    p = np.array([1.0])
    opt = Momentum(0.1, momentum=0.9)
    opt.step(p, np.array([2.0]))
    # PyTorch's rule: b1 = g = 2; p = 1 − 0.1·2 = 0.8
    assert p[0] == pytest.approx(0.8)
    opt.step(p, np.array([1.0]))
    # b2 = 0.9·2 + 1 = 2.8; p = 0.8 − 0.1·2.8 = 0.52
    assert p[0] == pytest.approx(0.52)


def test_adam_first_two_steps_with_bias_correction():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    p = np.array([1.0, -1.0])
    opt = Adam(lr)
    g1 = np.array([0.5, -2.0])
    opt.step(p, g1)
    # step 1: m̂ = g, v̂ = g², so the step is lr·g/(|g| + eps) ≈ lr·sign(g)
    expected1 = np.array([1.0, -1.0]) - lr * g1 / (np.abs(g1) + eps)
    np.testing.assert_allclose(p, expected1, rtol=1e-12)
    np.testing.assert_allclose(p, [0.99, -0.99], rtol=1e-6)
    g2 = np.array([1.0, 1.0])
    opt.step(p, g2)
    m = b1 * (1 - b1) * g1 + (1 - b1) * g2
    v = b2 * (1 - b2) * g1**2 + (1 - b2) * g2**2
    m_hat = m / (1 - b1**2)
    v_hat = v / (1 - b2**2)
    expected2 = expected1 - lr * m_hat / (np.sqrt(v_hat) + eps)
    np.testing.assert_allclose(p, expected2, rtol=1e-12)
    # first coordinate by hand: m = 0.045 + 0.1 = 0.145, m̂ = 0.145/0.19
    #                           v = 0.00024975 + 0.001 = 0.00124975, v̂ = v/0.001999
    step = 0.01 * (0.145 / 0.19) / math.sqrt(0.00124975 / 0.001999)
    assert p[0] == pytest.approx(0.99 - step, rel=1e-7)
    assert opt.t[0] == 2


def test_lr_is_a_plain_attribute():
    p = np.array([0.0])
    opt = SGD(0.1)
    opt.lr = 1.0
    opt.step(p, np.array([1.0]))
    assert p[0] == -1.0


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_make_optimizer(name):
    opt = make_optimizer(name, 0.05, 0.5)
    assert opt.name == name
    assert opt.lr == 0.05
    assert "0.05" in repr(opt)


def test_make_optimizer_passes_momentum():
    assert make_optimizer("momentum", 0.1, 0.5).momentum == 0.5


def test_make_optimizer_unknown():
    with pytest.raises(KeyError):
        make_optimizer("rmsprop", 0.1)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_state_round_trips_and_shapes_are_checked(name):
    opt = make_optimizer(name, 0.1)
    theta = np.array([1.0, 2.0])
    for g in (np.array([0.5, -1.0]), np.array([1.0, 1.0])):
        opt.step(theta, g)
    state = opt.state()
    other = make_optimizer(name, 0.1).bind(2)
    other.load_state(state)
    a, b = theta.copy(), theta.copy()
    opt.step(a, np.array([0.3, 0.3]))
    other.step(b, np.array([0.3, 0.3]))
    assert np.array_equal(a, b)
    with pytest.raises(ValueError, match="shape"):
        make_optimizer(name, 0.1).bind(3).load_state(state) if name != "sgd" else (
            make_optimizer(name, 0.1).load_state({**state, "t": np.zeros(2, np.int64)}))
