"""One writer per run, and refuse before writing: a run being written cannot be resumed
(two resumes raced: one trains, the other is refused with exit 2); a damaged run —
any file a resume reads missing, a FIFO, a directory or a link to /dev/zero — is
refused with one line and exit 2, every file as it was."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import RunConfig
from core.records import read_metrics
from core.records.lock import RunBusy, RunLock, writer_pid
from core.run.session import Session, SetupError
from tui.cli import main

CFG = RunConfig(data="xor", hidden=(4, 4), epochs=60, log_every=10, lr=0.5, seed=11,
                backend="numpy", name="r")
RESUMED = ("config.json", "summary.json", "metrics.jsonl", "log.txt", "weights.npz",
           "data.npz")


def snapshot(run: Path) -> dict[str, tuple]:
    """Every entry of a run directory: its kind, and the bytes of regular files."""
    out = {}
    for entry in os.scandir(run):
        st = os.lstat(entry.path)
        if stat.S_ISREG(st.st_mode):
            out[entry.name] = ("file", Path(entry.path).read_bytes())
        elif stat.S_ISLNK(st.st_mode):
            out[entry.name] = ("link", os.readlink(entry.path))
        else:
            out[entry.name] = (stat.S_IFMT(st.st_mode), None)
    return out


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A finished run of 60 epochs (copied by each test that changes it)."""
    root = tmp_path_factory.mktemp("made")
    session = Session(CFG, runs_root=root, notify=lambda _m: None)
    for _ in session.iterate():
        pass
    return session.recorder.dir


def _copy(finished: Path, root: Path) -> Path:
    run = root / finished.name
    shutil.copytree(finished, run, symlinks=True)
    return run


def _refused(argv: list[str], capsys) -> str:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err


def test_the_lock_admits_one_writer_and_says_who(tmp_path):
    first = RunLock.acquire(tmp_path)
    assert writer_pid(tmp_path) == os.getpid()
    with pytest.raises(RunBusy, match=rf"another bp-tui process \(pid {os.getpid()}\)"):
        RunLock.acquire(tmp_path)
    first.release()
    assert writer_pid(tmp_path) is None
    RunLock.acquire(tmp_path).release()


def test_a_run_being_written_is_not_resumed_and_nothing_changes(finished, tmp_path, capsys):
    run = _copy(finished, tmp_path)
    live = Session.resume(run, epochs=400, notify=lambda _m: None)  # holds the lock
    steps = live.iterate()
    next(steps)
    before = snapshot(run)
    with pytest.raises(SetupError, match="being written by another bp-tui process"):
        Session.resume(run, epochs=500, notify=lambda _m: None)
    # the command line says so in one line (the live summary says "running" here)
    assert "still training" in _refused(["resume", str(run), "--epochs", "500",
                                         "--runs-dir", str(tmp_path)], capsys)
    assert snapshot(run) == before
    for _ in steps:
        pass
    epochs = [r["epoch"] for r in read_metrics(run)]
    assert epochs == sorted(set(epochs))
    assert epochs[-1] == 400
    assert writer_pid(run) is None  # the lock went with the run's end


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _directory(path: Path) -> None:
    path.mkdir()


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


DAMAGE = {"missing": None, "fifo": _fifo, "directory": _directory, "dev-zero": _dev_zero}


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("name", [*RESUMED, "writer.lock"])
def test_resume_of_a_damaged_run_writes_nothing(finished, tmp_path, capsys, name, damage):
    if (name, damage) == ("writer.lock", "missing"):
        pytest.skip("a run recorded before locks has none: it is made")
    run = _copy(finished, tmp_path)
    (run / name).unlink()
    if DAMAGE[damage] is not None:
        DAMAGE[damage](run / name)
    before = snapshot(run)
    err = _refused(["resume", "r", "--epochs", "120", "--runs-dir", str(tmp_path)], capsys)
    if name != "writer.lock":
        assert name in err, err
    assert snapshot(run) == before


def test_resume_refuses_append_files_shorter_than_their_checkpoint(finished, tmp_path,
                                                                   capsys):
    run = _copy(finished, tmp_path)
    (run / "metrics.jsonl").write_bytes(b"")
    before = snapshot(run)
    err = _refused(["resume", "r", "--epochs", "120", "--runs-dir", str(tmp_path)], capsys)
    assert "metrics.jsonl holds 0 bytes" in err
    assert snapshot(run) == before


RACER = """
import sys
from tui.cli import main
sys.exit(main(["resume", sys.argv[1], "--epochs", "3000", "--no-predictions",
               "--runs-dir", sys.argv[2]]))
"""


@pytest.mark.long
def test_two_resumes_raced_one_trains_the_other_is_refused(finished, tmp_path):
    root = Path(__file__).resolve().parents[3]
    for attempt in range(20):
        runs = tmp_path / f"race{attempt}"
        run = _copy(finished, runs)
        procs = [subprocess.Popen([sys.executable, "-c", RACER, "r", str(runs)], cwd=root,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
        results = sorted((p.wait(120), p.stderr.read()) for p in procs)
        for p in procs:
            p.stderr.close()
        assert [code for code, _ in results] == [0, 2], results
        refusal = results[1][1].strip()
        assert len(refusal.splitlines()) == 1, refusal
        assert "Traceback" not in refusal
        epochs = [r["epoch"] for r in read_metrics(run)]
        assert epochs == sorted(set(epochs)), f"duplicated rows on attempt {attempt}"
        assert epochs[-1] == 3000


@pytest.mark.long
def test_the_lock_dies_with_its_process(tmp_path):
    code = ("import sys, time; from core.records.lock import RunLock\n"
            "lock = RunLock.acquire(sys.argv[1]); print('held', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)],
                            cwd=Path(__file__).resolve().parents[3],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        assert writer_pid(tmp_path) == proc.pid
        with pytest.raises(RunBusy):
            RunLock.acquire(tmp_path)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.stdout.close()
    RunLock.acquire(tmp_path).release()
