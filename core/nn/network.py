"""The network: 2 inputs → hidden layers → 1 sigmoid output, forward and backward.

Layer l (1-based, as the report names them) holds ``W{l}`` of shape (fan_in, fan_out) and
``B{l}`` of shape (fan_out,):

    Z_l = A_{l-1} · W_l + B_l        A_0 = X (n, 2)
    A_l = act(Z_l)                    hidden layers
    ŷ   = σ(Z_L)                      output layer, (n, 1)

``backward`` walks the same lines in reverse, each gradient named ``d<name>``.

Every W and B is a view into one flat float64 buffer ``theta`` laid out by a
``ParamLayout`` (each array starts on a 64-byte boundary), so an optimiser's state, a
gradient and the compiled kernel all address the parameters the same way, and one kernel
serves every depth.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from core.nn.activations import Activation, get_activation, sigmoid
from core.nn.losses import Loss

__all__ = ["ALIGN", "INITS", "Cache", "Grads", "Network", "ParamLayout", "aligned_zeros"]

INITS = ("normal", "xavier", "he")
ALIGN = 8
"""Every array of a layout starts at a multiple of this many float64s (64 bytes)."""


def aligned_zeros(n: int) -> np.ndarray:
    """A float64 (n,) array of zeros whose data starts on a 64-byte boundary."""
    buf = np.zeros(n + ALIGN)
    skip = (-buf.ctypes.data % 64) // 8
    return buf[skip : skip + n]


def _up(k: int) -> int:
    return -(-k // ALIGN) * ALIGN


@dataclass(frozen=True)
class ParamLayout:
    """Where W_l and B_l of a network with layer ``sizes`` (2, h1, …, 1) live in theta.

    ``w_offsets[l]`` / ``b_offsets[l]``: the first element of W_{l+1} (row-major,
    fan_in × fan_out) and of B_{l+1}; ``size``: the buffer length, padding included
    (padding stays 0 under every optimiser, its gradient being 0).
    """

    sizes: tuple[int, ...]
    w_offsets: tuple[int, ...]
    b_offsets: tuple[int, ...]
    size: int

    @classmethod
    def of(cls, sizes: tuple[int, ...]) -> ParamLayout:
        """The layout for layer sizes (n_inputs, h1, …, hk, 1)."""
        w_off, b_off, at = [], [], 0
        for fan_in, fan_out in pairwise(sizes):
            w_off.append(at)
            at = _up(at + fan_in * fan_out)
            b_off.append(at)
            at = _up(at + fan_out)
        return cls(tuple(int(s) for s in sizes), tuple(w_off), tuple(b_off), at)

    @property
    def n_layers(self) -> int:
        """Weight layers L (hidden layers + output)."""
        return len(self.sizes) - 1

    @property
    def n_params(self) -> int:
        """Real parameters (padding not counted)."""
        return sum(a * b + b for a, b in pairwise(self.sizes))

    def table(self) -> np.ndarray:
        """(L, 4) int64 rows (fan_in, fan_out, W offset, B offset): the kernels' view."""
        rows = [(a, b, w, o) for (a, b), w, o in
                zip(pairwise(self.sizes), self.w_offsets, self.b_offsets)]
        return np.array(rows, dtype=np.int64).reshape(-1, 4)

    def views(self, theta: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """([W1, …, WL], [B1, …, BL]) as views into ``theta`` (any array of ``size``)."""
        Ws, Bs = [], []
        for (a, b), w, o in zip(pairwise(self.sizes), self.w_offsets, self.b_offsets):
            Ws.append(theta[w : w + a * b].reshape(a, b))
            Bs.append(theta[o : o + b])
        return Ws, Bs

    def pack(self, dWs: list[np.ndarray], dBs: list[np.ndarray],
             out: np.ndarray | None = None) -> np.ndarray:
        """Arrays shaped like W1…WL, B1…BL written into one flat buffer (zero padding)."""
        flat = np.zeros(self.size) if out is None else out
        Ws, Bs = self.views(flat)
        for dst, src in zip([*Ws, *Bs], [*dWs, *dBs]):
            dst[...] = src
        return flat


@dataclass
class Cache:
    """What the forward pass keeps for the backward pass: Zs[l], As[l] for l = 0..L."""

    Zs: list[np.ndarray]
    As: list[np.ndarray]


@dataclass
class Grads:
    """Everything the backward pass computes, by layer l = 1..L at index l − 1:
    ``dZs[l-1]`` = ∂loss/∂Z_l (n, fan_out), ``dWs``, ``dBs`` shaped like W_l, B_l, and
    ``dAs[l-1]`` = ∂loss/∂A_{l-1} = dZ_l · W_lᵀ (n, fan_in), None for l = 1 (∂loss/∂X is
    never needed)."""

    dZs: list[np.ndarray]
    dAs: list[np.ndarray | None]
    dWs: list[np.ndarray]
    dBs: list[np.ndarray]


class Network:
    """A fully connected binary classifier with sigmoid output.

    ``sizes`` is (2, h1, …, hk, 1). ``Ws[i]`` (sizes[i], sizes[i+1]) and ``Bs[i]``
    (sizes[i+1],) are float64 views into ``theta`` (see ``ParamLayout``), updated in
    place by optimisers and kernels.
    """

    def __init__(
        self,
        hidden: tuple[int, ...] = (64, 64),
        activation: str = "sigmoid",
        init: str = "normal",
        rng: np.random.Generator | None = None,
        n_inputs: int = 2,
    ) -> None:
        if init not in INITS:
            raise ValueError(f"unknown init {init!r}; choose one of {', '.join(INITS)}")
        self.sizes: tuple[int, ...] = (n_inputs, *(int(h) for h in hidden), 1)
        self.act: Activation = get_activation(activation)
        self.init = init
        self.layout = ParamLayout.of(self.sizes)
        self.theta = aligned_zeros(self.layout.size)
        self.Ws, self.Bs = self.layout.views(self.theta)
        rng = rng if rng is not None else np.random.default_rng()
        # The report draws every W first, then every B, all from N(0, 1).
        for W in self.Ws:
            W[...] = rng.normal(0.0, self._scale(*W.shape), size=W.shape)
        if init == "normal":
            for B in self.Bs:
                B[...] = rng.normal(0.0, 1.0, size=B.shape)

    @classmethod
    def from_params(cls, named: dict[str, np.ndarray], activation: str = "sigmoid",
                    hidden: tuple[int, ...] | None = None) -> Network:
        """The network saved as ``named`` (W1 (2, h1), …, WL (hk, 1), B1…BL): its sizes
        read off the arrays, which it holds copies of. ``hidden``, when given, must match
        them. The one way a network is rebuilt from saved arrays; ValueError for missing
        or inconsistent arrays."""
        n_layers = sum(1 for k in named if k.startswith("W"))
        if n_layers < 1:
            raise ValueError("no weight arrays W1…")
        sizes = [int(np.shape(named["W1"])[0])] if "W1" in named else []
        for i in range(1, n_layers + 1):
            if f"W{i}" not in named or np.ndim(named[f"W{i}"]) != 2:
                raise ValueError(f"missing array W{i}")
            sizes.append(int(np.shape(named[f"W{i}"])[1]))
        if hidden is not None and tuple(sizes[1:-1]) != tuple(hidden):
            raise ValueError(f"hidden sizes {tuple(sizes[1:-1])}, expected {tuple(hidden)}")
        net = cls(tuple(sizes[1:-1]), activation, "xavier", np.random.default_rng(0),
                  n_inputs=sizes[0])
        net.set_params(named)
        return net

    def _scale(self, fan_in: int, fan_out: int) -> float:
        if self.init == "xavier":
            return float(np.sqrt(2.0 / (fan_in + fan_out)))
        if self.init == "he":
            return float(np.sqrt(2.0 / fan_in))
        return 1.0

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
        return bool(np.isfinite(self.theta).all())

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
        """Gradients of the summed ``loss`` over the cached batch: (dWs, dBs) (see
        ``backprop``)."""
        g = self.backprop(cache, y, loss)
        return g.dWs, g.dBs

    def backprop(self, cache: Cache, y: np.ndarray, loss: Loss) -> Grads:
        """The backward pass of the summed ``loss`` over the cached batch, every line kept:

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
        dZs: list[np.ndarray] = [np.empty(0)] * L
        dAs: list[np.ndarray | None] = [None] * L
        dZ = loss.dZ(As[L], np.asarray(y, dtype=float).reshape(-1, 1))
        for i in range(L - 1, -1, -1):
            dZs[i] = dZ
            dWs[i] = As[i].T @ dZ
            dBs[i] = dZ.sum(axis=0)
            if i > 0:
                dA = dAs[i] = dZ @ self.Ws[i].T
                dZ = self.act.backward(dA, Zs[i], As[i])
        return Grads(dZs, dAs, dWs, dBs)

    def gradient(self, X: np.ndarray, y: np.ndarray, loss: Loss) -> np.ndarray:
        """∂loss/∂theta (flat, laid out like ``theta``) of the summed loss over X, y."""
        _, cache = self.forward(X)
        with np.errstate(over="ignore", invalid="ignore"):
            dWs, dBs = self.backward(cache, y, loss)
        return self.layout.pack(dWs, dBs)

    def __repr__(self) -> str:
        shape = "→".join(str(s) for s in self.sizes)
        return f"Network({shape}, activation={self.act.name!r}, init={self.init!r})"
