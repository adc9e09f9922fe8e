"""``bp-tui eval``: the report's epoch line for a recorded run on a test set, exit codes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from core.analysis.points import fresh_test_set
from core.config import RunConfig
from core.nn.losses import get_loss
from core.nn.metrics import evaluate
from core.nn.network import Network
from core.records import read_weights
from core.run.session import Session
from core.train.logfmt import epoch_line
from tui.cli import main


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("evalruns")
    config = RunConfig(data="xor", hidden=(4, 4), lr=0.5, epochs=300, log_every=100,
                       seed=3, name="r1", backend="numpy")
    session = Session(config, runs_root=root, notify=lambda _m: None)
    for _ in session.iterate():
        pass
    return root / "r1"


def _line(capsys) -> tuple[str, str]:
    out, err = capsys.readouterr()
    return out.strip(), err


def test_eval_prints_the_epoch_line_of_a_fresh_test_set(run_dir, capsys):
    assert main(["eval", str(run_dir), "--n", "50", "--seed", "4"]) == 0
    out, err = _line(capsys)
    net = Network.from_params(read_weights(run_dir))
    data = fresh_test_set("xor", 50, 4)
    m, _ = evaluate(net, data.X, data.y, get_loss("mse"))
    assert out == epoch_line(300, m.loss, m.soft_acc)
    assert re.match(r"Epoch  300, loss: \d+\.\d{4}, accuracy: \d+\.\d{2}%$", out)
    assert "50 fresh points of xor (seed 4)" in err


def test_eval_by_name_under_runs_dir_with_threshold_accuracy(run_dir, capsys):
    code = main(["eval", "r1", "--runs-dir", str(run_dir.parent), "--train",
                 "--accuracy", "threshold"])
    assert code == 0
    out, _ = _line(capsys)
    assert out.startswith("Epoch  300, loss: ")
    assert out.endswith("accuracy: 100.00%")


def test_eval_on_a_csv_file(run_dir, tmp_path, capsys):
    csv = tmp_path / "t.csv"
    csv.write_text("x0,x1,label\n0,0,0\n0,1,1\n1,1,0\n1,0,1\n")
    assert main(["eval", str(run_dir), "--data-file", str(csv)]) == 0
    out, err = _line(capsys)
    net = Network.from_params(read_weights(run_dir))
    X = np.array([[0, 0], [0, 1], [1, 1], [1, 0]], float)
    y = np.array([[0], [1], [0], [1]], float)
    m, _ = evaluate(net, X, y, get_loss("mse"))
    assert out == epoch_line(300, m.loss, m.soft_acc)
    assert "4 points of" in err


def _fails(args, capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    return err


def test_eval_missing_run_exits_2(capsys):
    assert "no run 'nope'" in _fails(["eval", "nope"], capsys)


def test_eval_run_without_weights_exits_2(run_dir, tmp_path, capsys):
    import shutil

    bare = tmp_path / "bare"
    shutil.copytree(run_dir, bare)
    (bare / "weights.npz").unlink()
    assert "no readable weights.npz" in _fails(["eval", str(bare)], capsys)


def test_eval_bad_file_exits_2(run_dir, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("0,0,0\n1,1,7\n")
    assert "label must be 0 or 1" in _fails(["eval", str(run_dir), "--data-file", str(bad)],
                                            capsys)
    assert "no such file" in _fails(["eval", str(run_dir), "--data-file",
                                     str(tmp_path / "none.csv")], capsys)
    assert "--n" in _fails(["eval", str(run_dir), "--n", "0"], capsys)
