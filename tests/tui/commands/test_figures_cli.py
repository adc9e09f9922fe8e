"""``bp-tui figures``: the files it writes, the paths it refuses, and what happens
without matplotlib (one line, exit 1, every other command unaffected)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import core.figures.backend as backend
from tests.runs_fixture import make
from tui.cli import main

ROOT = Path(__file__).resolve().parents[3]


def _one_line_error(capsys, argv, code=2):
    with pytest.raises(SystemExit) as info:
        main(["figures", *argv])
    assert info.value.code == code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_one_run_and_a_comparison(runs_root, tmp_path, capsys):
    make(runs_root, "a", hidden=(8, 8), seed=0)
    make(runs_root, "b", hidden=(16, 16), seed=1)
    out = tmp_path / "figs"
    assert main(["figures", "a", "--out", str(out), "--format", "png", "--dpi", "50"]) == 0
    listed = capsys.readouterr().out.split()
    assert sorted(Path(p).name for p in listed) == sorted(
        f"a-{k}.png" for k in ("loss", "loss-log", "accuracy", "prediction", "yhat"))
    assert all(Path(p).stat().st_size > 1000 for p in listed)
    assert main(["figures", "a", "b", "--out", str(out), "--format", "svg"]) == 0
    assert sorted(Path(p).name for p in capsys.readouterr().out.split()) == sorted(
        f"compare-{k}.svg" for k in ("loss", "loss-log", "accuracy", "classified",
                                     "boundaries"))


def test_refused_paths_and_flags(runs_root, tmp_path, capsys):
    run = make(runs_root, "a")
    (tmp_path / "link").symlink_to(run)
    (tmp_path / "outside").mkdir()
    for argv, start in (
        (["a", "--out", str(runs_root / "figs")], "argument --out: "),
        (["a", "--out", str(run / "figs")], "argument --out: "),
        ([str(tmp_path / "link"), "--out", str(tmp_path / "o")], "argument RUN: "),
        (["nope", "--out", str(tmp_path / "o")], "argument RUN: "),
        (["a", "--dpi", "10"], "argument --dpi: "),
        (["a", "--dpi", "x"], "argument --dpi: "),
        (["a", "--format", "pdf"], "argument --format: "),
        (["a", "--format", ","], "argument --format: "),
    ):
        line = _one_line_error(capsys, argv)
        assert line.startswith(f"bp-tui figures: error: {start}"), line
    assert "inside the runs directory" in _one_line_error(
        capsys, ["a", "--out", str(runs_root / "figs")])
    assert not (runs_root / "figs").exists()
    assert not (run / "figs").exists()


def test_damaged_run_is_refused(runs_root, tmp_path, capsys):
    run = make(runs_root, "a")
    (run / "metrics.jsonl").write_text("")
    line = _one_line_error(capsys, ["a", "--out", str(tmp_path / "o")])
    assert "has no metrics yet" in line


def test_without_matplotlib_one_line_and_exit_1(runs_root, tmp_path, capsys, monkeypatch):
    make(runs_root, "a")
    monkeypatch.setattr(backend, "_plt", None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    assert main(["figures", "a", "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("bp-tui figures: figures need matplotlib, which cannot be loaded")
    assert "pip install" in err[0]
    assert not (tmp_path / "o").exists()
    assert main(["runs", "--list"]) == 0  # the other commands do not need it
    assert "a" in capsys.readouterr().out


SCRIPT = """
import contextlib, io, json, sys
{block}
from tui import cli
import core.figures, core.figures.pictures, core.reproduce.figures, tui.commands.figures
import tui.screens.figures_dialog, tui.report.markdown
with contextlib.redirect_stdout(io.StringIO()):
    code = cli.main(["runs", "--list"])
print(json.dumps({{"code": code, "mpl": "matplotlib" in sys.modules}}))
"""


def _script(block: str) -> dict:
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(block=block)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert "Traceback" not in out.stderr, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_other_commands_never_load_matplotlib():
    assert _script("") == {"code": 0, "mpl": False}


@pytest.mark.long
def test_console_script_without_matplotlib(runs_root, tmp_path, bp_tui_cmd):
    make(runs_root, "a")
    code = ("import sys; sys.modules['matplotlib'] = None; sys.argv = ['bp-tui', "
            f"'figures', 'a', '--out', {str(tmp_path / 'o')!r}]; from tui.cli import entry; "
            "entry()")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0
    assert "matplotlib" in proc.stderr
    assert "Traceback" not in proc.stderr
