"""A ``bp-tui serve`` process for tests: start it on a free port, read its URL, find
its tabs' processes, end it."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import time
from pathlib import Path

__all__ = ["Forwarder", "Served", "alive", "children", "wait_until"]


def wait_until(predicate, timeout: float, what: str) -> None:
    """Poll ``predicate`` until it is true; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def children(pid: int) -> set[int]:
    """The live child processes of ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


class Served:
    """``bp-tui serve --port 0 [extra] [-- tab_args]`` as a subprocess."""

    def __init__(self, cmd: list[str], extra: list[str] = (), tab_args: list[str] = (),
                 tmp: Path | None = None) -> None:
        argv = [*cmd, "serve", "--port", "0", *extra]
        if tab_args:
            argv += ["--", *tab_args]
        env = os.environ.copy()
        if tmp is not None:  # the server's folder of tab logs goes there
            env["TMPDIR"] = str(tmp)
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        self.url = self.proc.stdout.readline().strip()
        assert self.url.startswith("http://"), self.proc.stderr.read()
        self.base, self.token = self.url.split("?token=")

    def said(self, text: str, timeout: float) -> str:
        """Read the server's stderr (unbuffered) until it holds ``text``; what was read.
        Fails after ``timeout`` seconds."""
        read = b""
        fd = self.proc.stderr.fileno()
        deadline = time.monotonic() + timeout
        while text.encode() not in read:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise AssertionError(f"bp-tui serve never said {text!r}: {read!r}")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise AssertionError(f"bp-tui serve ended without saying {text!r}: {read!r}")
            read += chunk
        return read.decode()

    def tab_pids(self) -> set[int]:
        return children(self.proc.pid)

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 40.0) -> tuple[int, str]:
        """Signal the server; its exit status and stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        try:
            _, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
            raise AssertionError(f"bp-tui serve did not end within {timeout} s: {err}") from None
        return self.proc.returncode, err


class Forwarder:
    """A TCP port forwarded to another, as ``ssh -L LOCAL:localhost:PORT`` does: the
    page is reached on a port the server never heard of."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._server = None

    async def __aenter__(self) -> Forwarder:
        import asyncio

        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        self._server.close()

    async def _pipe(self, reader, writer) -> None:
        import asyncio

        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)

        async def copy(src, dst) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(ConnectionError, RuntimeError):
                dst.close()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))
