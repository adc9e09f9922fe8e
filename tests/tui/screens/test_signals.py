"""A real dashboard in a pseudo-terminal: a dropped connection (SIGHUP) leaves its run
training to the end in the same process, then no process; SIGTERM stops it cleanly;
``d`` detaches; another terminal attaches with full control."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest

from core.records import read_metrics


def _dashboard(bp_tui_cmd: list[str], runs: Path, *flags: str) -> tuple[subprocess.Popen, int]:
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "BP_TUI_RUNS": str(runs),
           "COLUMNS": "120", "LINES": "40"}
    env.pop("COLORTERM", None)
    proc = subprocess.Popen(
        [*bp_tui_cmd, "--data", "linear", "--hidden", "16", "16", "--lr", "0.01", "--start",
         *flags],
        stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
    )
    os.close(slave)
    return proc, master


def _drain(master: int) -> bytes:
    out = b""
    try:
        while select.select([master], [], [], 0)[0]:
            chunk = os.read(master, 65536)
            if not chunk:
                break
            out += chunk
    except OSError:
        pass
    return out


def _wait_until_running(runs: Path, master: int, timeout: float = 60.0) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _drain(master)
        for run in runs.glob("*"):
            if (run / "control.sock").exists() and (run / "metrics.jsonl").stat().st_size:
                return run
        time.sleep(0.05)
    raise AssertionError("the dashboard never started training")


def _wait_exit(proc: subprocess.Popen, master: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if master >= 0:
            _drain(master)
        time.sleep(0.05)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _thread_cpu(pid: int) -> dict[str, float]:
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        name = (task / "comm").read_text().strip()
        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        out[f"{name}-{task.name}"] = (int(fields[11]) + int(fields[12])) / os.sysconf(
            "SC_CLK_TCK")
    return out


@pytest.mark.long
def test_hangup_leaves_the_run_training_to_its_end(bp_tui_cmd, tmp_path):
    runs = tmp_path / "runs"
    proc, master = _dashboard(bp_tui_cmd, runs, "--epochs", "150000")
    try:
        run = _wait_until_running(runs, master)
        os.close(master)  # the terminal goes away, as when SSH drops …
        master = -1
        os.killpg(proc.pid, signal.SIGHUP)  # … and the kernel hangs the session up
        time.sleep(1.0)
        assert proc.poll() is None, "the run must outlive its terminal"
        # A thread spinning on the dead tty is busy in every window; the UI's shutdown
        # or an analyst computation on a loaded machine is not: the quietest of three.
        # Windows are taken while the trainer's thread (named for the OS) still trains.
        windows = []
        for _ in range(3):
            before = _thread_cpu(proc.pid)
            time.sleep(0.7)
            after = _thread_cpu(proc.pid)
            if not any(k.startswith("bp-tui-train") for k in after):
                break  # the run has ended: what follows is its exit, not a spin
            busy = {k: after[k] - before.get(k, 0.0) for k in after}
            windows.append((sum(v for k, v in busy.items()
                                if not k.startswith("bp-tui-train")), busy))
        assert windows, "the run ended before the process could be watched"
        quietest = min(windows, key=lambda w: w[0])
        assert quietest[0] < 0.2, f"a thread spins on the dead tty: {quietest[1]}"
        _wait_exit(proc, master, 120)
        assert proc.poll() is not None, "the process must end with its run"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        if master >= 0:
            os.close(master)
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "finished"
    assert summary["epoch"] == 150000
    assert read_metrics(run)[-1]["epoch"] == 150000
    assert not (run / "control.sock").exists()


def test_sigterm_stops_the_run_cleanly(bp_tui_cmd, tmp_path):
    runs = tmp_path / "runs"
    proc, master = _dashboard(bp_tui_cmd, runs, "--epochs", "100000000")
    try:
        run = _wait_until_running(runs, master)
        os.killpg(proc.pid, signal.SIGTERM)
        _wait_exit(proc, master, 60)
        assert proc.poll() is not None, "bp-tui is still running after SIGTERM"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        os.close(master)
    assert json.loads((run / "summary.json").read_text())["status"] == "stopped"
    assert "***** Training stopped at epoch" in (run / "log.txt").read_text()


@pytest.mark.long
def test_detach_then_attach_with_full_control(bp_tui_cmd, tmp_path):
    """``d`` leaves the terminal; ``bp-tui attach`` in another one pauses and resumes the
    run; a second viewer sees the same state; the run ends, then its process."""
    from core.run.links import SocketLink

    runs = tmp_path / "runs"
    proc, master = _dashboard(bp_tui_cmd, runs, "--epochs", "100000000")
    try:
        run = _wait_until_running(runs, master)
        os.write(master, b"d")
        deadline, seen = time.monotonic() + 30, b""
        while b"trains on in the background" not in seen and time.monotonic() < deadline:
            seen += _drain(master)
            time.sleep(0.05)
        assert b"bp-tui attach" in seen
        assert proc.poll() is None
        a, b = SocketLink(run), SocketLink(run)
        assert a.command("pause").status.value == "paused"
        deadline = time.monotonic() + 30
        while b.poll().state.status.value != "paused" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert b.journal.state.status.value == "paused"
        assert a.command("lr", 0.02).lr == 0.02
        b.command("resume")
        b.command("stop")
        a.close()
        b.close()
        _wait_exit(proc, master, 60)
        assert proc.poll() is not None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        os.close(master)
    assert json.loads((run / "summary.json").read_text())["status"] == "stopped"
    assert read_metrics(run)[-1]["lr"] in (0.01, 0.02)


def _job_control_shell(runs: Path) -> tuple[subprocess.Popen, int]:
    """An interactive bash with job control, on a pseudo-terminal it controls."""
    import fcntl
    import termios

    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "BP_TUI_RUNS": str(runs), "PS1": "$ "}
    env.pop("COLORTERM", None)

    def controlling_tty() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(["bash", "--norc", "--noprofile", "-i"], stdin=slave,
                            stdout=slave, stderr=slave, env=env, preexec_fn=controlling_tty)
    os.close(slave)
    os.write(master, b"stty cols 120 rows 40\n")
    return proc, master


def _until(master: int, text: bytes, timeout: float, seen: bytes = b"") -> bytes:
    deadline = time.monotonic() + timeout
    while text not in seen and time.monotonic() < deadline:
        seen += _drain(master)
        time.sleep(0.05)
    assert text in seen, f"never saw {text!r}"
    return seen


def _until_running_job(master: int, timeout: float = 30.0) -> None:
    """Ask the shell for its jobs until it lists one as Running (not Stopped)."""
    deadline, seen = time.monotonic() + timeout, b""
    while b"Running" not in seen:
        assert time.monotonic() < deadline, f"the job never ran on: {seen[-300:]!r}"
        os.write(master, b"jobs\n")
        time.sleep(0.3)
        seen += _drain(master)


@pytest.mark.long
def test_detach_under_a_job_control_shell_gives_the_prompt_back(bp_tui_cmd, tmp_path):
    """The shell gets its prompt back; the run goes on as a background job (not stopped),
    ends when stopped from a viewer, and the job exits 0 with nothing in detached.log."""
    from core.run.links import SocketLink

    runs = tmp_path / "runs"
    shell, master = _job_control_shell(runs)
    try:
        cmd = " ".join([*bp_tui_cmd, "--data", "linear", "--hidden", "16", "16", "--start",
                        "--epochs", "100000000"])
        os.write(master, cmd.encode() + b"\n")
        run = _wait_until_running(runs, master)
        time.sleep(0.5)
        os.write(master, b"d")
        _until(master, b"trains on in the background", 30)
        _until_running_job(master)  # the job is continued 0.3 s after it stopped
        pid = json.loads((run / "summary.json").read_text())["pid"]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        assert fields[0] in "RS", f"the detached run is in state {fields[0]}"
        with contextlib.closing(SocketLink(run)) as viewer:
            viewer.command("stop")
        os.write(master, b"wait %1; echo exit=$?\n")
        _until(master, b"exit=0", 60)
    finally:
        shell.kill()
        os.close(master)
    assert json.loads((run / "summary.json").read_text())["status"] == "stopped"
    assert (run / "detached.log").read_text() == ""
