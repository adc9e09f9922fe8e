"""The NumPy engine: per-point (the compiled kernel's fallback) and mini-batch training.

One implementation for both regimes: an epoch walks the points of ``order`` in batches
of ``batch_size`` (1 = the report's per-point SGD) and, for each batch, computes what
``Network.forward`` / ``Network.backward`` compute — into buffers allocated once, with
``out=`` products — then takes the optimiser's step on the whole flat buffer:

    Z_l = A_{l-1} · W_l + B_l,  A_l = act(Z_l)  (hidden),  ŷ = σ(Z_L)
    dZ_L = loss.dZ(ŷ, y);  g(W_l) = A_{l-1}ᵀ dZ_l;  g(B_l) = Σ_rows dZ_l
    dA_{l-1} = dZ_l · W_lᵀ (the weights before the step);  dZ_{l-1} = act'(…) · dA_{l-1}
    θ ← optimiser.step(θ, g)

No weight-sized array is allocated per step: the gradient is one flat buffer laid out
like theta (``ParamLayout``), and the optimisers step in place.
"""

from __future__ import annotations

import numpy as np

from core.nn.activations import Activation, sigmoid_into
from core.nn.losses import Loss
from core.nn.metrics import score
from core.nn.network import ParamLayout, aligned_zeros
from core.nn.optimizers import Optimizer

__all__ = ["NumpyEngine"]


class NumpyEngine:
    """Trains the parameters ``theta`` (laid out by ``layout``) on X (n, d), y (n, 1)."""

    def __init__(self, layout: ParamLayout, act: Activation, loss: Loss, batch_size: int,
                 X: np.ndarray, y: np.ndarray) -> None:
        self.layout, self.act, self.loss = layout, act, loss
        self.X = np.ascontiguousarray(X, dtype=float)
        self.y = np.ascontiguousarray(y, dtype=float).reshape(-1, 1)
        self.batch = max(1, min(int(batch_size), len(self.X)))
        self.grad = aligned_zeros(layout.size)
        self.gWs, self.gBs = layout.views(self.grad)
        rows = self.batch
        self.Zs = [np.empty((rows, s)) for s in layout.sizes[1:]]
        self.As = [np.empty((rows, s)) for s in layout.sizes[1:]]
        self.dAs = [np.empty((rows, s)) for s in layout.sizes[1:-1]]
        self.scaled = [np.empty((rows, s)) for s in layout.sizes[:-1]]  # lr·A_{l-1}
        self.G, self.tmp = np.empty((rows, 1)), np.empty((rows, 1))
        self._hidden = sigmoid_into if act.code == 0 else act.forward

    def _forward(self, Ws, Bs, Xb: np.ndarray, m: int) -> list[np.ndarray]:
        """[A_0 = Xb, A_1, …, A_L] for the m rows of Xb, in the preallocated buffers."""
        A, As, last = Xb, [Xb], len(Ws) - 1
        for i, (W, B) in enumerate(zip(Ws, Bs)):
            Z, out = self.Zs[i][:m], self.As[i][:m]
            np.dot(A, W, out=Z)
            Z += B
            A = sigmoid_into(Z, out) if i == last else self._hidden(Z, out=out)
            As.append(A)
        return As

    def _output_grad(self, yhat: np.ndarray, yb: np.ndarray, m: int) -> np.ndarray:
        """dZ_L (m, 1) into a preallocated buffer: 2(ŷ − y)·ŷ(1 − ŷ) (mse) or ŷ − y (bce)."""
        G = np.subtract(yhat, yb, out=self.G[:m])
        if self.loss.code == 0:
            d = np.subtract(1.0, yhat, out=self.tmp[:m])
            d *= yhat
            G *= 2.0
            G *= d
        elif self.loss.code != 1:
            G[...] = self.loss.dZ(yhat, yb)
        return G

    def _backward(self, Ws, As: list[np.ndarray], yb: np.ndarray, m: int,
                  scale: float) -> None:
        """The gradient of the summed loss over the batch, times ``scale``, into
        ``self.grad``: the factor goes on the small operands (A and dZ), never on a
        weight-sized array."""
        G = self._output_grad(As[-1], yb, m)
        for i in range(len(Ws) - 1, -1, -1):
            A = As[i]
            if scale != 1.0:
                A = np.multiply(A, scale, out=self.scaled[i][:m])
            np.dot(A.T, G, out=self.gWs[i])
            if m == 1:
                np.multiply(G[0], scale, out=self.gBs[i])
            else:
                np.sum(G, axis=0, out=self.gBs[i])
                self.gBs[i] *= scale
            if i > 0:
                dA = np.dot(G, Ws[i].T, out=self.dAs[i - 1][:m])
                G = self.act.backward(dA, self.Zs[i - 1][:m], As[i], out=dA)

    def epoch(self, theta: np.ndarray, order: np.ndarray, opt: Optimizer) -> None:
        """One pass over X[order] in batches, updating ``theta`` in place."""
        Ws, Bs = self.layout.views(theta)
        whole = self.batch >= len(order) and np.array_equal(order, np.arange(len(self.X)))
        step = opt.step_folded if opt.folds_lr else opt.step
        scale = opt.lr if opt.folds_lr else 1.0
        with np.errstate(all="ignore"):
            for start in range(0, len(order), self.batch):
                if whole:
                    Xb, yb, m = self.X, self.y, len(self.X)
                elif self.batch == 1:  # a view of one row: no fancy-indexing copy
                    k = int(order[start])
                    Xb, yb, m = self.X[k : k + 1], self.y[k : k + 1], 1
                else:
                    idx = order[start : start + self.batch]
                    Xb, yb, m = self.X[idx], self.y[idx], len(idx)
                As = self._forward(Ws, Bs, Xb, m)
                self._backward(Ws, As, yb, m, scale)
                step(theta, self.grad)

    def evaluate(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """((summed loss, soft %, threshold %) (3,), ŷ (n,)) on the whole training set."""
        Ws, Bs = self.layout.views(theta)
        A, last = self.X, len(Ws) - 1
        with np.errstate(all="ignore"):
            for i, (W, B) in enumerate(zip(Ws, Bs)):
                Z = A @ W
                Z += B
                A = sigmoid_into(Z, Z) if i == last else self._hidden(Z, out=Z)
            m = score(A, self.y, self.loss)
        return np.array([m.loss, m.soft_acc, m.acc]), A.reshape(-1)

    def run(self, theta: np.ndarray, orders: np.ndarray, opt: Optimizer, evals: np.ndarray,
            metrics: np.ndarray, yhats: np.ndarray) -> tuple[int, bool]:
        """``len(orders)`` epochs, evaluating after epoch c where ``evals[c]`` into the next
        rows of metrics (n_eval, 3) and yhats (n_eval, n); stops after an evaluated epoch
        whose loss or weights are not finite. Returns (epochs done, diverged), as the
        compiled kernel does."""
        row = 0
        for c in range(orders.shape[0]):
            self.epoch(theta, orders[c], opt)
            if evals[c]:
                metrics[row], yhats[row] = self.evaluate(theta)
                row += 1
                if not (np.isfinite(metrics[row - 1, 0]) and np.isfinite(theta).all()):
                    return c + 1, True
        return orders.shape[0], False
