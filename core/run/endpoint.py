"""The control endpoint of a live run: a Unix socket in its run directory.

Newline-delimited JSON, one object per line. A viewer sends commands and gets each one
acknowledged with the state it produced; ``subscribe`` makes the endpoint stream
updates (state, new log lines, metric rows, ŷ, derived views) to it:

    → {"id": 1, "cmd": "hello"}        ← {"type": "reply", "id": 1, "ok": true, "state": …}
    → {"id": 2, "cmd": "pause"}        ← {"type": "reply", "id": 2, "ok": true, "state": …}
    → {"id": 3, "cmd": "lr", "value": 0.05}
    → {"id": 4, "cmd": "subscribe"}    ← {"type": "update", "state": …, "lines": […], …}
    → {"id": 5, "cmd": "views", "request": {"boundary": [60, 40]}}

The socket is mode 0600 and refuses peers of another user (``SO_PEERCRED``); a viewer
sending anything that is not such an object is disconnected; the run never waits for a
viewer, and each viewer gets at most one update per ``PUSH_SECONDS`` (coalesced). A
socket left by a dead process is found stale (nobody answers) and replaced.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import struct
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from core.analysis.derived import ViewRequest
from core.records import layout
from core.run import wire
from core.run.journal import Cursor, Update
from core.run.wire import MAX_LINE, LineReader, WireError


class ServedRun(Protocol):
    """What the endpoint serves (``RunHost`` fills this role): its settings and state,
    the commands, the viewers' view requests and everything new since a cursor."""

    @property
    def config(self) -> Any: ...

    @property
    def state(self) -> Any: ...

    def command(self, name: str, value: Any = None) -> Any: ...

    def want(self, viewer: str, request: ViewRequest) -> None: ...

    def poll(self, cursor: Cursor) -> Update: ...

__all__ = ["MAX_PUSH_ROWS", "Endpoint", "EndpointError", "ServedRun", "socket_address",
           "socket_alive"]

PUSH_SECONDS = 0.25  # a viewer gets at most 4 updates a second (the newest state)
FINAL_PUSH_SECONDS = 1.0  # close() waits at most this long for the last round
MAX_PUSH_ROWS = 64  # metric rows per update, evenly thinned: 256 a second at most
BACKLOG_ROWS = 2000  # rows of a viewer's first update (what the run did before it came)
_PATH_MAX = 100  # sun_path holds 108 bytes; longer paths go through /proc/self/fd


class EndpointError(OSError):
    """The endpoint cannot be served (e.g. another live process owns the socket)."""


@contextlib.contextmanager
def socket_address(path: Path):
    """An AF_UNIX address for ``path``, short enough for sun_path: the path itself, or
    /proc/self/fd/<dir fd>/<name> through an open descriptor of its directory."""
    text = str(path)
    if len(text.encode()) <= _PATH_MAX:
        yield text
        return
    fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{fd}/{path.name}"
    finally:
        os.close(fd)


def _peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


