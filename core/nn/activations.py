"""Hidden-layer activations: each maps Z to A and back-propagates dA to dZ.

Every activation works element-wise on arrays of any shape. ``backward`` receives both
the pre-activation ``Z`` and the activation ``A = forward(Z)`` so each one can use the
cheaper of the two (the report writes σ'(z) through the output: σ' = A(1 − A)).
"""

from __future__ import annotations

import numpy as np

__all__ = ["ACTIVATIONS", "Activation", "get_activation", "sigmoid"]


def sigmoid(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """σ(Z) = 1 / (1 + e^−Z) without overflow for any Z (same shape as Z), into ``out``
    if given (float64, Z's shape; it may be Z itself).

    With e = e^−|Z| ∈ (0, 1]: σ = 1/(1 + e) where Z ≥ 0 and e·σ(|Z|) = e/(1 + e) where
    Z < 0, so no exponential ever overflows. NaN stays NaN. One temporary array.
    """
    Z = np.asarray(Z, dtype=float)
    negative = Z < 0.0
    e = np.abs(Z)
    np.negative(e, out=e)
    np.exp(e, out=e)
    out = np.add(e, 1.0, out=out)
    np.divide(1.0, out, out=out)
    np.multiply(e, out, out=e)
    np.copyto(out, e, where=negative)
    return out


class Activation:
    """An element-wise function with its derivative.

    ``forward(Z) -> A`` and ``backward(dA, Z, A) -> dZ``, all arrays of one shape.
    """

    name = "activation"
    code = -1  # the compiled kernel's number for this activation

    def forward(self, Z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        """∂A/∂Z element-wise."""
        raise NotImplementedError

    def backward(self, dA: np.ndarray, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        """dZ = dA · ∂A/∂Z."""
        return dA * self.derivative(Z, A)

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        return self.forward(Z)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sigmoid(Activation):
    """A = σ(Z); ∂A/∂Z = A(1 − A)."""

    name, code = "sigmoid", 0

    def forward(self, Z):
        return sigmoid(Z)

    def derivative(self, Z, A):
        return A * (1.0 - A)


class Tanh(Activation):
    """A = tanh(Z); ∂A/∂Z = 1 − A²."""

    name, code = "tanh", 1

    def forward(self, Z):
        return np.tanh(Z)

    def derivative(self, Z, A):
        return 1.0 - A * A


class ReLU(Activation):
    """A = max(0, Z); ∂A/∂Z = 1 where Z > 0, else 0."""

    name, code = "relu", 2

    def forward(self, Z):
        return np.maximum(Z, 0.0)

    def derivative(self, Z, A):
        return (Z > 0).astype(float)


class LeakyReLU(Activation):
    """A = Z where Z > 0, else αZ (α = 0.01); ∂A/∂Z = 1 or α."""

    name, code = "leaky-relu", 3
    alpha = 0.01

    def forward(self, Z):
        return np.where(Z > 0, Z, self.alpha * Z)

    def derivative(self, Z, A):
        return np.where(Z > 0, 1.0, self.alpha)


class Identity(Activation):
    """A = Z (the lab's "without activation functions"); ∂A/∂Z = 1."""

    name, code = "none", 4

    def forward(self, Z):
        return np.array(Z, dtype=float, copy=True)

    def derivative(self, Z, A):
        return np.ones_like(Z, dtype=float)


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Sigmoid, Tanh, ReLU, LeakyReLU, Identity)
}


def get_activation(name: str) -> Activation:
    """The activation called ``name`` (one of ``ACTIVATIONS``); KeyError otherwise."""
    return ACTIVATIONS[name]()
