"""Fixture run directories with fixed names, dates and metrics (for runs-screen tests)."""

import json
import os
import sys
from pathlib import Path

import numpy as np


def make(
    root,
    name,
    data="xor-grid",
    hidden=(64, 64),
    lr=0.1,
    epochs=2000,
    status="finished",
    created="2020-04-01T10:00:00+08:00",
    sweep=None,
    n=9,
    seed=0,
    pid=None,
):
    d = Path(root) / name
    d.mkdir(parents=True)
    cfg = {
        "data": data,
        "n": None,
        "hidden": list(hidden),
        "activation": "sigmoid",
        "optimizer": "sgd",
        "lr": lr,
        "epochs": epochs,
        "seed": 1,
        "name": name,
        "created": created,
        "version": "0.1",
    }
    if sweep:
        cfg["sweep"] = sweep
    (d / "config.json").write_text(json.dumps(cfg))
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        e = i * epochs // (n - 1)
        loss = 30 * np.exp(-3 * i / n) * (1 + lr) + 0.5
        rows.append(
            {
                "epoch": e,
                "loss": round(loss, 4),
                "soft_acc": round(100 - loss * 1.5, 2),
                "acc": round(100 - loss, 2),
                "lr": lr,
                "wall": round(e * 0.01 * hidden[0] / 64, 3),
            }
        )
    (d / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (d / "log.txt").write_text(
        "".join(
            f"Epoch {r['epoch']:4d}, loss: {r['loss']:.4f}, accuracy: {r['soft_acc']:.2f}%\n"
            for r in rows
        )
    )
    last = rows[-1]
    summ = {
        "status": status,
        "name": name,
        "started": created,
        "updated": created,
        "pid": pid or 999999,
        "epoch": last["epoch"],
        "epochs": epochs,
        "loss": last["loss"],
        "soft_acc": last["soft_acc"],
        "acc": last["acc"],
        "lr": lr,
        "duration": last["wall"],
    }
    (d / "summary.json").write_text(json.dumps(summ))
    X = rng.random((20, 2))
    y = (X[:, 0] < X[:, 1]).astype(float).reshape(-1, 1)
    np.savez(d / "data.npz", X=X, y=y)
    from core.nn.network import Network
    from core.records.weights import save_weights

    net = Network(tuple(hidden), rng=rng)
    save_weights(d / "weights.npz", net.named_params(), cfg)
    return d


if __name__ == "__main__":
    root = sys.argv[1]
    for i, (h, lr) in enumerate(
        [((64, 64), 0.1), ((128, 128), 0.1), ((256, 256), 0.01), ((512, 256), 1.0)]
    ):
        make(
            root,
            f"hidden-units-{i + 1}",
            hidden=h,
            lr=lr,
            sweep="hidden-units",
            created=f"2020-04-0{i + 1}T10:00:00+08:00",
            seed=i,
        )
    make(root, "linear-5000", data="linear", epochs=5000, created="2020-03-30T09:00:00+08:00")
    d = Path(root) / "broken"
    d.mkdir()
    (d / "config.json").write_text("[1,2")
    os.utime(d, (0, 0))
