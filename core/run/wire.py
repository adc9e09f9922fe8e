"""The wire between a live run and its viewers: both ends of the JSON protocol.

Newline-delimited JSON over the run's Unix socket (``endpoint`` serves it, ``links``'
``SocketLink`` reads it), one object per line:

    viewer → run   {"id": 1, "cmd": "hello" | "subscribe" | "views" | "pause" | …,
                    "value": …, "request": {…}}
    run → viewer   {"type": "reply", "id": 1, "ok": true, "state": {…}, …}
                   {"type": "update", "state": {…}, "lines": […], "rows": […],
                    "skipped": 0, "yhat": […]?, "views": {…}?}

``state`` is ``LiveState.to_json``, ``request`` ``ViewRequest.to_json``, ``views``
``Views.to_json``: each object serialises itself, this module frames and reads the
messages. Nothing here raises on what a peer sends: junk is ``WireError``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np

from core.analysis.derived import Views
from core.analysis.history import thin
from core.run.journal import LiveState, Update

__all__ = ["MAX_LINE", "LineReader", "WireError", "command", "decode_update", "dumps",
           "encode_update", "reply", "state_changes"]

MAX_LINE = 1 << 20
"""A line longer than this (1 MiB) from a viewer is junk: the endpoint disconnects it.
Updates to a viewer may be longer (a first update carries the run's backlog)."""


class WireError(ValueError):
    """A line that is not a message of this protocol."""


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):  # NumPy scalars
        return value.item()
    raise TypeError(type(value).__name__)


def dumps(obj: dict[str, Any]) -> bytes:
    """One message as a line (NaN and infinities are refused, never sent)."""
    return (json.dumps(obj, default=_json_default, allow_nan=False) + "\n").encode()


def command(rid: int, cmd: str, **fields: Any) -> dict[str, Any]:
    """A viewer's command (``value`` for lr, ``request`` for views)."""
    return {"id": rid, "cmd": cmd, **fields}


def reply(rid: Any, state: LiveState, error: str | None = None,
          **extra: Any) -> dict[str, Any]:
    """The run's answer to one command: ok, or not ok with a one-line ``error``; the
    state the command left (so a viewer shows the change at once)."""
    ok_id = type(rid) is int and abs(rid) < 2**53
    out: dict[str, Any] = {"type": "reply", "id": rid if ok_id else None, **extra}
    if error is not None:
        return {**out, "ok": False, "error": error, "state": state.to_json()}
    return {**out, "ok": True, "state": state.to_json()}


def encode_update(u: Update, most_rows: int = 2**62) -> dict[str, Any]:
    """An update as JSON (ŷ and views only when they changed; at most ``most_rows``
    metric rows, `thin`ned: a viewer draws curves of at most ~1,000 points, and a fast
    run's thousands of rows a second would cost the run more to send than they show)."""
    rows = thin(u.rows, most_rows)
    out: dict[str, Any] = {"type": "update", "state": u.state.to_json(),
                           "lines": list(u.lines), "rows": [list(r) for r in rows],
                           "skipped": u.skipped}
    if u.yhat is not None:
        out["yhat"] = [float(v) for v in u.yhat.reshape(-1)]
    if u.views is not None:
        out["views"] = u.views.to_json()
    return out


def decode_update(msg: dict[str, Any]) -> tuple[tuple[str, ...], list[tuple],
                                                 np.ndarray | None, Views | None,
                                                 dict[str, Any]]:
    """(lines, rows, ŷ (n, 1), views, state changes) of an update message; the state's
    line and row counts are left out (the reading side's journal counts its own)."""
    yhat = msg.get("yhat")
    views = Views.from_json(msg["views"]) if msg.get("views") is not None else None
    return (tuple(msg.get("lines", ())), [tuple(r) for r in msg.get("rows", ())],
            None if yhat is None else np.asarray(yhat, float).reshape(-1, 1), views,
            state_changes(msg["state"]))


def state_changes(obj: Any) -> dict[str, Any]:
    """A state from the wire as journal changes (ValueError if it is not a state)."""
    state = vars(LiveState.from_json(obj))
    del state["lines"], state["rows"]  # the reading side's journal counts its own
    return state


class LineReader:
    """Splits a byte stream into messages as lines complete. A long line's pieces are
    joined once (a first update holding a run's backlog is megabytes long); with
    ``limit``, an unfinished line longer than that is junk."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self._parts: list[bytes] = []
        self._held = 0

    def feed(self, chunk: bytes) -> Iterator[dict[str, Any]]:
        """The messages ``chunk`` completes; WireError for a line that is no message."""
        *done, rest = chunk.split(b"\n")
        for i, line in enumerate(done):
            whole = b"".join([*self._parts, line]) if i == 0 else line
            if i == 0:
                self._parts, self._held = [], 0
            yield _message(whole)
        self._parts.append(rest)
        self._held += len(rest)
        if self.limit is not None and self._held > self.limit:
            raise WireError(f"a line longer than {self.limit} bytes")


def _message(line: bytes) -> dict[str, Any]:
    try:
        msg = json.loads(line)
    except (ValueError, RecursionError):
        raise WireError("not JSON") from None
    if not isinstance(msg, dict):
        raise WireError("not an object")
    return msg
