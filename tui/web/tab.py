"""One browser tab's bp-tui process: textual-serve's ``AppService`` with the waits bounded.

textual-serve starts the app through a shell, reads its stderr into memory, waits without
limit for it to quit and kills nothing. Here a tab's process is ``python -m tui.web ARGS``
in a session of its own, its stderr (and, through ``tui.web.__main__``, its stdout) goes
to the tab's log file, and every wait has a limit:

- a closed tab is a hangup (SIGHUP), as a dropped SSH link is: an idle dashboard leaves,
  a dashboard training its own run lets it train on (attachable) and says so on the
  channel (``TRAINS_ON``); a process whose UI has not ended ``waits.ui`` seconds later,
  or that has not exited ``waits.exit`` seconds after its UI ended, is killed with its
  whole process group — unless it serves a live run's control socket (it trains that
  run, which goes on);
- the server's end is SIGTERM (the run stopped cleanly, records flushed), then the kill
  after ``waits.term`` seconds.

The process is a ``subprocess.Popen``, not an asyncio subprocess: asyncio kills a child
whose transport is closed or collected, and a run that trains on must outlive the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from core.records.layout import SOCKET
from tui.web import TRAINS_ON

__all__ = ["Tab", "Waits"]

log = logging.getLogger("bp-tui.serve")

DRIVER = "tui.web.driver:TabDriver"
POLL = 0.05  # seconds between looks at a process we wait for


@dataclass(frozen=True)
class Waits:
    """The limits, in seconds: a hung-up tab's UI to end, its process to exit after
    that, and a terminated tab's process to exit (its run stopped and flushed)."""

    ui: float = 5.0
    exit: float = 5.0
    term: float = 10.0