class Endpoint:
    """Serves ``host`` on ``<run_dir>/control.sock`` until ``close()``.

    One thread per viewer reads its commands (and sleeps while it sends none); one
    pusher thread sends every subscribed viewer its updates, at most one per
    ``PUSH_SECONDS`` each, coalesced: the newest state, with every line and row since
    the viewer's cursor, encoded once for all viewers at the same cursor. A viewer that
    reads slowly is sent nothing more until it has taken what it was sent, so the run
    and the other viewers never wait for it.
    """

    def __init__(self, host: ServedRun, run_dir: str | Path) -> None:
        self.host = host
        self.path = Path(run_dir) / layout.SOCKET
        self._sock: socket.socket | None = None
        self._closed = threading.Event()
        self._count = 0
        self._viewers: set[Connection] = set()
        self._viewers_lock = threading.Lock()
        self._pushing: threading.Thread | None = None

    def start(self) -> Endpoint:
        """Bind (replacing a stale socket), listen, and accept in a daemon thread."""
        if self.path.exists():
            if socket_alive(self.path):
                raise EndpointError(f"{self.path} is served by another live process")
            self.path.unlink(missing_ok=True)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # the socket is created 0600
        try:
            with socket_address(self.path) as address:
                sock.bind(address)
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        sock.listen(8)
        self._sock = sock
        threading.Thread(target=self._accept, name="bp-tui-endpoint", daemon=True).start()
        self._pushing = threading.Thread(target=self._pusher, name="bp-tui-pusher",
                                         daemon=True)
        self._pushing.start()
        return self

    def close(self) -> None:
        """Stop serving: the pusher sends every viewer the final state (at once, not at
        its next tick; bounded), then every viewer is hung up on and the socket removed."""
        self._closed.set()
        if self._pushing is not None:
            self._pushing.join(FINAL_PUSH_SECONDS)
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
        with self._viewers_lock:
            viewers = list(self._viewers)
        for v in viewers:  # wakes its reader thread, which waits without a timeout
            with contextlib.suppress(OSError):
                v.conn.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.path.unlink()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            if _peer_uid(conn) != os.getuid():
                conn.close()  # another user: refused
                continue
            self._count += 1
            threading.Thread(target=self._serve, args=(conn, f"viewer-{self._count}"),
                             daemon=True, name="bp-tui-viewer").start()

    def _serve(self, conn: socket.socket, viewer: str) -> None:
        conn.setblocking(False)
        link = Connection(self.host, conn, viewer, self._closed)
        with self._viewers_lock:
            self._viewers.add(link)
        try:
            with contextlib.suppress(OSError), conn:
                link.run()
        finally:
            link.gone = True
            with self._viewers_lock:
                self._viewers.discard(link)

    def _pusher(self) -> None:
        """Every ``PUSH_SECONDS``: one update to each subscribed viewer that has taken
        the last; in between, the rest of what slow viewers were sent. On close, one
        last round (the run's final state)."""
        next_tick = time.monotonic()
        while not self._closed.is_set():
            viewers = self._subscribed()
            backlog = [v for v in viewers if v.pending]
            wait = max(next_tick - time.monotonic(), 0.0)
            if backlog:
                with contextlib.suppress(OSError, ValueError):
                    _, ready, _ = select.select([], [v.conn for v in backlog], [], wait)
                    for v in backlog:
                        if v.conn in ready:
                            v.flush()
            elif self._closed.wait(wait):
                break
            if time.monotonic() < next_tick:
                continue
            next_tick = time.monotonic() + PUSH_SECONDS
            self._push_round(viewers)
        self._final_round(self._subscribed())

    def _final_round(self, viewers: list[Connection]) -> None:
        """The final state to every viewer, flushed while the sockets take it (a viewer
        that does not read within the bound misses it; the run never waits longer)."""
        self._push_round(viewers)
        deadline = time.monotonic() + FINAL_PUSH_SECONDS / 2
        while (backlog := [v for v in viewers if v.pending and not v.gone]) and (
                left := deadline - time.monotonic()) > 0:
            with contextlib.suppress(OSError, ValueError):
                _, ready, _ = select.select([], [v.conn for v in backlog], [], left)
                for v in backlog:
                    if v.conn in ready:
                        v.flush()

    def _subscribed(self) -> list[Connection]:
        with self._viewers_lock:
            return [v for v in self._viewers if v.cursor is not None]

    @staticmethod
    def _push_round(viewers: list[Connection]) -> None:
        encoded: dict[Cursor, tuple[Update, bytes]] = {}
        for v in viewers:
            v.push(encoded)

    def __repr__(self) -> str:
        state = ("closed" if self._closed.is_set() else
                 "open" if self._sock is not None else "not started")
        return f"Endpoint({str(self.path)!r}, {state}, viewers={self._count})"


