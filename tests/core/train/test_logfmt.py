"""The report's log lines, exactly, and the metrics they print."""

from __future__ import annotations

import numpy as np
import pytest

from core.datasets import generate
from core.nn.losses import get_loss
from core.nn.metrics import evaluate, score
from core.train.logfmt import (
    FINISHED,
    PREDICTIONS_HEADER,
    epoch_line,
    final_lines,
    prediction_lines,
    time_line,
)


def test_epoch_line_as_in_the_report():
    assert epoch_line(0, 15.3336, 53.34) == "Epoch    0, loss: 15.3336, accuracy: 53.34%"
    assert epoch_line(250, 3.2052, 84.74) == "Epoch  250, loss: 3.2052, accuracy: 84.74%"
    assert epoch_line(5000, 0.4907, 96.74) == "Epoch 5000, loss: 0.4907, accuracy: 96.74%"


def test_epoch_line_rounds():
    assert epoch_line(7, 0.123456, 99.999) == "Epoch    7, loss: 0.1235, accuracy: 100.00%"


def test_wide_epochs_print_wider():
    assert epoch_line(35800, 34.0, 50.72) == "Epoch 35800, loss: 34.0000, accuracy: 50.72%"


def test_finished_banner():
    assert FINISHED == "***** Training finished *****"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (20.0, "0.0 minutes 20.0 seconds"),
        (19.5, "0.0 minutes 19.5 seconds"),
        (120.8, "2.0 minutes 0.8 seconds"),
        (392.0, "6.0 minutes 32.0 seconds"),
        (219.2, "3.0 minutes 39.2 seconds"),
        (0.0, "0.0 minutes 0.0 seconds"),
    ],
)
def test_time_line(seconds, text):
    assert time_line(seconds) == f"Model Training time taken: {text}"


def test_final_lines_order():
    assert final_lines(5000, 0.4907, 96.74, 20.0) == [
        "***** Training finished *****",
        "Epoch 5000, loss: 0.4907, accuracy: 96.74%",
        "Model Training time taken: 0.0 minutes 20.0 seconds",
    ]


def test_prediction_lines_are_numpys_print():
    yhat = np.array([0.99999999, 0.00290238228, 1.5e-5])
    lines = prediction_lines(yhat)
    assert lines[0] == "SimpleNet Predicted Probabilities:" == PREDICTIONS_HEADER
    assert "\n".join(lines[1:]) == str(yhat.reshape(-1, 1))
    assert lines[1] == "[[9.99999990e-01]"
    assert lines[2] == " [2.90238228e-03]"
    assert lines[3] == " [1.50000000e-05]]"
    assert len(lines) == 4


# ------------------------------------------------------------------ metrics
def test_loss_is_a_sum_and_soft_accuracy():
    yhat = np.array([[0.9], [0.2], [0.6], [0.5]])
    y = np.array([[1.0], [0.0], [0.0], [1.0]])
    m = score(yhat, y, get_loss("mse"))
    assert m.loss == pytest.approx(0.01 + 0.04 + 0.36 + 0.25)
    assert m.soft_acc == pytest.approx((1 - (0.1 + 0.2 + 0.6 + 0.5) / 4) * 100)
    # ŷ ≥ 0.5 counts as 1: right, right, wrong, right (0.5 → 1)
    assert m.acc == pytest.approx(75.0)
    assert m.accuracy("soft") == m.soft_acc
    assert m.accuracy("threshold") == m.acc


def test_report_stuck_xor_figures():
    d = generate("xor-grid", 70, 0.0, np.random.default_rng(0))
    assert len(d) == 69

    class Zero:
        def predict(self, X):
            return np.full((len(X), 1), 1e-9)

    m, yhat = evaluate(Zero(), d.X, d.y, get_loss("mse"))
    assert yhat.shape == (69, 1)
    assert f"{m.loss:.2f}" == "34.00"
    assert f"{m.soft_acc:.2f}" == "50.72"
    assert epoch_line(40000, m.loss, m.soft_acc) == "Epoch 40000, loss: 34.0000, accuracy: 50.72%"
    assert m.acc == pytest.approx(35 / 69 * 100)