class Tab(AppService):
    """A tab's process and the relay between it and the tab's websocket."""

    def __init__(self, argv: Sequence[str], *, number: int, log_path: Path,
                 send_bytes: Callable[[bytes], Awaitable[None]],
                 send_str: Callable[[str], Awaitable[None]],
                 close: Callable[[], Awaitable[None]],
                 download_manager: DownloadManager, waits: Waits | None = None) -> None:
        super().__init__(f"bp-tui {' '.join(argv)}".strip(), write_bytes=send_bytes,
                         write_str=send_str, close=close, download_manager=download_manager)
        self.argv, self.number, self.log_path = list(argv), number, log_path
        self.waits = waits or Waits()
        self.popen: subprocess.Popen | None = None
        self.started = False  # the UI came up (the driver's prelude was read)
        self.trains_on: str | None = None  # the run this process trains on, UI gone
        self._ui_gone = asyncio.Event()
        self._reader: asyncio.StreamReader | None = None

    # ------------------------------------------------------------------ start
    async def _open_app_process(self, width: int = 80, height: int = 24) -> subprocess.Popen:
        """Start ``python -m tui.web ARGS`` with the web driver, in a new session."""
        env = self._build_environment(width=width, height=height)
        env["TEXTUAL_DRIVER"] = DRIVER
        env.pop("BP_TUI_TOKEN", None)  # the tab has no use for the server's secret
        with open(self.log_path, "ab") as log_file:
            self.popen = popen = subprocess.Popen(
                [sys.executable, "-m", "tui.web", *self.argv], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=log_file, env=env, start_new_session=True)
        loop = asyncio.get_running_loop()
        self._reader = reader = asyncio.StreamReader(limit=2**20)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                     popen.stdout)
        transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, popen.stdin)
        self._stdin = asyncio.StreamWriter(transport, protocol, None, loop)
        return popen

    # ------------------------------------------------------------------ relay
    async def run(self) -> None:
        """Relay the process's packets to the browser until its channel closes."""
        assert self._reader is not None
        stream = self._reader
        try:
            self.started = await stream.readline() == b"__GANGLION__\n"
            if not self.started:
                await self._failed_to_start()
                return
            while True:
                kind = await stream.readexactly(1)
                size = int.from_bytes(await stream.readexactly(4), "big")
                payload = await stream.readexactly(size)
                if kind == b"D":
                    await self.on_data(payload)
                elif kind == b"M":
                    await self.on_meta(payload)
                elif kind == b"P":
                    await self.on_packed(payload)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass  # the channel closed (the UI ended, or the process died)
        finally:
            self._ui_gone.set()

    async def on_meta(self, data: bytes) -> None:
        """The driver's ``exit`` ends the UI; ``TRAINS_ON`` names the run that goes on."""
        try:
            meta = json.loads(data)
        except ValueError:
            return
        if meta.get("type") == TRAINS_ON:
            self.trains_on = str(meta.get("run", ""))
            log.info("tab %d closed; its run trains on: %s", self.number,
                     f"bp-tui attach {self.trains_on}" if self.trains_on
                     else "bp-tui runs shows it once it has a name")
            return
        if meta.get("type") == "exit":
            self._ui_gone.set()
        await super().on_meta(data)

    async def _failed_to_start(self) -> None:
        """The process ended before its UI came up (``attach`` to a missing run, …):
        show the tail of its log in the tab, then close the tab's socket."""
        await self._wait_exit(self.waits.exit)
        text = _tail(self.log_path)
        log.warning("tab %d: bp-tui %s ended before its screen came up%s", self.number,
                    " ".join(self.argv), f": {text.splitlines()[-1]}" if text else "")
        message = text or "bp-tui ended before its screen came up"
        await self.remote_write_bytes((message.replace("\n", "\r\n") + "\r\n").encode())
        await self.remote_close()

    # ------------------------------------------------------------------ endings
    async def stop(self) -> None:
        """The tab closed: hang up, as a dropped SSH link does (bounded waits)."""
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        if self.popen is None:  # it never started
            return
        if not self._ui_gone.is_set():
            self._signal(signal.SIGHUP)
        await self._end(self.waits.ui, self.waits.exit)

    async def terminate(self) -> None:
        """The server ends: SIGTERM (the app stops its run, records flushed), then the
        kill. A process whose UI already ended and trains its run on is left to it."""
        if self.trains_on is None:
            self._signal(signal.SIGTERM)
            if not await self._wait_exit(self.waits.term):
                self.kill(f"it did not exit within {self.waits.term:g} s of SIGTERM")
                await self._wait_exit(2.0)
        await self._close_pipes()

    async def _end(self, ui_wait: float, exit_wait: float) -> None:
        """Wait for the UI's end and then the process's (unless it trains on); kill
        the process group when either wait runs out."""
        with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
            await asyncio.wait_for(self._ui_gone.wait(), ui_wait)
        if not self._ui_gone.is_set():
            self._kill_unless_training(f"its screen did not end within {ui_wait:g} s")
        elif self.trains_on is None and not await self._wait_exit(exit_wait):
            self._kill_unless_training(f"it did not exit within {exit_wait:g} s")
        if self.trains_on is None:
            await self._wait_exit(2.0)  # a killed process is gone at once
        await self._close_pipes()

    def _kill_unless_training(self, why: str) -> None:
        """Kill the process, unless it serves a live run's control socket (it trains
        that run, whatever its screen did): then it is left to train on."""
        run = serving_run(self.popen.pid) if self.popen is not None else None
        if run is None:
            self.kill(why)
            return
        self.trains_on = run
        log.info("tab %d closed (%s); it trains run %s on: bp-tui attach %s", self.number,
                 why, run, run)

    def _signal(self, signum: int) -> None:
        if self.popen is not None and self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.popen.pid, signum)

    def kill(self, why: str) -> None:
        """SIGKILL the tab's process group (its process and any child it left)."""
        if self.popen is None:
            return
        log.warning("tab %d: killed: %s", self.number, why)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)

    async def _wait_exit(self, timeout: float) -> bool:
        """True once the process has exited, False if ``timeout`` passes first."""
        deadline = time.monotonic() + timeout
        while self.popen is not None and self.popen.poll() is None:
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(POLL)
        return True

    async def _close_pipes(self) -> None:
        """Close our ends of the process's pipes and collect the relay task."""
        if self._stdin is not None:
            self._stdin.close()
        if self._task is not None:
            with contextlib.suppress(TimeoutError, asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._task, 1.0)
            self._task = None
        if self.popen is not None and self.popen.stdout is not None:
            self.popen.stdout.close()

    @property
    def alive(self) -> bool:
        """True while the tab's process runs."""
        return self.popen is not None and self.popen.poll() is None


def serving_run(pid: int) -> str | None:
    """The name of the run whose control socket (``<run>/control.sock``) process ``pid``
    listens on, if any (Linux: its socket inodes matched in /proc/net/unix)."""
    try:
        links = (os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd"))
        inodes = {link[8:-1] for link in links if link.startswith("socket:[")}
        table = Path("/proc/net/unix").read_text().splitlines()[1:]
    except OSError:
        return None
    for line in table:
        fields = line.split()
        if len(fields) >= 8 and fields[6] in inodes and fields[7].endswith("/" + SOCKET):
            return Path(fields[7]).parent.name
    return None


def _tail(path: Path, size: int = 2000) -> str:
    """The last ``size`` bytes of a log as text, control characters escaped."""
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - size))
            raw = f.read()
    except OSError:
        return ""
    text = raw.decode("utf-8", "replace").strip()
    return "".join(c if c == "\n" or c.isprintable() else repr(c)[1:-1] for c in text)
