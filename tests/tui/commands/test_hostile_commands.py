"""The commands on hostile runs: ``runs --list`` / ``--json`` print every run (damaged
ones with their reason) within 100 columns; export refuses to write into runs; eval and
export survive damaged records; every error is one line with the flag at fault.
(``watch`` on hostile files: tests/tui/screens/test_runs_hostile.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.records import hostile
from tui.cli import main

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def hostile_root(runs_root):
    """Good runs, a long name, control codes in a name and a field, damaged runs."""
    return hostile.make_hostile_root(runs_root)


def test_runs_list_prints_every_run_within_100_columns(hostile_root, capsys):
    assert main(["runs", "--list"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["name", "data", "hidden", "lr", "epochs", "loss", "soft",
                                "acc", "right", "%", "status"]
    assert all(len(line) <= 100 for line in lines)
    assert "\x1b" not in out
    by_name = {line.split()[0]: line for line in lines[1:]}
    assert set(by_name) == {"deep", "ev\\x1b[31mil", "fifo", "good", "huge-pid",
                            "hidden-unit…ng-name-12", "marked", "nan-duration"}
    assert by_name["good"].split() == ["good", "xor-grid", "64,64", "0.1", "2000", "2.7930",
                                       "95.81", "97.21", "finished"]
    assert by_name["ev\\x1b[31mil"].endswith(" dead")
    assert by_name["nan-duration"].endswith(
        "damaged: summary.json holds NaN, which JSON does not allow")
    assert "damaged: summary.json holds an integer too large" in by_name["huge-pid"]
    assert "damaged: config.json is nested too deeply" in by_name["deep"]
    assert "damaged: config.json is a FIFO (named pipe), not a regular file" in by_name["fifo"]
    assert "512,256,128" in by_name["hidden-unit…ng-name-12"]


def test_runs_list_json_has_full_names_and_nulls(hostile_root, capsys):
    assert main(["runs", "--list", "--json"]) == 0
    out = capsys.readouterr().out
    assert out.isascii()
    rows = {r["name"]: r for r in json.loads(out)}
    assert "hidden-units-sweep-with-a-very-long-name-12" in rows
    good = rows["good"]
    assert good["hidden"] == [64, 64]
    assert good["loss"] == 2.793
    assert good["damaged"] is None
    assert good["sweep"] is None
    bad = rows["nan-duration"]
    assert bad["status"] == "damaged"
    assert bad["damaged"] == "summary.json holds NaN, which JSON does not allow"
    assert [bad[k] for k in ("data", "hidden", "lr", "loss", "acc")] == [None] * 5
    assert rows["marked"]["created"] == "[bold red]2020[/]\\x1b]0;title\\x07"
    assert rows["ev\x1b[31mil"]["status"] == "dead"
    assert rows["ev\x1b[31mil"]["attachable"] is False


def test_runs_list_on_an_empty_root(runs_root, capsys):
    assert main(["runs", "--list", "--runs-dir", str(runs_root / "none")]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0].startswith("name")
    assert err.startswith("bp-tui: no runs under ")


def test_runs_json_needs_list(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["runs", "--json"])
    assert exc.value.code == 2
    assert "--json" in capsys.readouterr().err


def test_runs_list_does_not_load_textual(hostile_root):
    code = ("import sys\nfrom tui.cli import main\nassert main(['runs', '--list']) == 0\n"
            "assert 'textual' not in sys.modules and 'rich' not in sys.modules\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("target", ["run-file", "run-dir", "symlink"])
def test_export_never_writes_into_a_run(hostile_root, tmp_path, bp_tui_cmd, target):
    record = hostile_root / "good" / "metrics.jsonl"
    before = record.read_bytes()
    out = {"run-file": record, "run-dir": hostile_root / "good" / "m.csv",
           "symlink": tmp_path / "link.csv"}[target]
    if target == "symlink":
        out.symlink_to(record)
    res = subprocess.run([*bp_tui_cmd, "export", "good", "--metrics", str(out)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    (line,) = res.stderr.splitlines()
    assert line.startswith("bp-tui export: error: argument --metrics: ")
    assert line.endswith("export somewhere else")
    assert record.read_bytes() == before
    assert not (hostile_root / "good" / "m.csv").exists()


def test_export_of_damaged_runs_works(hostile_root, tmp_path):
    names = [p.name for p in hostile_root.iterdir()]
    out, table = tmp_path / "m.csv", tmp_path / "t.md"
    assert main(["export", *names, "--metrics", str(out), "--table", str(table)]) == 0
    md = table.read_text()
    assert "\x1b" not in md
    assert "damaged: config.json is nested too deeply" in md


def test_export_to_a_full_disk_is_exit_1(hostile_root, capsys):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    assert main(["export", "good", "--metrics", "/dev/full"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "bp-tui export: cannot write --metrics /dev/full: No space left on device"]


def _fails(argv, capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    (line,) = err.splitlines()
    return line


def test_eval_of_damaged_records(hostile_root, capsys):
    assert "damaged: summary.json holds NaN" in _fails(["eval", "nan-duration"], capsys)
    bad = hostile_root / "good"
    hostile.write_npz_case(bad / "data.npz", "data", "huge-claim")
    line = _fails(["eval", "good", "--train"], capsys)
    assert line.startswith("bp-tui eval: error: argument --train: run good: data.npz member X")
    hostile.write_npz_case(bad / "weights.npz", "weights", "row-bias")
    line = _fails(["eval", "good"], capsys)
    assert "weights.npz: member B1 has shape (1, 3); it must be 1-D" in line


def test_eval_data_file_errors_name_the_flag(hostile_root, capsys):
    line = _fails(["eval", "good", "--data-file", "/dev/zero"], capsys)
    assert line == ("bp-tui eval: error: argument --data-file: /dev/zero: is a character "
                    "device, not a regular file")


def test_train_blames_the_right_flag(tmp_path, bp_tui_cmd):
    bomb = tmp_path / "bomb.npz"
    hostile.write_npz_case(bomb, "weights", "huge-claim")
    for flag, value, words in (("--data-file", "/dev/zero", "character device"),
                               ("--init-weights", str(bomb), "claims shape")):
        res = subprocess.run([*bp_tui_cmd, "train", "--no-record", flag, value],
                             capture_output=True, text=True, timeout=60)
        assert res.returncode == 2
        (line,) = res.stderr.splitlines()
        assert line.startswith(f"bp-tui train: error: argument {flag}: ")
        assert words in line
        assert "--hidden" not in line
