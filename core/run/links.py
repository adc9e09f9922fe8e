"""Links to a run: one interface whatever the run's source. No Textual here.

- ``HostLink``: the in-process host of a run this process trains (full control);
- ``SocketLink``: another process's host, through its control endpoint (full control,
  or read-only);
- ``FilesLink``: a run's files — finished, stopped, dead, or written by a process with
  no endpoint — read-only, followed as they grow.

Each gives ``poll()`` (an ``Update``: what is new since the last poll), ``command``,
``want`` (derived views), ``data()`` (the training points) and ``config``; the screens
only ever talk to a ``RunController`` holding one of them.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from core.analysis.backprop_run import saved_weights
from core.analysis.derived import Deriver, ViewRequest
from core.config import RunConfig
from core.nn.network import Network
from core.records import TailReader, layout, read_data, read_run
from core.records.liveness import liveness, socket_path
from core.records.reader import as_float, as_int, parse_metrics_line
from core.run import wire
from core.run.analyst import Analyst
from core.run.endpoint import socket_address
from core.run.host import RunHost
from core.run.journal import Cursor, Journal, LiveState, Update
from core.state import RunState

__all__ = ["FilesLink", "HostLink", "LinkError", "RunLink", "SocketLink", "open_link"]


class LinkError(ValueError):
    """A command the link cannot carry out; the message is one line."""


class RunLink(Protocol):
    """What a screen reads a run through, whoever trains it: ``HostLink`` (this
    process), ``SocketLink`` (another process, its control socket) or ``FilesLink``
    (the run's files, read-only)."""

    read_only: bool

    @property
    def run_dir(self) -> Path | None: ...

    def poll(self) -> Update: ...

    def command(self, name: str, value: Any = None) -> LiveState: ...

    def want(self, request: ViewRequest, viewer: str = "screen") -> None: ...

    def data(self) -> tuple[np.ndarray, np.ndarray] | None: ...

    def close(self) -> None: ...


class _RecordedLink:
    """What the socket and files links share: a journal of their own, read since a
    cursor, and the training points read from the run directory."""

    journal: Journal
    _cursor: Cursor
    run_dir: Path

    def poll(self) -> Update:
        update = self.journal.since(self._cursor)
        self._cursor = update.cursor
        return update

    def data(self) -> tuple[np.ndarray, np.ndarray] | None:
        try:
            return read_data(self.run_dir)
        except ValueError:
            return None


class HostLink:
    """The host of a run trained in this process."""

    read_only = False
    reason = ""

    def __init__(self, host: RunHost) -> None:
        self.host = host
        self.config = host.config
        self._cursor = Cursor()

    @property
    def run_dir(self) -> Path | None:
        s = self.host.session
        return s.recorder.dir if s is not None and s.recorder is not None else None

    def poll(self) -> Update:
        update = self.host.poll(self._cursor)
        self._cursor = update.cursor
        return update

    def command(self, name: str, value: Any = None) -> LiveState:
        try:
            return self.host.command(name, value)
        except ValueError as exc:
            raise LinkError(str(exc)) from None

    def want(self, request: ViewRequest, viewer: str = "screen") -> None:
        self.host.want(viewer, request)

    def data(self) -> tuple[np.ndarray, np.ndarray] | None:
        s = self.host.session
        return None if s is None else (s.data.X, s.data.y)

    def close(self) -> None:
        """Leave the host running (it owns the run, not the link)."""

    def __repr__(self) -> str:
        return f"HostLink({self.host.state.brief()})"


class SocketLink(_RecordedLink):
    """Another process's run, through ``<run_dir>/control.sock``."""

    def __init__(self, run_dir: str | Path, read_only: bool = False, timeout: float = 3.0):
        self.run_dir = Path(run_dir)
        self.read_only = read_only
        self.reason = "attached read-only (--read-only)" if read_only else ""
        self.timeout = timeout
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        try:
            with socket_address(socket_path(self.run_dir)) as address:
                self._sock.connect(address)
        except OSError as exc:
            self._sock.close()
            raise LinkError(f"run {self.run_dir.name} does not answer on its control "
                            f"socket ({exc.strerror or exc})") from None
        self._sock.settimeout(None)
        self.journal = Journal()
        self._cursor = Cursor()
        self._replies: dict[int, dict[str, Any]] = {}
        self._waiting: dict[int, threading.Event] = {}
        self._next_id, self._lock, self._alive = 0, threading.Lock(), True
        self._updated = False  # no update received yet: replies carry the state
        self._wants: dict[str, ViewRequest] = {}
        self._sent_request: ViewRequest | None = None
        self._reader = threading.Thread(target=self._read, name="bp-tui-link", daemon=True)
        self._reader.start()
        hello = self._call("hello")
        self.pid = int(hello.get("pid", 0))
        self.config = RunConfig.from_dict(hello["config"])
        self._call("subscribe")

    # ------------------------------------------------------------ the wire
    def _send(self, obj: dict[str, Any]) -> None:
        self._sock.sendall(wire.dumps(obj))

    def _call(self, cmd: str, **fields: Any) -> dict[str, Any]:
        with self._lock:
            self._next_id += 1
            rid = self._next_id
            event = self._waiting[rid] = threading.Event()
        try:
            self._send(wire.command(rid, cmd, **fields))
        except OSError:
            raise LinkError("the run's process has gone (its socket closed)") from None
        if not event.wait(self.timeout):
            raise LinkError(f"the run did not answer {cmd!r} within {self.timeout:g} s")
        reply = self._replies.pop(rid)
        if reply.get("ok") is not True:
            raise LinkError(str(reply.get("error", "refused")))
        return reply

    def _read(self) -> None:
        """Dispatch each message as its line completes (``wire.LineReader``)."""
        reader = wire.LineReader()
        try:
            while True:
                chunk = self._sock.recv(1 << 16)
                if not chunk:
                    break
                for msg in reader.feed(chunk):
                    self._dispatch(msg)
        except (OSError, ValueError, KeyError, TypeError):
            pass
        self._alive = False
        for event in list(self._waiting.values()):
            event.set()

    def _dispatch(self, msg: dict[str, Any]) -> None:
        if msg.get("type") == "reply":
            if not self._updated and isinstance(msg.get("state"), dict):
                self._set_state(msg["state"])  # the status shows before the backlog comes
            rid = msg.get("id")
            self._replies[rid] = msg
            event = self._waiting.pop(rid, None)
            if event is not None:
                event.set()
            return
        self._updated = True
        lines, rows, yhat, views, state = wire.decode_update(msg)
        if views is not None:
            self.journal.set_views(views)
        self.journal.add_many(lines, rows, yhat, **state)

    def _set_state(self, obj: dict[str, Any]) -> None:
        self.journal.set_state(**wire.state_changes(obj))

    # ------------------------------------------------------------ the interface
    @property
    def alive(self) -> bool:
        return self._alive

    def command(self, name: str, value: Any = None) -> LiveState:
        if self.read_only:
            raise LinkError(f"read-only: {self.reason}")
        if not self._alive:
            raise LinkError("the run's process has gone")
        reply = self._call(name, value=value)
        return LiveState.from_json(reply["state"])

    def want(self, request: ViewRequest, viewer: str = "screen") -> None:
        """The endpoint keeps one request per connection: this link sends what all of
        its viewers (the dashboard, the inspect screen) need, merged."""
        self._wants[viewer] = request
        merged = ViewRequest.merge_all(self._wants.values())
        if self._alive and merged != self._sent_request:
            with contextlib.suppress(LinkError):
                self._call("views", request=merged.to_json())
                self._sent_request = merged

    def close(self) -> None:
        """Leave; the run is never disturbed."""
        with contextlib.suppress(OSError):
            self._sock.close()

    def __repr__(self) -> str:
        alive = "alive" if self.alive else "gone"
        access = ", read-only" if self.read_only else ""
        return f"SocketLink({self.journal.state.brief()}, pid={self.pid}, {alive}{access})"


class FilesLink(_RecordedLink):
    """A run read from its files (read-only), followed as they grow."""

    read_only = True

    def __init__(self, run_dir: str | Path, reason: str = "", poll_seconds: float = 0.5):
        self.run_dir = Path(run_dir)
        info = read_run(self.run_dir)
        self.config = RunConfig.from_dict(info.config) if not info.damaged else RunConfig()
        self.reason = reason or _files_reason(info)
        self.journal = Journal(LiveState(RunState.STOPPED, epochs=self.config.epochs,
                                         lr=self.config.lr, run_name=self.run_dir.name))
        self._cursor = Cursor()
        self._log = TailReader(self.run_dir / layout.LOG)
        self._metrics = TailReader(self.run_dir / layout.METRICS)
        self._weights_mtime: int | None = None
        self._data = self.data()
        self.analyst: Analyst | None = None
        self._net: Network | None = None
        self._closed = threading.Event()
        self.poll_seconds = poll_seconds
        self._refresh()
        threading.Thread(target=self._follow, name="bp-tui-files", daemon=True).start()

    def _follow(self) -> None:
        while not self._closed.wait(self.poll_seconds):
            with contextlib.suppress(OSError, ValueError):
                self._refresh()

    def _refresh(self) -> None:
        rows = [r for r in map(parse_metrics_line, self._metrics.read()) if r is not None]
        lines = tuple(self._log.read())
        self.journal.add(lines)
        for r in rows:
            self.journal.add((), _row(r))
        info = read_run(self.run_dir)
        s = info.summary
        status = _status(info)
        last = dict(rows[-1]) if rows else {}
        if status.ended:  # the summary has the final figures (a stop between rows too)
            last.update({k: s[k] for k in ("epoch", "loss", "soft_acc", "acc") if k in s})
            last["wall"] = s.get("duration", last.get("wall"))
        j = self.journal.state
        self.journal.set_state(status=status, message=str(s.get("message", "") or ""),
                               epoch=_int(last.get("epoch"), j.epoch),
                               loss=_num(last.get("loss"), j.loss),
                               soft_acc=_num(last.get("soft_acc"), j.soft_acc),
                               acc=_num(last.get("acc"), j.acc),
                               elapsed=_num(last.get("wall"), j.elapsed) or 0.0,
                               lr=_num(s.get("lr") if status.ended else last.get("lr"), j.lr))
        self._refresh_weights()

    def _refresh_weights(self) -> None:
        try:
            mtime = os.stat(self.run_dir / layout.WEIGHTS).st_mtime_ns
        except OSError:
            return
        if mtime == self._weights_mtime or self._data is None:
            return
        self._weights_mtime = mtime
        try:
            named, state = saved_weights(self.run_dir)
        except ValueError:
            return
        try:
            net = Network.from_params(named, self.config.activation, self.config.hidden)
        except ValueError:
            return
        X, y = self._data
        with np.errstate(all="ignore"):
            self.journal.add((), None, net.predict(X))
        self._net = net
        if self.analyst is None:
            from core.datasets import Dataset

            self.analyst = Analyst(Deriver(Dataset("run", X, y), self.config.loss,
                                           self.config.activation, self.config.noise,
                                           self.config.data, self.config.optimizer,
                                           self.config.momentum, run_dir=self.run_dir),
                                   self.journal, net).start()
        epoch, lr, opt = (self.journal.state.epoch, self.config.lr, None) if state is None \
            else (int(state["epoch"]), float(state["lr"]), state["optimizer"])
        self.analyst.offer(epoch, net.theta.copy(), lr, force=True, opt_state=opt)

    def command(self, name: str, value: Any = None) -> LiveState:
        raise LinkError(f"read-only: {self.reason}")

    def want(self, request: ViewRequest, viewer: str = "screen") -> None:
        if self.analyst is not None:
            self.analyst.want(viewer, request)

    def close(self) -> None:
        self._closed.set()
        if self.analyst is not None:
            self.analyst.close()

    def __repr__(self) -> str:
        return f"FilesLink({self.journal.state.brief()}, dir={str(self.run_dir)!r})"


def _num(value: Any, default: float | None) -> float | None:
    """A finite number from a file (``reader.as_float``), else ``default``."""
    number = as_float(value)
    return default if number is None else number


def _int(value: Any, default: int) -> int:
    number = as_int(value)
    return default if number is None else number


def _row(r: dict[str, Any]) -> tuple:
    def f(k):
        v = as_float(r.get(k))
        return float("nan") if v is None else v
    return (int(r["epoch"]), f("loss"), f("soft_acc"), f("acc"), f("lr"), f("wall"))


def _status(info) -> RunState:
    """The status a run read from its files shows: a live one whose process died
    shows as it was left (stopped)."""
    if info.damaged:
        return RunState.ERROR
    live = liveness(info.path, info.summary)
    if live.dead:
        return RunState.STOPPED
    return RunState.ERROR if live.status == RunState.UNKNOWN else live.status


def _files_reason(info) -> str:
    if info.damaged:
        return f"damaged: {info.damaged}"
    live = liveness(info.path, info.summary)
    if live.dead:
        return "its process died — resume it with bp-tui resume"
    if live.status.live:
        return "its process offers no control socket — followed from its files"
    text = str(info.summary.get("status", "unknown"))
    return f"the run has {text}" if text in ("finished", "stopped", "diverged") \
        else f"the run is {text}"


def open_link(run_dir: str | Path, read_only: bool = False) -> RunLink:
    """The best link to a recorded run: its socket when its process answers, else its
    files (read-only, with the reason)."""
    run_dir = Path(run_dir)
    info = read_run(run_dir)
    if not info.damaged and liveness(run_dir, info.summary).attachable:
        try:
            return SocketLink(run_dir, read_only=read_only)
        except LinkError:
            pass
    return FilesLink(run_dir)
