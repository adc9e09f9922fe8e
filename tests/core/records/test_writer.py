"""The writer: permissions follow the umask, every whole file is atomic (data.npz too),
a failed start leaves no directory, a failed write marks the run "error", temporary
files left by a kill are cleaned, and a real full disk (a small tmpfs) behaves."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest

from core.records import read_data, read_run, writer
from core.records.atomic import is_temp_of
from core.records.index import list_runs, rename_run
from core.records.writer import RecordError, RunRecorder, clean_temp_files
from tests.runs_fixture import make

CONFIG = {"data": "xor", "hidden": [2], "lr": 0.1, "epochs": 3}
X, Y = np.zeros((4, 2)), np.zeros((4, 1))


def _record(root: Path, name: str = "w") -> RunRecorder:
    rec = RunRecorder(root, CONFIG, X, Y, name=name)
    rec.metrics(0, 1.0, 50.0, 50.0, 0.1, 0.0)
    rec.log(["Epoch    0"])
    rec.checkpoint({"W1": np.zeros((2, 2)), "B1": np.zeros(2), "W2": np.zeros((2, 1)),
                    "B2": np.zeros(1)}, force=True)
    return rec


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_every_file_follows_the_umask(tmp_path, umask):
    """Run in a fresh process: the umask is read once, at import."""
    code = (
        "import os, sys, numpy as np\n"
        f"os.umask({umask})\n"
        "from core.records.writer import RunRecorder\n"
        "rec = RunRecorder(sys.argv[1], {'data': 'xor', 'hidden': [2]}, np.zeros((2, 2)),"
        " np.zeros((2, 1)), name='u')\n"
        "rec.metrics(0, 1.0, 50.0, 50.0, 0.1, 0.0); rec.log(['x'])\n"
        "rec.checkpoint({'W1': np.zeros((2, 1)), 'B1': np.zeros(1)}, force=True)\n"
        "rec.write_summary('finished'); rec.close()\n"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True,
                   cwd=Path(__file__).resolve().parents[3])
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "u").iterdir()}
    assert set(modes) == {"config.json", "summary.json", "data.npz", "weights.npz",
                          "metrics.jsonl", "log.txt", "writer.lock"}
    assert set(modes.values()) == {0o666 & ~umask}, modes


def test_data_npz_is_written_through_a_temp_file(tmp_path, monkeypatch):
    seen = []
    real = writer.atomic_open

    def spy(path, mode="w"):
        seen.append(Path(path).name)
        return real(path, mode)

    monkeypatch.setattr(writer, "atomic_open", spy)
    rec = _record(tmp_path)
    assert "data.npz" in seen
    np.testing.assert_array_equal(read_data(rec.dir)[0], X)


@pytest.mark.parametrize("fail_on", ["config.json", "summary.json", "data.npz"])
def test_a_start_that_fails_leaves_no_directory(tmp_path, monkeypatch, fail_on):
    real = writer.atomic_open

    def full(path, mode="w"):
        if Path(path).name == fail_on:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, mode)

    monkeypatch.setattr(writer, "atomic_open", full)
    monkeypatch.setattr(writer, "write_json_atomic", _json_through(full))
    with pytest.raises(RecordError) as exc:
        RunRecorder(tmp_path, CONFIG, X, Y, name="doomed")
    assert exc.value.errno == errno.ENOSPC
    assert str(exc.value) == (f"cannot record the run in {tmp_path / 'doomed'}: "
                              "No space left on device")
    assert not (tmp_path / "doomed").exists()
    assert list_runs(tmp_path) == []


def _json_through(opener):
    def write(path, obj):
        with opener(path) as fh:
            json.dump(obj, fh)

    return write


class _FullFile:
    """A file whose writes fail as on a full disk."""

    closed = False

    def write(self, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self):
        pass

    def close(self):
        self.closed = True


def test_a_failed_write_marks_the_run_error_and_sticks(tmp_path):
    rec = _record(tmp_path)
    before = (rec.dir / "config.json").read_bytes(), (rec.dir / "data.npz").read_bytes()
    rec._metrics = _FullFile()
    with pytest.raises(RecordError, match=r"cannot write metrics\.jsonl of run w: No space"):
        rec.metrics(1, 0.5, 60.0, 60.0, 0.1, 0.1)
    summary = json.loads((rec.dir / "summary.json").read_text())
    assert summary["status"] == "error"
    assert summary["message"] == "cannot write metrics.jsonl of run w: No space left on device"
    assert rec.error_recorded
    for later in (lambda: rec.log(["x"]), lambda: rec.checkpoint({}, force=True),
                  lambda: rec.write_summary("stopped")):
        with pytest.raises(RecordError, match=r"metrics\.jsonl"):
            later()
    assert json.loads((rec.dir / "summary.json").read_text())["status"] == "error"
    assert ((rec.dir / "config.json").read_bytes(), (rec.dir / "data.npz").read_bytes()) \
        == before
    row = list_runs(tmp_path)[0]
    assert row.status == "error"
    assert row.message.startswith("cannot write metrics.jsonl")


def test_error_summary_reuses_the_old_file_when_no_new_file_fits(tmp_path, monkeypatch):
    rec = _record(tmp_path)

    def no_room(path, obj):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer, "write_json_atomic", no_room)
    rec._metrics = _FullFile()
    with pytest.raises(RecordError):
        rec.metrics(1, 0.5, 60.0, 60.0, 0.1, 0.1)
    assert rec.error_recorded
    info = read_run(rec.dir)
    assert info.damaged is None
    assert info.status == "error"


def test_temp_files_of_a_killed_writer_are_cleaned(tmp_path):
    make(tmp_path, "r")
    run = tmp_path / "r"
    temps = [".weights.npz-abcd1234", ".summary.json-x_y1z2ab", ".data.npz-0a1b2c3d",
             ".config.json-zzzzzzzz"]
    for t in temps:
        (run / t).write_bytes(b"half")
    keep = [".notes", ".weights.npz-NOT-OURS", "weights.npz.bak"]
    for k in keep:
        (run / k).write_text("mine")
    (run / ".data.npz-dirdirdi").mkdir()
    assert read_run(run).damaged is None  # never counted as damage
    assert all(is_temp_of(t, t.split("-")[0][1:]) for t in temps)
    assert clean_temp_files(run) == 4
    assert sorted(p.name for p in run.iterdir() if p.name.startswith(".")) == sorted(
        [".notes", ".weights.npz-NOT-OURS", ".data.npz-dirdirdi"])
    (run / temps[0]).write_bytes(b"half")
    os.utime(run, (0, 0))
    rename_run(tmp_path, "r", "renamed")  # opening a run to write it cleans it
    assert not (tmp_path / "renamed" / temps[0]).exists()


# ------------------------------------------------------------------ a real full disk
@pytest.fixture
def tiny_disk(tmp_path):
    """A 96 KiB tmpfs (needs root and mount; skipped otherwise)."""
    mnt = tmp_path / f"tmpfs-{uuid.uuid4().hex[:6]}"
    mnt.mkdir()
    if not shutil.which("mount") or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(mnt)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {res.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_a_full_disk_is_one_line_exit_1_and_the_run_marked(tiny_disk, bp_tui_cmd):
    runs = tiny_disk / "runs"
    res = subprocess.run(
        [*bp_tui_cmd, "train", "--data", "xor", "--hidden", "4", "--epochs", "1000000",
         "--log-every", "1", "--backend", "numpy", "--runs-dir", str(runs), "--name",
         "full"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 1, res.stderr
    (line,) = res.stderr.splitlines()
    assert re.fullmatch(r"bp-tui: cannot write (metrics\.jsonl|log\.txt|weights\.npz) of run "
                        r"full: No space left on device \(summary\.json says error\)", line)
    (row,) = list_runs(runs)
    assert row.status == "error"
    assert "No space left on device" in row.message
    assert read_data(runs / "full")[0].shape == (21, 2)  # earlier records untouched
    assert json.loads((runs / "full" / "config.json").read_text())["name"] == "full"
    again = subprocess.run(
        [*bp_tui_cmd, "train", "--data", "xor", "--hidden", "4", "--epochs", "10",
         "--backend", "numpy", "--runs-dir", str(runs), "--name", "again"],
        capture_output=True, text=True, timeout=120)
    assert again.returncode == 1
    assert again.stderr.splitlines() == [
        f"bp-tui: cannot record the run in {runs / 'again'}: No space left on device"]
    assert sorted(p.name for p in runs.iterdir()) == ["full"]  # no empty run directory
