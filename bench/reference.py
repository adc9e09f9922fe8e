"""The lab report's network, re-implemented faithfully as the speed baseline.

This is the code style the report shows (seed-report.txt): weights in dicts named
``W1``…``W3`` / ``B1``…``B3``, ``np.dot`` per point, fresh gradient arrays every step,
``W -= lr * grad``, σ(x) = 1 / (1 + e^−x) and σ' written through the output, y(1 − y).
It is deliberately *not* optimised: ``bench/speed.py`` measures bp-tui's engines
against it. Only the benchmark imports this module.

Shapes: X (n, 2), y (n, 1); W1 (2, h1), W2 (h1, h2), W3 (h2, 1); B1 (h1,), B2 (h2,), B3 (1,).
"""

from __future__ import annotations

import numpy as np

__all__ = ["ReportNet", "der_sigmoid", "sigmoid"]


def sigmoid(x):
    """The report's σ(x) = 1 / (1 + e^−x) (overflows in exp for x < −709, as it did)."""
    return 1 / (1 + np.exp(-x))


def der_sigmoid(y):
    """The report's σ' written through the output y = σ(x): y(1 − y)."""
    return y * (1 - y)


class ReportNet:
    """2 → h1 → h2 → 1, sigmoid everywhere, L = (y − ŷ)², per-point SGD, as reported."""

    def __init__(self, hidden1_size, hidden2_size, learn_rate, rng, input_size=2, output_size=1):
        self.learn_rate = learn_rate
        self.hidden_weights = {
            "W1": rng.normal(loc=0, scale=1, size=(input_size, hidden1_size)),
            "W2": rng.normal(loc=0, scale=1, size=(hidden1_size, hidden2_size)),
            "W3": rng.normal(loc=0, scale=1, size=(hidden2_size, output_size)),
        }
        self.hidden_biases = {
            "B1": rng.normal(loc=0, scale=1, size=(hidden1_size)),
            "B2": rng.normal(loc=0, scale=1, size=(hidden2_size)),
            "B3": rng.normal(loc=0, scale=1, size=(output_size)),
        }

    def set_params(self, Ws, Bs):
        """Copy bp-tui's ``Ws`` / ``Bs`` lists in, so both start from one state."""
        for i in range(3):
            self.hidden_weights[f"W{i + 1}"] = np.array(Ws[i], dtype=float)
            self.hidden_biases[f"B{i + 1}"] = np.array(Bs[i], dtype=float)

    def forward(self, inputs):
        """Implementation of the forward pass."""
        ##### 1st hidden layer
        Z1 = np.dot(inputs, self.hidden_weights["W1"]) + self.hidden_biases["B1"]
        self.X1 = sigmoid(Z1)
        ##### 2nd hidden layer
        Z2 = np.dot(self.X1, self.hidden_weights["W2"]) + self.hidden_biases["B2"]
        self.X2 = sigmoid(Z2)
        ##### output layer
        Z3 = np.dot(self.X2, self.hidden_weights["W3"]) + self.hidden_biases["B3"]
        NNpred = sigmoid(Z3)
        return NNpred

    def backward(self, inputs, grad_Loss, NNpred):
        """Implementation of the backward pass (gradients, then the SGD update)."""
        ########## Calculate Gradients ##########
        ##### output layer
        grad_Z3 = grad_Loss * der_sigmoid(NNpred)
        grad_W3 = grad_Z3 * (self.X2).T
        grad_B3 = grad_Z3.squeeze()
        ##### 2nd hidden layer
        grad_Z2 = np.dot(grad_Z3, self.hidden_weights["W3"].T) * der_sigmoid(self.X2)
        grad_W2 = np.dot(self.X1.T, grad_Z2)
        grad_B2 = grad_Z2.squeeze()
        ##### 1st hidden layer
        grad_Z1 = np.dot(grad_Z2, self.hidden_weights["W2"].T) * der_sigmoid(self.X1)
        grad_W1 = np.dot(inputs.T, grad_Z1)
        grad_B1 = grad_Z1.squeeze()
        ######### Update Model Parameters ##########
        self.hidden_weights["W1"] -= self.learn_rate * grad_W1
        self.hidden_weights["W2"] -= self.learn_rate * grad_W2
        self.hidden_weights["W3"] -= self.learn_rate * grad_W3
        self.hidden_biases["B1"] -= self.learn_rate * grad_B1
        self.hidden_biases["B2"] -= self.learn_rate * grad_B2
        self.hidden_biases["B3"] -= self.learn_rate * grad_B3

    def train_epoch(self, X, y):
        """One epoch of the report's per-point SGD, in data order."""
        for i in range(X.shape[0]):
            inputs = X[i : i + 1, :]
            NNpred = self.forward(inputs)
            grad_Loss = 2 * (NNpred - y[i : i + 1, :])
            self.backward(inputs, grad_Loss, NNpred)

    def train_epoch_full_batch(self, X, y):
        """The same code fed the whole training set at once: one update per epoch."""
        NNpred = self.forward(X)
        grad_Loss = 2 * (NNpred - y)
        self.backward_batch(X, grad_Loss, NNpred)

    def backward_batch(self, inputs, grad_Loss, NNpred):
        """``backward`` for n > 1 points: the bias gradients sum over the batch."""
        grad_Z3 = grad_Loss * der_sigmoid(NNpred)
        grad_W3 = np.dot(self.X2.T, grad_Z3)
        grad_B3 = grad_Z3.sum(axis=0)
        grad_Z2 = np.dot(grad_Z3, self.hidden_weights["W3"].T) * der_sigmoid(self.X2)
        grad_W2 = np.dot(self.X1.T, grad_Z2)
        grad_B2 = grad_Z2.sum(axis=0)
        grad_Z1 = np.dot(grad_Z2, self.hidden_weights["W2"].T) * der_sigmoid(self.X1)
        grad_W1 = np.dot(inputs.T, grad_Z1)
        grad_B1 = grad_Z1.sum(axis=0)
        self.hidden_weights["W1"] -= self.learn_rate * grad_W1
        self.hidden_weights["W2"] -= self.learn_rate * grad_W2
        self.hidden_weights["W3"] -= self.learn_rate * grad_W3
        self.hidden_biases["B1"] -= self.learn_rate * grad_B1
        self.hidden_biases["B2"] -= self.learn_rate * grad_B2
        self.hidden_biases["B3"] -= self.learn_rate * grad_B3
