"""Hidden-layer activations: each maps Z to A and back-propagates dA to dZ.

Every activation works element-wise on arrays of any shape. ``backward`` receives both
the pre-activation ``Z`` and the activation ``A = forward(Z)`` so each one can use the
cheaper of the two (the report writes σ'(z) through the output: σ' = A(1 − A)).
"""

from __future__ import annotations

import numpy as np

__all__ = ["ACTIVATIONS", "Activation", "get_activation", "sigmoid", "sigmoid_into"]


def sigmoid(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """σ(Z) = 1 / (1 + e^−Z) for any Z (same shape as Z), into ``out`` if given (float64,
    Z's shape; it may be Z itself). No warning ever: where e^−Z overflows (Z < −709)
    the result is 1/(1 + inf) = 0, within one subnormal of the true value."""
    with np.errstate(over="ignore"):
        return sigmoid_into(np.asarray(Z, dtype=float), out)


def sigmoid_into(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``sigmoid`` in four ufunc passes, for loops that already silence overflow."""
    out = np.negative(Z, out=out)
    np.exp(out, out=out)
    np.add(out, 1.0, out=out)
    return np.reciprocal(out, out=out)


class Activation:
    """An element-wise function with its derivative.

    ``forward(Z) -> A`` and ``backward(dA, Z, A) -> dZ``, all arrays of one shape. Both
    take an optional ``out`` (it may be one of the inputs) so a training loop can run on
    preallocated buffers; without it they return a fresh array.
    """

    name = "activation"
    code = -1  # the compiled kernel's number for this activation

    def forward(self, Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        """∂A/∂Z element-wise."""
        raise NotImplementedError

    def backward(self, dA: np.ndarray, Z: np.ndarray, A: np.ndarray,
                 out: np.ndarray | None = None) -> np.ndarray:
        """dZ = dA · ∂A/∂Z."""
        return np.multiply(dA, self.derivative(Z, A), out=out)

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        return self.forward(Z)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sigmoid(Activation):
    """A = σ(Z); ∂A/∂Z = A(1 − A)."""

    name, code = "sigmoid", 0

    def forward(self, Z, out=None):
        return sigmoid(Z, out=out)

    def derivative(self, Z, A):
        return A * (1.0 - A)

    def backward(self, dA, Z, A, out=None):
        d = np.subtract(1.0, A)
        d *= A
        return np.multiply(dA, d, out=out)


class Tanh(Activation):
    """A = tanh(Z); ∂A/∂Z = 1 − A²."""

    name, code = "tanh", 1

    def forward(self, Z, out=None):
        return np.tanh(Z, out=out)

    def derivative(self, Z, A):
        return 1.0 - A * A


class ReLU(Activation):
    """A = max(0, Z); ∂A/∂Z = 1 where Z > 0, else 0."""

    name, code = "relu", 2

    def forward(self, Z, out=None):
        return np.maximum(Z, 0.0, out=out)

    def derivative(self, Z, A):
        return (Z > 0).astype(float)

    def backward(self, dA, Z, A, out=None):
        if out is None:
            out = np.array(dA, dtype=float, copy=True)
        elif out is not dA:
            np.copyto(out, dA)
        np.copyto(out, 0.0, where=Z <= 0)
        return out


class LeakyReLU(Activation):
    """A = Z where Z > 0, else αZ (α = 0.01); ∂A/∂Z = 1 or α."""

    name, code = "leaky-relu", 3
    alpha = 0.01

    def forward(self, Z, out=None):
        small = np.multiply(Z, self.alpha)
        return np.maximum(Z, small, out=out)

    def derivative(self, Z, A):
        return np.where(Z > 0, 1.0, self.alpha)


class Identity(Activation):
    """A = Z (the lab's "without activation functions"); ∂A/∂Z = 1."""

    name, code = "none", 4

    def forward(self, Z, out=None):
        if out is None:
            return np.array(Z, dtype=float, copy=True)
        np.copyto(out, Z)
        return out

    def derivative(self, Z, A):
        return np.ones_like(Z, dtype=float)

    def backward(self, dA, Z, A, out=None):
        return self.forward(dA, out)


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Sigmoid, Tanh, ReLU, LeakyReLU, Identity)
}


def get_activation(name: str) -> Activation:
    """The activation called ``name`` (one of ``ACTIVATIONS``); KeyError otherwise."""
    return ACTIVATIONS[name]()
