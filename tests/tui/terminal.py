"""A command on a terminal of its own, for the process-lifecycle tests: tmux (a real
terminal emulator, as a user's) where it is installed, else (or with BP_TUI_TEST_PTY=1)
a pseudo-terminal that is the command's controlling terminal. Either way a hangup is the
kernel's own: the terminal closes and its session gets SIGHUP (and SIGCONT)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import termios
import threading
import time
import uuid
from pathlib import Path

import pytest

ANSI = re.compile(r"\x1b(\[[0-9;?<>=$]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>])")
PTY_KEYS = {"C-z": b"\x1a", "Enter": b"\r", "Escape": b"\x1b", "Down": b"\x1b[B"}


def processes_of(session: int) -> list[int]:
    """Live processes of ``session`` (zombies, already gone but not yet reaped, aside)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def state_of(pid: int) -> str:
    """The process's state letter (R, S, T for stopped…), "" once it has gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


def wait_gone(session: int, timeout: float) -> float:
    """Seconds until no process of ``session`` is left; fails after ``timeout``, with
    the stacks of what is left when py-spy is installed."""
    start = time.monotonic()
    while processes_of(session):
        if time.monotonic() - start > timeout:
            left = processes_of(session)
            raise AssertionError(f"processes left after {timeout:g} s: {left}\n"
                                 + "\n".join(stacks(pid) for pid in left))
        time.sleep(0.05)
    return time.monotonic() - start


def stacks(pid: int) -> str:
    """The Python stacks of ``pid`` (py-spy dump), or why not."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    try:
        out = subprocess.run([spy, "dump", "--pid", str(pid)], capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{pid} ({state_of(pid)}): no stacks ({exc})"
    return f"{pid} ({state_of(pid)}):\n{out.stdout}{out.stderr[:300]}"


class Terminal:
    """``cmd`` on a 120×40 terminal, directly or typed into an interactive bash with job
    control (``shell=True``). ``pid`` is the bp-tui process, ``session`` its session."""

    def __init__(self, cmd: list[str], env: dict[str, str], shell: bool = False) -> None:
        self.env = {**os.environ, **env, "TERM": "xterm-256color", "PS1": "$ "}
        self.env.pop("COLORTERM", None)
        self.tmux = shutil.which("tmux") is not None and not os.environ.get("BP_TUI_TEST_PTY")
        self.name = f"bp-tui-test-{uuid.uuid4().hex[:8]}"
        self._out, self._master, self._proc = bytearray(), -1, None
        if shell and not self.tmux:  # its hangup left bash behind: not a fair test
            pytest.skip("a job-control shell on a terminal needs tmux here")
        if shell:
            first = ["bash", "--norc", "--noprofile", "-i"]
        elif self.tmux:  # tmux may lose a status (pane closed before reaped): keep it
            self.status_file = Path(tempfile.mkdtemp()) / "status"
            first = ["sh", "-c", f'"$@"; echo $? > {self.status_file}', "sh", *cmd]
        else:
            first = cmd
        leader = self._start_tmux(first) if self.tmux else self._start_pty(first)
        self.session = self.pid = leader
        try:
            if shell:
                self.until("$")
                self.send(" ".join(cmd), "Enter")
            if shell or self.tmux:
                self.pid = self._child_of(leader)
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------ start
    def _start_tmux(self, argv: list[str]) -> int:
        env = [f"{k}={v}" for k, v in self.env.items() if k.startswith(("BP_TUI", "PS1"))]
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", "120", "-y", "40",
                        "env", *env, "TERM=xterm-256color", *argv], check=True)
        out = subprocess.run(["tmux", "display", "-p", "-t", self.name, "#{pane_pid}"],
                             capture_output=True, text=True, check=True).stdout
        return int(out)

    def _start_pty(self, argv: list[str]) -> int:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, b"\x28\x00\x78\x00\x00\x00\x00\x00")

        def controlling_tty() -> None:
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self._proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                      env=self.env, preexec_fn=controlling_tty)
        os.close(slave)
        self._master = master
        threading.Thread(target=self._drain, daemon=True).start()
        return self._proc.pid

    def _drain(self) -> None:
        """Read the terminal as an emulator does, so the command never blocks writing."""
        with contextlib.suppress(OSError):
            while chunk := os.read(self._master, 65536):
                self._out += chunk
                del self._out[:-200_000]

    def _child_of(self, parent: int, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for pid in processes_of(self.session):
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                if int(stat[1]) == parent and b"bp-tui" in Path(
                        f"/proc/{pid}/cmdline").read_bytes():
                    return pid
            time.sleep(0.05)
        raise AssertionError("the shell never started bp-tui")

    # ------------------------------------------------------------ use
    def text(self) -> str:
        """What the terminal shows (tmux) or has received (a pseudo-terminal)."""
        if self.tmux:
            return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name],
                                  capture_output=True, text=True).stdout
        return ANSI.sub("", self._out.decode("utf-8", "replace"))

    def until(self, text: str, timeout: float = 60.0) -> None:
        """Wait until ``text`` shows."""
        deadline = time.monotonic() + timeout
        while text not in self.text():
            assert time.monotonic() < deadline, f"never saw {text!r}:\n{self.text()}"
            time.sleep(0.1)

    def send(self, *keys: str) -> None:
        """Keys as tmux names them ("C-z", "Enter") or literal text."""
        if self.tmux:
            for key in keys:
                literal = [] if key in PTY_KEYS else ["-l"]
                subprocess.run(["tmux", "send-keys", "-t", self.name, *literal, key],
                               check=True)
            return
        for key in keys:
            os.write(self._master, PTY_KEYS.get(key, key.encode()))

    def exit_status(self) -> int | None:
        """The command's exit status once it has ended (not with ``shell=True``)."""
        if not self.tmux:
            return self._proc.poll()
        with contextlib.suppress(OSError, ValueError):
            return int(self.status_file.read_text())
        return None

    def hang_up(self) -> None:
        """The terminal goes away, as when an SSH link drops (tmux kill-session)."""
        if self.tmux:
            subprocess.run(["tmux", "kill-session", "-t", self.name],
                           stderr=subprocess.DEVNULL)
        elif self._master >= 0:
            os.close(self._master)
            self._master = -1

    def close(self) -> None:
        """End whatever is left (a failed test), then the terminal."""
        for pid in processes_of(self.session):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        self.hang_up()
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(5)
