"""``bp-tui backprop``: one point of a recorded run at its saved weights, text and JSON,
and one line with exit status 2 for bad points and unusable runs."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from core.config import RunConfig
from core.nn.losses import get_loss
from core.nn.network import Network
from core.nn.optimizers import make_optimizer
from core.records import read_data
from core.records.checkpoint import read_checkpoint
from core.run.session import Session
from tests.runs_fixture import make
from tui.cli import main


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("bpruns")
    config = RunConfig(data="linear", n=30, hidden=(4, 3), lr=0.05, epochs=40, log_every=20,
                       seed=3, optimizer="momentum", name="m1", backend="numpy")
    for _ in Session(config, runs_root=root, notify=lambda _m: None).iterate():
        pass
    return root


def _json(capsys, *argv) -> dict:
    assert main(["backprop", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_holds_the_gradients_at_the_saved_weights(root, capsys):
    d = _json(capsys, "m1", "--runs-dir", str(root), "--point", "7", "--json")
    ckpt = read_checkpoint(root / "m1")
    net = Network.from_params(ckpt.named)
    X, y = read_data(root / "m1")
    _, cache = net.forward(X[7:8])
    dWs, dBs = net.backward(cache, y[7:8], get_loss("mse"))
    assert (d["run"], d["epoch"], d["point"], d["lr"]) == ("m1", 40, 7, 0.05)
    assert d["x"] == X[7].tolist()
    assert d["y"] == y[7, 0]
    for lay, dW, dB in zip(d["layers"], dWs, dBs):
        np.testing.assert_array_equal(lay["dW"], dW)
        np.testing.assert_array_equal(lay["dB"], dB)
        assert lay["grad_check"] < 1e-6


def test_text_form_with_the_runs_momentum_state(root, capsys):
    assert main(["backprop", "m1", "--runs-dir", str(root), "--point", "0"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Back-propagation of point 0 of 30 · run m1 · epoch 40")
    for piece in ("Z1 = X·W1 + B1", "A1 = σ(Z1)", "ŷ = A3 = σ(Z3)", "L = (y − ŷ)²",
                  "dZ3 = ∂L/∂ŷ ∘ A3(1 − A3)", "dW3 = A2ᵀ·dZ3", "(3, 1)", "dW1 = Xᵀ·dZ1",
                  "momentum: b ← μ·b + dW", "the run's optimiser state, after 1200 steps",
                  "largest relative error"):
        assert piece in out, piece
    # the W after shown is one momentum step from the checkpoint's state
    ckpt = read_checkpoint(root / "m1")
    net = Network.from_params(ckpt.named)
    opt = make_optimizer("momentum", 0.05)
    opt.bind(net.layout.size)
    opt.load_state(ckpt.state["optimizer"])
    X, y = read_data(root / "m1")
    opt.step(net.theta, net.gradient(X[:1], y[:1], get_loss("mse")))
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("W3["))
    name = line.split()[0]
    idx = tuple(int(v) for v in name[3:-1].split(","))
    assert float(line.split("=")[-1]) == pytest.approx(net.Ws[2][idx], rel=1e-6)


def test_newest_run_by_default(root, capsys, monkeypatch):
    monkeypatch.setenv("BP_TUI_RUNS", str(root))
    assert _json(capsys, "--point", "2", "--json")["run"] == "m1"


def _refused(capsys, *argv) -> str:
    with pytest.raises(SystemExit) as exc:
        main(["backprop", *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("point", ["30", "-1", "x", "1e3"])
def test_points_outside_the_set(root, capsys, point):
    err = _refused(capsys, "m1", "--runs-dir", str(root), "--point", point)
    assert "--point" in err


def test_damaged_runs_and_runs_without_weights(root, tmp_path, capsys):
    bad = tmp_path / "runs"
    shutil.copytree(root / "m1", bad / "broken")
    (bad / "broken" / "config.json").write_text("[1,")
    assert "damaged" in _refused(capsys, "broken", "--runs-dir", str(bad), "--point", "1")
    shutil.copytree(root / "m1", bad / "noweights")
    (bad / "noweights" / "weights.npz").unlink()
    assert "weights.npz" in _refused(capsys, "noweights", "--runs-dir", str(bad), "--point", "1")
    shutil.copytree(root / "m1", bad / "nodata")
    (bad / "nodata" / "data.npz").write_bytes(b"junk")
    assert "data.npz" in _refused(capsys, "nodata", "--runs-dir", str(bad), "--point", "1")
    assert "no run" in _refused(capsys, "nope", "--runs-dir", str(bad), "--point", "1")
    assert "no runs" in _refused(capsys, "--runs-dir", str(tmp_path / "empty"), "--point", "1")


def test_weights_without_a_checkpoint_use_a_fresh_optimizer(tmp_path, capsys):
    make(tmp_path, "old", hidden=(3, 2))
    assert main(["backprop", "old", "--runs-dir", str(tmp_path), "--point", "4"]) == 0
    out = capsys.readouterr().out
    assert "a fresh optimiser (no usable optimiser state was recorded)" in out
    assert "epoch 2000" in out
