"""bp-tui export / sweep / watch: outputs and one-line errors with exit 2."""

from __future__ import annotations

import subprocess

import pytest

from tests.runs_fixture import make
from tui.cli import main


def test_export_writes_metrics_and_table(runs_root, tmp_path):
    make(runs_root, "a", created="2020-04-01T10:00:00+08:00")
    make(runs_root, "b", hidden=(128, 128), created="2020-04-02T10:00:00+08:00")
    m, t, c = tmp_path / "m.csv", tmp_path / "t.md", tmp_path / "t.csv"
    assert main(["export", "a", "b", "--metrics", str(m), "--table", str(t),
                 "--smoothing", "0.6"]) == 0
    lines = m.read_text().splitlines()
    assert lines[0].startswith("run,settings,epoch,wall,loss,loss smoothed,soft acc,")
    assert len(lines) == 1 + 9 + 9
    assert lines[1] == "a,\"(64,64)\",0,0.000000,33.5,33.5,49.75,49.75,66.5,66.5"
    assert lines[10].startswith("b,\"(128,128)\",0,")  # labelled by what differs
    md = t.read_text().splitlines()
    assert len(md) == 4
    assert md[2].startswith("| a | (64,64) | xor-grid | 64,64 |")
    assert main(["export", "a", "--table", str(c)]) == 0
    assert c.read_text().splitlines()[1].startswith("a,a,xor-grid,\"64,64\",sigmoid,sgd,0.1,2000,")


@pytest.mark.parametrize(("argv", "flag"), [
    (["export", "nope", "--metrics", "x.csv"], "RUN"),
    (["export", "a", "--metrics", "x.csv", "--smoothing", "1.5"], "--smoothing"),
    (["export", "a", "--table", "x.txt"], "--table"),
    (["sweep", "--hidden", "64 x"], "--hidden"),
    (["sweep", "--lr", "0"], "--lr"),
    (["sweep", "--hidden", "4,4", "--workers", "0"], "--workers"),
    (["sweep", "--hidden", "4,4", "--epochs", "-3"], "--epochs"),
    (["sweep", "--preset", "nope"], "--preset"),
    (["watch", "nope"], "RUN"),
])
def test_invalid_input_is_one_line_naming_the_flag(runs_root, argv, flag, bp_tui_cmd):
    make(runs_root, "a")
    proc = subprocess.run([*bp_tui_cmd, *argv], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1, proc.stderr
    assert flag in err[0]
    assert "Traceback" not in proc.stderr


@pytest.mark.long
def test_sweep_cli_runs_a_small_grid(runs_root, bp_tui_cmd):
    proc = subprocess.run(
        [*bp_tui_cmd, "sweep", "--hidden", "3,3", "4,4", "--lr", "0.1", "--epochs", "300",
         "--backend", "numpy", "--workers", "2", "--name", "cli", "--quiet"],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert out[0].split() == ["run", "settings", "status", "epoch", "loss", "soft", "acc",
                              "right", "%", "ms/epoch", "time"]
    assert out[1].split()[:4] == ["cli-1", "(3,3)", "finished", "300/300"]
    assert out[2].split()[:4] == ["cli-2", "(4,4)", "finished", "300/300"]


def test_smoothing_is_checked_without_assert_even_under_python_O(runs_root, tmp_path):
    """`python -O` drops asserts; the range check must not be one."""
    import subprocess
    import sys

    for bad in ("5", "nan", "-0.1"):
        out = subprocess.run(
            [sys.executable, "-O", "-m", "tui.cli", "export", "a", "--metrics",
             str(tmp_path / "m.csv"), "--smoothing", bad],
            capture_output=True, text=True, timeout=60)
        assert out.returncode == 2, bad
        assert "--smoothing" in out.stderr
        assert "Traceback" not in out.stderr
