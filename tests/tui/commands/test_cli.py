"""``bp-tui train`` end to end: exact output, one-line errors, exit statuses, signals."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time

import numpy as np
import pytest

from core import __version__
from core.datasets import generate
from core.nn.network import Network
from core.records.weights import load_weights
from core.run.session import seeded_rngs
from tui import cli

TIME_RE = re.compile(r"^Model Training time taken: \d+\.0 minutes \d+\.\d seconds$")


def run(cmd, *args, timeout=120, cwd=None):
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd)


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def reference_run(seed, hidden, lr, epochs, every):
    """Expected (epoch, loss, soft accuracy) lines of a seeded xor run, computed with
    an independent per-point SGD written out here."""
    _, init_rng, _ = seeded_rngs(seed)
    data = generate("xor", None, 0.0, np.random.default_rng(0))
    net = Network(hidden, rng=init_rng)
    Ws = [W.copy() for W in net.Ws]
    Bs = [B.copy() for B in net.Bs]
    X, y = data.X, data.y

    def metrics():
        A = X
        for W, B in zip(Ws, Bs):
            A = sig(A @ W + B)
        return float(np.sum((y - A) ** 2)), (1 - float(np.mean(np.abs(A - y)))) * 100

    out = {0: metrics()}
    for e in range(1, epochs + 1):
        for k in range(len(X)):
            As = [X[k : k + 1]]
            for W, B in zip(Ws, Bs):
                As.append(sig(As[-1] @ W + B))
            dZ = 2.0 * (As[-1] - y[k : k + 1]) * As[-1] * (1 - As[-1])
            for i in range(len(Ws) - 1, -1, -1):
                dA = dZ @ Ws[i].T
                Ws[i] -= lr * (As[i].T @ dZ)
                Bs[i] -= lr * dZ.sum(axis=0)
                if i > 0:
                    dZ = dA * As[i] * (1 - As[i])
        if e % every == 0 or e == epochs:
            out[e] = metrics()
    return out


TINY = ["train", "--data", "xor", "--hidden", "4", "4", "--epochs", "20", "--log-every", "5",
        "--lr", "0.5"]


def test_tiny_run_exact_lines(bp_tui_cmd, tmp_path):
    runs = tmp_path / "tmp"
    res = run(bp_tui_cmd, *TINY, "--no-predictions", "--runs-dir", str(runs))
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    ref = reference_run(1, (4, 4), 0.5, 20, 5)
    expected = [f"Epoch {e:4d}, loss: {ref[e][0]:.4f}, accuracy: {ref[e][1]:.2f}%"
                for e in (0, 5, 10, 15)]
    expected += ["***** Training finished *****",
                 f"Epoch   20, loss: {ref[20][0]:.4f}, accuracy: {ref[20][1]:.2f}%"]
    assert lines[:-1] == expected
    assert TIME_RE.match(lines[-1])
    assert "Traceback" not in res.stderr
    # notes went to stderr, and the run was recorded where asked
    assert "run recorded in" in res.stderr
    (run_dir,) = runs.iterdir()
    assert (run_dir / "log.txt").read_text() == res.stdout
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "finished"


def test_predictions_printed_by_default(tmp_path, capsys, keep_signals):
    code = cli.main([*TINY, "--runs-dir", str(tmp_path), "--backend", "numpy"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    i = out.index("SimpleNet Predicted Probabilities:")
    assert out[i - 3] == "***** Training finished *****"
    assert TIME_RE.match(out[i - 1])
    (run_dir,) = tmp_path.iterdir()
    named, _ = load_weights(run_dir / "weights.npz")
    net = Network((4, 4), rng=np.random.default_rng(0))
    net.set_params(named)
    data = generate("xor", None, 0.0, np.random.default_rng(0))
    column = net.predict(data.X)
    assert column.shape == (21, 1)
    assert out[i + 1 :] == str(column).splitlines()
    assert len(out) == i + 1 + 21
    assert (run_dir / "log.txt").read_text().splitlines() == out


def test_no_predictions_flag(tmp_path, capsys, keep_signals):
    code = cli.main([*TINY, "--no-record", "--no-predictions", "--backend", "numpy"])
    out = capsys.readouterr().out
    assert code == 0
    assert "SimpleNet" not in out
    assert out.splitlines()[-3] == "***** Training finished *****"
    assert not any(tmp_path.iterdir())


@pytest.fixture
def keep_signals():
    """cli.main installs signal handlers; put the previous ones back afterwards."""
    sigs = [s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s]
    saved = {s: signal.getsignal(s) for s in sigs}
    yield
    for s, h in saved.items():
        signal.signal(s, h)


def make_bad_files(d):
    (d / "bad.csv").write_text("x0,x1,label\n0.1,0.2,0\n0.3,0.4,1\n0.5,oops,1\n")
    np.savez(d / "wrong-shape.npz", W1=np.zeros((2, 3)), B1=np.zeros(3), W2=np.zeros((3, 1)),
             B2=np.zeros(1))
    (d / "garbage.npz").write_bytes(b"\x00\x01garbage" * 50)
    (d / "afile").write_text("not a directory\n")


BAD_ARGS = [
    (["--lr", "abc"], "--lr"),
    (["--lr", "-1"], "--lr"),
    (["--hidden", "0"], "--hidden"),
    (["--hidden", "64", "x"], "--hidden"),
    (["--epochs", "1.5"], "--epochs"),
    (["--data", "nope"], "--data"),
    (["--batch-size", "1000"], "--batch-size"),
    (["--data-file", "missing.csv"], "--data-file"),
    (["--data-file", "bad.csv"], "--data-file"),
    (["--init-weights", "missing.npz"], "--init-weights"),
    (["--init-weights", "wrong-shape.npz"], "--init-weights"),
    (["--init-weights", "garbage.npz"], "--init-weights"),
    (["--runs-dir", "afile"], "--runs-dir"),
]


@pytest.mark.parametrize(("args", "flag"), BAD_ARGS, ids=[" ".join(a) for a, _ in BAD_ARGS])
def test_bad_flag_exits_2_with_one_line(bp_tui_cmd, tmp_path, args, flag):
    make_bad_files(tmp_path)
    res = run(bp_tui_cmd, "train", "--data", "xor", "--hidden", "4", "4", "--epochs", "3",
              *args, cwd=tmp_path)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert res.stdout == ""
    err = res.stderr.splitlines()
    assert len(err) == 1, res.stderr
    assert err[0].startswith("bp-tui train: error: ")
    assert f"argument {flag}" in err[0]
    assert "Traceback" not in res.stderr
    if args[-1] == "bad.csv":
        assert "bad.csv:4:" in err[0]
    assert not (tmp_path / "runs").exists()


def test_divergence_exits_3(bp_tui_cmd, tmp_path):
    res = run(bp_tui_cmd, "train", "--data", "xor", "--hidden", "4", "4", "--activation",
              "none", "--loss", "bce", "--lr", "1e6", "--epochs", "50",
              "--runs-dir", str(tmp_path))
    assert res.returncode == 3, res.stderr
    assert "***** Training diverged *****" in res.stdout
    assert "smaller learning rate" in res.stderr
    assert "Traceback" not in res.stderr
    assert "SimpleNet" not in res.stdout
    (run_dir,) = tmp_path.iterdir()
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "diverged"


def test_sigint_exits_130_and_records_stopped(bp_tui_cmd, tmp_path):
    proc = subprocess.Popen(
        [*bp_tui_cmd, "train", "--data", "xor", "--hidden", "8", "8", "--epochs", "100000000",
         "--log-every", "100", "--runs-dir", str(tmp_path), "--name", "interrupted"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        first = proc.stdout.readline()
        assert first.startswith("Epoch    0, loss: ")
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    lines = (first + out).splitlines()
    m = re.fullmatch(r"\*\*\*\*\* Training stopped at epoch (\d+) \*\*\*\*\*", lines[-3])
    assert m, lines[-3:]
    assert lines[-2].startswith(f"Epoch {int(m.group(1)):4d}, loss: ")
    assert TIME_RE.match(lines[-1])
    summary = json.loads((tmp_path / "interrupted" / "summary.json").read_text())
    assert summary["status"] == "stopped"
    assert summary["epoch"] == int(m.group(1))


def test_version(bp_tui_cmd):
    res = run(bp_tui_cmd, "--version")
    assert res.returncode == 0
    assert res.stdout.strip() == f"bp-tui {__version__}"


def test_train_help(bp_tui_cmd):
    res = run(bp_tui_cmd, "train", "--help")
    assert res.returncode == 0
    assert "--no-predictions" in res.stdout
    assert "--init-weights" in res.stdout


def test_init_weights_continues_a_run(tmp_path, capsys, keep_signals):
    common = ["train", "--data", "xor", "--hidden", "4", "4", "--lr", "0.5", "--log-every", "5",
              "--no-predictions", "--backend", "numpy", "--runs-dir", str(tmp_path)]
    assert cli.main([*common, "--epochs", "20", "--name", "whole"]) == 0
    whole = capsys.readouterr().out.splitlines()
    assert cli.main([*common, "--epochs", "10", "--name", "first"]) == 0
    first = capsys.readouterr().out.splitlines()
    weights = tmp_path / "first" / "weights.npz"
    assert cli.main([*common, "--epochs", "10", "--name", "second",
                     "--init-weights", str(weights)]) == 0
    second = capsys.readouterr().out.splitlines()

    def stats(line):
        return line.split(", ", 1)[1]

    # the continued run starts where the first ended and ends where the whole run ended
    assert stats(second[0]) == stats(first[-2])
    assert stats(second[-2]) == stats(whole[-2])
    assert stats(second[1]) == stats(whole[3])  # after 15 passes in all
    config = json.loads((tmp_path / "second" / "config.json").read_text())
    assert config["init_weights"] == str(weights)
