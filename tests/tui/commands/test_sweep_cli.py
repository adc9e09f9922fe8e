"""``bp-tui sweep`` as a user meets it: refusals, failures, Ctrl-C once and twice, a
SIGKILL of the sweep process, and two sweeps at once into one runs directory."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tui.cli import main

LONG = ["--hidden", "8,8", "--epochs", "100000000", "--backend", "numpy", "--quiet"]
BOUND = 30.0  # seconds for processes to end: only a failure waits that long


@pytest.mark.parametrize(("argv", "flag"), [
    (["--hidden", "4,4", "--repeats", "10000000000"], "--repeats"),
    (["--hidden", "4,4", "8,8", "--repeats", "6000"], "--repeats"),
    (["--data", "xor", "linear", "--n", "50"], "--n"),
    (["--hidden", "4,4", "--dask", "tcp://127.0.0.1:1", "--workers", "2"], "--workers"),
    (["--hidden", "4,4", "--log-every", "0"], "--log-every"),
    (["--epochs", "10"], "--hidden"),
    (["--hidden", "4,4", "--name", "x[/]"], "--name"),
])
def test_refusals_are_one_line_naming_the_flag(argv, flag, capsys):
    with pytest.raises(SystemExit) as info:
        main(["sweep", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"bp-tui sweep: error: argument {flag}:")


def test_a_sweep_whose_members_failed_exits_1_and_says_why(runs_root, monkeypatch, capsys):
    import tui.commands.sweep as cmd
    from core.sweep import runner as runner_mod

    def broken(config, *args):
        raise RuntimeError(f"no room for {config['name']}")

    monkeypatch.setattr(runner_mod, "run_member", broken)
    monkeypatch.setattr(cmd, "_executor", lambda p, a, w: (ThreadPoolExecutor(1), lambda: None))
    code = main(["sweep", "--hidden", "3,3", "4,4", "--epochs", "5", "--name", "bad", "--quiet"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "bp-tui: sweep bad: 2 of 2 runs failed; bad-1: RuntimeError: no room for bad-1" in err
    assert [line.split()[2] for line in out.splitlines()[1:3]] == ["error", "error"]


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry.name))
    return kids


def _alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _start(bp_tui_cmd, *argv: str) -> subprocess.Popen:
    return subprocess.Popen([*bp_tui_cmd, "sweep", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for_metrics(root: Path, names: list[str], proc, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not all((root / n / "metrics.jsonl").exists() for n in names):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the members never started"
        time.sleep(0.05)


def _status(root: Path, name: str) -> str:
    return json.loads((root / name / "summary.json").read_text())["status"]


@pytest.mark.long
def test_sigkill_of_the_sweep_leaves_no_process_and_starts_nothing(runs_root, bp_tui_cmd):
    proc = _start(bp_tui_cmd, *LONG, "--lr", "0.1", "0.2", "0.3", "0.4", "--workers", "2",
                  "--name", "k")
    _wait_for_metrics(runs_root, ["k-1", "k-2"], proc)
    kids = _children(proc.pid)
    assert len(kids) >= 3  # two workers and the resource tracker
    proc.kill()
    proc.wait(10)
    deadline = time.monotonic() + BOUND
    while any(_alive(k) for k in kids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [k for k in kids if _alive(k)] == []
    time.sleep(0.5)
    assert not (runs_root / "k-3").exists()
    assert not (runs_root / "k-4").exists()
    assert [_status(runs_root, n) for n in ("k-1", "k-2")] == ["stopped", "stopped"]


@pytest.mark.long
@pytest.mark.parametrize(("sig", "presses", "status"), [
    (signal.SIGINT, 1, 130), (signal.SIGINT, 2, 130), (signal.SIGTERM, 1, 143),
    (signal.SIGTERM, 2, 143)])
def test_ctrl_c_or_sigterm_once_or_twice_is_clean(runs_root, bp_tui_cmd, sig, presses,
                                                  status):
    proc = _start(bp_tui_cmd, *LONG, "--lr", "0.1", "0.2", "0.3", "--workers", "2",
                  "--name", "c")
    _wait_for_metrics(runs_root, ["c-1", "c-2"], proc)
    kids = _children(proc.pid)
    for _ in range(presses):
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)  # as a terminal does: the whole group
        else:
            proc.send_signal(sig)  # as `kill PID` does
        time.sleep(0.05)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == status, err
    assert "Traceback" not in err + out
    assert "cancelling the sweep" in err
    deadline = time.monotonic() + BOUND
    while any(_alive(k) for k in kids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [k for k in kids if _alive(k)] == []
    assert list((runs_root / ".sweeps").iterdir()) == []  # no stop file, no control folder
    assert [_status(runs_root, n) for n in ("c-1", "c-2")] == ["stopped", "stopped"]
    assert not (runs_root / "c-3").exists()
    if presses == 1:
        rows = [r for r in out.splitlines()[1:] if not r.startswith("(")]  # a note: no row
        assert ["lr 0.1" in r for r in rows] == [True, False, False]
        assert [next(w for w in r.split() if w in ("stopped", "cancelled", "finished"))
                for r in rows] == ["stopped", "stopped", "cancelled"]


@pytest.mark.long
def test_two_sweeps_at_once_never_touch_each_other(runs_root, bp_tui_cmd):
    a = _start(bp_tui_cmd, *LONG, "--workers", "1", "--name", "twin")
    b = _start(bp_tui_cmd, "--hidden", "3,3", "--lr", "0.1", "--epochs", "2000",
               "--backend", "numpy",
               "--workers", "1", "--name", "twin", "--quiet")
    deadline = time.monotonic() + 60
    while len(list(runs_root.glob("twin*/metrics.jsonl"))) < 2:
        assert time.monotonic() < deadline, (a.poll(), b.poll())
        time.sleep(0.05)
    os.killpg(a.pid, signal.SIGINT)
    _a_out, a_err = a.communicate(timeout=30)
    b_out, b_err = b.communicate(timeout=60)
    assert a.returncode == 130, a_err
    assert b.returncode == 0, b_err
    names = sorted(p.name for p in runs_root.iterdir() if not p.name.startswith("."))
    assert names == ["twin-1", "twin-2-1"]
    statuses = {n: _status(runs_root, n) for n in names}
    b_run = next(n for n in names if json.loads(
        (runs_root / n / "config.json").read_text())["epochs"] == 2000)
    assert statuses[b_run] == "finished"
    assert b_out.splitlines()[1].split()[1:6] == ["linear", "·", "(3,3)", "finished",
                                                  "2000/2000"]
