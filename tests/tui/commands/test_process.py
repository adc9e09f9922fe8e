"""The ``bp-tui`` process at any instant: Ctrl-C and SIGTERM from the first moments
(while NumPy and numba import), signals during teardown, an ASCII terminal, numba's JIT
disabled, stdout on a full disk — always one line, the documented exit status, no
traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LONG = ["train", "--data", "xor", "--hidden", "8", "8", "--epochs", "100000000",
        "--log-every", "100000"]


def _wait_for_handlers(pid: int, timeout: float = 30.0) -> None:
    """Wait until bp-tui's own code runs: its handlers catch SIGTERM (Linux /proc).

    Before that the interpreter is still starting (about 30 ms idle, more under load)
    and Python's defaults apply; the timings below count from this moment."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        time.sleep(0.1)
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in status.read_text().splitlines():
            if line.startswith("SigCgt:") and int(line.split()[1], 16) & (1 << 14):
                return
        time.sleep(0.001)
    raise AssertionError("bp-tui never installed its signal handlers")


def _signalled(bp_tui_cmd, runs: Path, sig: int, after: float) -> subprocess.CompletedProcess:
    proc = subprocess.Popen([*bp_tui_cmd, *LONG, "--runs-dir", str(runs)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_handlers(proc.pid)
    time.sleep(after)
    proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize("after", [0.3, *(pytest.param(a, marks=pytest.mark.long)
                                         for a in (0.0, 0.05, 0.15, 0.6, 1.0, 1.5))])
def test_ctrl_c_at_any_moment_exits_130_with_one_line(bp_tui_cmd, tmp_path, after):
    res = _signalled(bp_tui_cmd, tmp_path / "runs", signal.SIGINT, after)
    assert res.returncode == 130, res.stderr
    assert "Traceback" not in res.stderr
    assert res.stderr.splitlines()[-1].startswith("bp-tui: interrupted"), res.stderr
    for run in (tmp_path / "runs").glob("*"):  # a run that had started is flushed
        assert json.loads((run / "summary.json").read_text())["status"] == "stopped"


@pytest.mark.parametrize("after", [0.3, *(pytest.param(a, marks=pytest.mark.long)
                                         for a in (0.0, 0.05, 1.2))])
def test_sigterm_at_any_moment_exits_143_terminated(bp_tui_cmd, tmp_path, after):
    res = _signalled(bp_tui_cmd, tmp_path / "runs", signal.SIGTERM, after)
    assert res.returncode == 143, res.stderr
    assert "Traceback" not in res.stderr
    assert res.stderr.splitlines()[-1].startswith("bp-tui: terminated"), res.stderr


def _entry_with(body: str, *argv: str) -> subprocess.CompletedProcess:
    """Run ``cli.entry()`` in a fresh interpreter after ``body`` (which may patch main)."""
    code = f"import os, signal, atexit, sys\nfrom tui import cli, process\n{body}\ncli.entry()\n"
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_signal_during_teardown_keeps_the_exit_status(sig):
    res = _entry_with("cli.main = lambda: 0\n"
                      f"atexit.register(lambda: os.kill(os.getpid(), signal.{sig}))\n")
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""


@pytest.mark.parametrize(("raised", "status", "line"), [
    ("KeyboardInterrupt()", 130, "bp-tui: interrupted"),
    ("cli.Terminated(signal.SIGTERM)", 143, "bp-tui: terminated"),
    ("MemoryError()", 1, "bp-tui: out of memory"),
    ("OSError(28, 'No space left on device')", 1,
     "bp-tui: cannot go on: No space left on device"),
    ("ZeroDivisionError('boom')", 1, "bp-tui: unexpected error (ZeroDivisionError: boom); "
                                     "BP_TUI_DEBUG=1 shows the traceback"),
])
def test_whatever_escapes_main_is_one_line(raised, status, line):
    res = _entry_with(f"def main():\n    raise {raised}\ncli.main = main\n")
    assert res.returncode == status
    assert res.stderr.splitlines() == [line]


def test_an_interrupt_printed_by_c_code_is_silent():
    """What C code's PyErr_Print does with an interrupted import: no traceback."""
    body = ("def main():\n"
            "    try:\n        raise KeyboardInterrupt\n"
            "    except KeyboardInterrupt:\n        sys.excepthook(*sys.exc_info())\n"
            "    process._received.append(signal.SIGINT)\n"
            "    raise ImportError('numpy._core.multiarray failed to import')\n"
            "cli.main = main\n")
    res = _entry_with(body)
    assert res.returncode == 130
    assert res.stderr.splitlines() == ["bp-tui: interrupted"]


def test_a_signal_ignored_at_start_stays_ignored():
    res = _entry_with("signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                      "process.install_early_handlers()\n"
                      "cli.main = lambda: (os.kill(os.getpid(), signal.SIGINT), 0)[1]\n")
    assert res.returncode == 0, res.stderr


def test_ascii_terminal_gets_escapes_not_a_traceback(bp_tui_cmd):
    res = subprocess.run([*bp_tui_cmd, "train", "--help"], capture_output=True,
                         timeout=60, env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert res.returncode == 0
    assert b"Traceback" not in res.stderr
    assert b"\\u2026" in res.stdout  # the help's "…", escaped


def test_numba_jit_disabled_trains_with_numpy(bp_tui_cmd, tmp_path):
    res = subprocess.run([*bp_tui_cmd, "train", "--data", "xor", "--hidden", "4",
                          "--epochs", "5", "--log-every", "5", "--no-record"],
                         capture_output=True, text=True, timeout=60,
                         env={**os.environ, "NUMBA_DISABLE_JIT": "1"})
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    assert "the compiled kernel is unavailable (NUMBA_DISABLE_JIT is set)" in res.stderr
    assert res.stdout.startswith("Epoch    0, loss: ")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_stdout_on_a_full_disk_is_one_line_exit_1_and_the_run_marked(bp_tui_cmd, tmp_path):
    with open("/dev/full", "w") as full:
        res = subprocess.run([*bp_tui_cmd, "train", "--data", "xor", "--hidden", "4",
                              "--epochs", "10", "--backend", "numpy", "--runs-dir",
                              str(tmp_path), "--name", "out"], stdout=full,
                             stderr=subprocess.PIPE, text=True, timeout=60)
    assert res.returncode == 1
    assert res.stderr.splitlines() == [
        "bp-tui: cannot write the output: No space left on device"]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["status"] == "error"
    assert summary["message"] == "cannot write the output: No space left on device"


def test_a_closed_pipe_stops_the_run_quietly(bp_tui_cmd, tmp_path):
    proc = subprocess.Popen([*bp_tui_cmd, *LONG[:-2], "--log-every", "1", "--backend",
                             "numpy", "--runs-dir", str(tmp_path), "--name", "piped"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()  # as `| head -1` does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert b"Traceback" not in err
    assert b"Exception ignored" not in err
    summary = json.loads((tmp_path / "piped" / "summary.json").read_text())
    assert summary["status"] == "stopped"
