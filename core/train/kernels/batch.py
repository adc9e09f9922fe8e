"""One plain-SGD step on a batch, with fewer NumPy passes than the readable path.

    sgd_batch_step(net, X, y, lr, loss)   updates net.Ws / net.Bs in place

Computes what ``Network.forward`` + ``Network.backward`` + ``SGD.step`` compute (to
rounding; ``tests/core/test_backends.py`` holds them together), with these shortcuts:

- the sigmoid is 1 / (1 + e^−Z) in place (e^−Z = inf gives exactly 0, as it should);
- lr is folded into the output gradient, G_L = lr · dZ_L, so every later gradient is
  already scaled (G_{l-1} = (G_l · W_lᵀ) · act'(A_{l-1}), W_l -= A_{l-1}ᵀ · G_l);
- σ'(Z) is written through A, A(1 − A), on arrays the step owns.

Used by ``Trainer._minibatch_epoch`` for optimiser "sgd" at batch sizes above 1.
"""

from __future__ import annotations

import numpy as np

from core.nn.losses import Loss
from core.nn.network import Network

__all__ = ["sgd_batch_step"]


def sgd_batch_step(net: Network, X: np.ndarray, y: np.ndarray, lr: float, loss: Loss) -> None:
    """W_l -= lr · dW_l and B_l -= lr · dB_l for the summed ``loss`` over X (n, 2), y (n, 1)."""
    Ws, Bs, act = net.Ws, net.Bs, net.act
    last = len(Ws) - 1
    sig = act.code == 0
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        A = np.asarray(X, dtype=float)
        Zs, As = [A], [A]
        for i, (W, B) in enumerate(zip(Ws, Bs)):
            Z = np.dot(A, W)
            Z += B
            if i == last or sig:
                A = np.negative(Z)
                np.exp(A, out=A)
                A += 1.0
                np.divide(1.0, A, out=A)
            else:
                A = act.forward(Z)
            Zs.append(Z)
            As.append(A)
        yv = np.asarray(y, dtype=float).reshape(-1, 1)
        if loss.code == 0:  # mse: 2(ŷ − y) · ŷ(1 − ŷ)
            G = np.subtract(A, yv)
            G *= 2.0 * lr
            d = np.subtract(1.0, A)
            d *= A
            G *= d
        elif loss.code == 1:  # bce: ŷ − y
            G = np.subtract(A, yv)
            G *= lr
        else:
            G = lr * loss.dZ(A, yv)
        for i in range(last, -1, -1):
            W = Ws[i]
            dA = np.dot(G, W.T) if i > 0 else None  # through the weights before the step
            W -= np.dot(As[i].T, G)
            Bs[i] -= G.sum(axis=0)
            if dA is not None:
                if sig:
                    a = As[i]
                    d = np.subtract(1.0, a)
                    d *= a
                    dA *= d
                    G = dA
                else:
                    G = act.backward(dA, Zs[i], As[i])
