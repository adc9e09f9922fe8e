"""The network: 2 inputs → hidden layers → 1 sigmoid output, forward and backward.

Layer l (1-based, as the report names them) holds ``W{l}`` of shape (fan_in, fan_out) and
``B{l}`` of shape (fan_out,):

    Z_l = A_{l-1} · W_l + B_l        A_0 = X (n, 2)
    A_l = act(Z_l)                    hidden layers
    ŷ   = σ(Z_L)                      output layer, (n, 1)

``backward`` walks the same lines in reverse, each gradient named ``d<name>``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.nn.activations import Activation, get_activation, sigmoid
from core.nn.losses import Loss

__all__ = ["INITS", "Cache", "Network"]

INITS = ("normal", "xavier", "he")


@dataclass
class Cache:
    """What the forward pass keeps for the backward pass: Zs[l], As[l] for l = 0..L."""

    Zs: list[np.ndarray]
    As: list[np.ndarray]


class Network:
    """A fully connected binary classifier with sigmoid output.

    ``sizes`` is (2, h1, …, hk, 1). ``Ws[i]`` (sizes[i], sizes[i+1]) and ``Bs[i]``
    (sizes[i+1],) are float64, C-contiguous and updated in place by optimisers.
    """

    def __init__(
        self,
        hidden: tuple[int, ...] = (64, 64),
        activation: str = "sigmoid",
        init: str = "normal",
        rng: np.random.Generator | None = None,
        n_inputs: int = 2,
    ) -> None:
        self.sizes: tuple[int, ...] = (n_inputs, *(int(h) for h in hidden), 1)
        self.act: Activation = get_activation(activation)
        self.init = init
        rng = rng if rng is not None else np.random.default_rng()
        shapes = list(zip(self.sizes[:-1], self.sizes[1:]))
        # The report draws every W first, then every B, all from N(0, 1).
        self.Ws = [self._draw_weight(rng, fan_in, fan_out) for fan_in, fan_out in shapes]
        if init == "normal":
            self.Bs = [rng.normal(0.0, 1.0, size=fan_out) for _, fan_out in shapes]
        else:
            self.Bs = [np.zeros(fan_out) for _, fan_out in shapes]

    def _draw_weight(self, rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
        if self.init == "normal":
            scale = 1.0
        elif self.init == "xavier":
            scale = np.sqrt(2.0 / (fan_in + fan_out))
        elif self.init == "he":
            scale = np.sqrt(2.0 / fan_in)
        else:
            raise ValueError(f"unknown init {self.init!r}; choose one of {', '.join(INITS)}")
        return rng.normal(0.0, scale, size=(fan_in, fan_out))

    # ----------------------------------------------------------------- parameters
    @property
    def hidden(self) -> tuple[int, ...]:
        """Hidden-layer sizes (h1, …, hk)."""
        return self.sizes[1:-1]

    @property
    def n_layers(self) -> int:
        """Number of weight layers L (hidden layers + output)."""
        return len(self.Ws)

    def params(self) -> list[np.ndarray]:
        """[W1, …, WL, B1, …, BL], the live arrays (not copies)."""
        return [*self.Ws, *self.Bs]

    def named_params(self) -> dict[str, np.ndarray]:
        """{"W1": …, "B1": …}: the live arrays by the report's names."""
        out = {f"W{i + 1}": W for i, W in enumerate(self.Ws)}
        out.update({f"B{i + 1}": B for i, B in enumerate(self.Bs)})
        return out

    def set_params(self, named: dict[str, np.ndarray]) -> None:
        """Copy arrays named W1…WL, B1…BL into the network; shapes must match exactly."""
        for name, live in self.named_params().items():
            if name not in named:
                raise ValueError(f"missing array {name}")
            new = np.asarray(named[name], dtype=float)
            if new.shape != live.shape:
                raise ValueError(f"{name} has shape {new.shape}, expected {live.shape}")
            live[...] = new

    def copy_params(self) -> dict[str, np.ndarray]:
        """An independent snapshot {"W1": copy, …}."""
        return {k: v.copy() for k, v in self.named_params().items()}

    def all_finite(self) -> bool:
        """True when no weight or bias is NaN or infinite."""
        return all(np.isfinite(p).all() for p in self.params())

    # ----------------------------------------------------------------- passes
    def forward(self, X: np.ndarray) -> tuple[np.ndarray, Cache]:
        """X (n, 2) → ŷ (n, 1), plus the cache the backward pass needs."""
        A = np.asarray(X, dtype=float)
        Zs, As = [A], [A]
        last = self.n_layers - 1
        # Extreme inputs or diverged weights may overflow to inf/NaN: no warning, the
        # trainer detects non-finite values itself.
        with np.errstate(over="ignore", invalid="ignore"):
            for i, (W, B) in enumerate(zip(self.Ws, self.Bs)):
                Z = A @ W + B
                A = sigmoid(Z) if i == last else self.act.forward(Z)
                Zs.append(Z)
                As.append(A)
        return A, Cache(Zs, As)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """ŷ (n, 1) for X (n, 2), no cache kept."""
        return self.forward(X)[0]

    def backward(
        self, cache: Cache, y: np.ndarray, loss: Loss
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Gradients of the summed ``loss`` over the cached batch: (dWs, dBs).

        dZ_L = loss.dZ(ŷ, y)                       (n, 1)
        dW_l = A_{l-1}ᵀ · dZ_l                      (fan_in, fan_out)
        dB_l = Σ_rows dZ_l                          (fan_out,)
        dA_{l-1} = dZ_l · W_lᵀ
        dZ_{l-1} = act.backward(dA_{l-1}, Z_{l-1}, A_{l-1})
        """
        Zs, As = cache.Zs, cache.As
        L = self.n_layers
        dWs: list[np.ndarray] = [np.empty(0)] * L
        dBs: list[np.ndarray] = [np.empty(0)] * L
        dZ = loss.dZ(As[L], np.asarray(y, dtype=float).reshape(-1, 1))
        for i in range(L - 1, -1, -1):
            dWs[i] = As[i].T @ dZ
            dBs[i] = dZ.sum(axis=0)
            if i > 0:
                dA = dZ @ self.Ws[i].T
                dZ = self.act.backward(dA, Zs[i], As[i])
        return dWs, dBs

    def __repr__(self) -> str:
        shape = "→".join(str(s) for s in self.sizes)
        return f"Network({shape}, activation={self.act.name!r}, init={self.init!r})"
