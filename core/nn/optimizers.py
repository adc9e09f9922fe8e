"""Optimisers: update a flat parameter buffer in place from its gradient.

``step(theta, grad)`` with two float64 arrays of one shape (a network's ``theta`` and
a gradient laid out the same way). The state (momentum buffer; Adam's m, v and step
count) lives in preallocated arrays shaped like theta, so a step allocates nothing and
the compiled kernel updates the very same arrays. ``lr`` is a plain attribute, so a
trainer can change it between updates. The rules are PyTorch's
(``torch.optim.SGD(momentum=μ)``, ``torch.optim.Adam``), written the same way:

    sgd       θ ← θ − η·g
    momentum  b ← μ·b + g  (b = g at the first step);  θ ← θ − η·b
    adam      m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  t ← t + 1
              θ ← θ − (η / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
"""

from __future__ import annotations

import math

import numpy as np

from core.nn.network import aligned_zeros

__all__ = ["OPTIMIZERS", "SGD", "Adam", "Momentum", "Optimizer", "make_optimizer"]


class Optimizer:
    """Base class: ``step(theta, grad)`` updates ``theta`` in place.

    ``code`` is the compiled kernel's number for the rule; ``state()`` and
    ``load_state()`` carry the state through a checkpoint.
    """

    name = "optimizer"
    code = -1
    folds_lr = False
    """True when ``step_folded`` exists: a step on a gradient already scaled by lr."""

    def __init__(self, lr: float) -> None:
        self.lr = float(lr)
        self.t = np.zeros(1, dtype=np.int64)  # updates so far (an array: kernels add to it)
        self.s1 = np.zeros(0)  # first state buffer (momentum b, Adam m), empty until used
        self.s2 = np.zeros(0)  # second state buffer (Adam v)
        self._scratch = np.zeros(0)

    def bind(self, size: int) -> Optimizer:
        """Allocate the state for a buffer of ``size`` parameters (idempotent)."""
        if self._scratch.shape[0] != size:
            self._scratch = np.zeros(size)
        return self

    def hyper(self) -> np.ndarray:
        """(lr, μ, β1, β2, ε) as the kernels read them."""
        return np.array([self.lr, 0.0, 0.0, 0.0, 0.0])

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError

    def state(self) -> dict[str, np.ndarray]:
        """Copies of the state arrays, by name (for a checkpoint)."""
        return {"t": self.t.copy(), "s1": self.s1.copy(), "s2": self.s2.copy()}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        """Restore ``state()``'s arrays (shapes must match what ``bind`` made)."""
        for key in ("t", "s1", "s2"):
            live, new = getattr(self, key), np.asarray(state[key])
            if new.shape != live.shape:
                raise ValueError(f"optimizer state {key} has shape {new.shape}, "
                                 f"expected {live.shape}")
            live[...] = new

    def _flat(self, theta: np.ndarray, grad: np.ndarray):
        flat, g = theta.reshape(-1), grad.reshape(-1)
        self.bind(flat.shape[0])
        return flat, g, self._scratch

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr:g})"


class SGD(Optimizer):
    """θ ← θ − η·g (the report's rule)."""

    name, code = "sgd", 0
    folds_lr = True

    def step(self, theta, grad):
        flat, g, s = self._flat(theta, grad)
        np.multiply(g, self.lr, out=s)
        np.subtract(flat, s, out=flat)
        self.t += 1

    def step_folded(self, theta, grad):
        """θ ← θ − g for a gradient already multiplied by η (an engine can fold η into
        its small factors, as the compiled kernel does: one pass over θ, not two)."""
        flat = theta.reshape(-1)
        np.subtract(flat, grad.reshape(-1), out=flat)
        self.t += 1


class Momentum(Optimizer):
    """PyTorch's SGD with momentum μ: b ← μ·b + g (b = g at first), θ ← θ − η·b."""

    name, code = "momentum", 1

    def __init__(self, lr: float, momentum: float = 0.9) -> None:
        super().__init__(lr)
        self.momentum = float(momentum)

    def bind(self, size: int) -> Momentum:
        if self.s1.shape[0] != size:
            self.s1 = aligned_zeros(size)
        return super().bind(size)

    def hyper(self) -> np.ndarray:
        return np.array([self.lr, self.momentum, 0.0, 0.0, 0.0])

    def step(self, theta, grad):
        flat, g, s = self._flat(theta, grad)
        b = self.s1  # zeros before the first step, so b = μ·0 + g = g exactly there
        np.multiply(b, self.momentum, out=b)
        np.add(b, g, out=b)
        np.multiply(b, self.lr, out=s)
        np.subtract(flat, s, out=flat)
        self.t += 1


class Adam(Optimizer):
    """Adam (Kingma & Ba) as PyTorch computes it: bias-corrected moments of g."""

    name, code = "adam", 2

    def __init__(
        self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        super().__init__(lr)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    def bind(self, size: int) -> Adam:
        if self.s1.shape[0] != size:
            self.s1, self.s2 = aligned_zeros(size), aligned_zeros(size)
        return super().bind(size)

    def hyper(self) -> np.ndarray:
        return np.array([self.lr, 0.0, self.beta1, self.beta2, self.eps])

    def step(self, theta, grad):
        flat, g, s = self._flat(theta, grad)
        m, v = self.s1, self.s2
        self.t += 1
        t = int(self.t[0])
        step_size = self.lr / (1.0 - self.beta1**t)
        c2_sqrt = math.sqrt(1.0 - self.beta2**t)
        np.multiply(m, self.beta1, out=m)
        np.multiply(g, 1.0 - self.beta1, out=s)
        np.add(m, s, out=m)  # m = β1·m + (1 − β1)·g
        np.multiply(v, self.beta2, out=v)
        np.multiply(g, g, out=s)
        np.multiply(s, 1.0 - self.beta2, out=s)
        np.add(v, s, out=v)  # v = β2·v + (1 − β2)·g²
        np.sqrt(v, out=s)
        np.divide(s, c2_sqrt, out=s)
        np.add(s, self.eps, out=s)  # denominator √v / √(1 − β2ᵗ) + ε
        np.divide(m, s, out=s)
        np.multiply(s, step_size, out=s)
        np.subtract(flat, s, out=flat)


OPTIMIZERS = ("sgd", "momentum", "adam")


def make_optimizer(name: str, lr: float, momentum: float = 0.9) -> Optimizer:
    """The optimiser called ``name`` (one of ``OPTIMIZERS``) at learning rate ``lr``."""
    if name == "sgd":
        return SGD(lr)
    if name == "momentum":
        return Momentum(lr, momentum)
    if name == "adam":
        return Adam(lr)
    raise KeyError(name)