class Connection:
    """One viewer: commands in, replies and (once subscribed) updates out, through one
    buffer of bytes not yet taken by the viewer (``pending``)."""

    def __init__(self, host: ServedRun, conn: socket.socket, viewer: str,
                 closed: threading.Event) -> None:
        self.host, self.conn, self.viewer, self.closed = host, conn, viewer, closed
        self.reader = LineReader(limit=MAX_LINE)
        self.cursor: Cursor | None = None  # set once subscribed
        self.request = ViewRequest()
        self.pending = b""
        self.gone = False
        self._sent = None
        self._lock = threading.Lock()

    def send(self, obj: dict[str, Any]) -> None:
        """Queue one message (a reply) and send what the socket takes now."""
        self.queue(wire.dumps(obj))

    def queue(self, data: bytes) -> None:
        with self._lock:
            self.pending += data
        self.flush()

    def flush(self) -> None:
        """Send as much of ``pending`` as the socket takes without waiting."""
        with self._lock:
            if not self.pending or self.gone:
                return
            try:
                sent = self.conn.send(self.pending)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.gone, self.pending = True, b""
                return
            self.pending = self.pending[sent:]

    def run(self) -> None:
        """Read commands until the viewer leaves, sends junk or the endpoint closes."""
        while not self.closed.is_set() and not self.gone:
            select.select([self.conn], [], [])  # no timeout: an idle viewer costs nothing
            try:
                chunk = self.conn.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            if not chunk:
                return  # the viewer left
            if not self._handle(chunk):
                return  # junk: disconnect

    def _handle(self, chunk: bytes) -> bool:
        """Answer every command ``chunk`` completes; False for junk (disconnect)."""
        try:
            for msg in self.reader.feed(chunk):
                if not isinstance(msg.get("cmd"), str):
                    return False
                self.send(self._reply(msg))
        except WireError:
            return False
        return True

    def _reply(self, msg: dict[str, Any]) -> dict[str, Any]:
        """The reply to one command: ok, or not ok with a one-line error — whatever the
        command holds (types and ranges are checked; nothing in it can raise)."""
        cmd, rid, extra = msg["cmd"], msg.get("id"), {}
        try:
            if cmd == "hello":
                extra = {"pid": os.getpid(), "config": self.host.config.to_dict()}
            elif cmd == "subscribe":
                self.cursor = Cursor()
            elif cmd == "views":
                self.request = ViewRequest.from_json(msg.get("request"))
                self.host.want(self.viewer, self.request)
            else:
                self.host.command(cmd, msg.get("value"))
        except ValueError as exc:
            return wire.reply(rid, self.host.state, str(exc))
        except Exception as exc:  # a last guard: tests feed every kind of junk
            return wire.reply(rid, self.host.state,
                              f"unusable command ({type(exc).__name__})")
        return wire.reply(rid, self.host.state, **extra)

    def push(self, encoded: dict[Cursor, tuple[Update, bytes]]) -> None:
        """Queue the newest update for this viewer if it has taken the last one and
        something changed; ``encoded`` shares the work between viewers at one cursor."""
        cursor = self.cursor
        if cursor is None or self.pending or self.gone:
            return
        if not self.request.empty:
            self.host.want(self.viewer, self.request)  # renewed while the viewer is here
        if cursor not in encoded:
            update = self.host.poll(cursor)
            most = BACKLOG_ROWS if cursor.rows == 0 else MAX_PUSH_ROWS
            data = wire.dumps(wire.encode_update(update, most))
            encoded[cursor] = (update, data)
        update, data = encoded[cursor]
        if update.cursor != cursor or update.state != self._sent:
            self.cursor, self._sent = update.cursor, update.state
            self.queue(data)


def socket_alive(path: Path, timeout: float = 1.0) -> bool:
    """True when a process answers on the socket at ``path`` (False: none, or stale)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        with socket_address(path) as address:
            sock.connect(address)
        return True
    except OSError:
        return False
    finally:
        sock.close()
