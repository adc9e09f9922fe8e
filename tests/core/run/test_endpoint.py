"""The control endpoint of a live run: several viewers, commands seen by all, the
socket's permissions and peer check, stale sockets, junk, long paths."""

from __future__ import annotations

import itertools
import json
import os
import socket
import stat

import pytest

from core.config import RunConfig
from core.records import read_metrics
from core.records.index import read_row
from core.run.endpoint import Endpoint, EndpointError, socket_address, socket_alive
from core.run.host import RunHost
from core.run.journal import Cursor
from core.run.links import LinkError, SocketLink
from core.state import RunState
from tests.tui.helpers import wait_holding, wait_until

LONG = RunConfig(data="xor", hidden=(4, 4), lr=0.5, epochs=10**7, log_every=10**6, seed=3,
                 name="live")


@pytest.fixture
def live(tmp_path):
    """A run training in this process with its endpoint; stopped at the end."""
    host = RunHost(LONG, runs_root=tmp_path / "runs", notify=lambda _m: None).start()
    assert wait_until(lambda: host.endpoint is not None and host.state.epoch > 0, 60)
    yield host
    host.close()
    host.join(20)


def _raw(path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(30)
    with socket_address(path) as address:
        sock.connect(address)
    return sock


def _ask(sock, obj) -> dict:
    sock.sendall((json.dumps(obj) + "\n").encode())
    buf = b""
    while True:
        buf += sock.recv(65536)
        for line in buf.split(b"\n")[:-1]:
            msg = json.loads(line)
            if msg.get("type") == "reply":
                return msg


def test_two_viewers_see_each_others_commands(live):
    run_dir = live.session.recorder.dir
    a, b = SocketLink(run_dir), SocketLink(run_dir)
    assert a.config == b.config == live.config
    assert a.command("pause").status == RunState.PAUSED
    assert wait_until(lambda: b.poll().state.status == RunState.PAUSED)
    state = b.command("lr", 0.125)
    assert state.lr == 0.125
    assert wait_until(lambda: a.poll().state.lr == 0.125)
    a.command("step")
    a.command("resume")
    assert wait_until(lambda: b.poll().state.status == RunState.RUNNING)
    a.command("stop")
    assert wait_until(lambda: b.poll().state.status == RunState.STOPPED)
    live.join(20)
    lrs = {r["lr"] for r in read_metrics(run_dir)}
    assert 0.125 in lrs  # the live change is recorded
    for link in (a, b):
        link.close()
    with pytest.raises(LinkError, match="does not answer"):
        SocketLink(run_dir)  # the run ended: its socket went with it


def test_a_subscribed_viewer_gets_lines_rows_and_predictions(live):
    link = SocketLink(live.session.recorder.dir)
    got = {"lines": 0, "rows": 0, "yhat": None}

    def grew():
        u = link.poll()
        got["lines"] += len(u.lines)
        got["rows"] += len(u.rows)
        got["yhat"] = u.yhat if u.yhat is not None else got["yhat"]
        return got["rows"] > 10 and got["yhat"] is not None

    assert wait_until(grew)
    assert got["lines"] >= 1  # the epoch 0 line
    assert got["yhat"].shape == (21, 1)
    link.close()
    assert live.state.status == RunState.RUNNING  # leaving never disturbs the run


def test_socket_is_private_and_refuses_other_users(live, monkeypatch):
    path = live.session.recorder.dir / "control.sock"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    import core.run.endpoint as endpoint

    monkeypatch.setattr(endpoint, "_peer_uid", lambda conn: os.getuid() + 1)
    sock = _raw(path)
    try:
        sock.sendall(b'{"cmd": "pause"}\n')
        answer = sock.recv(100)
    except (ConnectionResetError, BrokenPipeError):  # refused before or while we wrote
        answer = b""
    assert answer == b""  # closed without an answer
    assert live.state.status == RunState.RUNNING


def test_junk_disconnects_the_viewer_and_the_run_goes_on(live):
    path = live.session.recorder.dir / "control.sock"
    for junk in (b"not json\n", b"[1, 2]\n", b'{"cmd": 3}\n', b"{" * 100000 + b"\n"):
        sock = _raw(path)
        try:
            sock.sendall(junk)
            answer = sock.recv(100)
        except (ConnectionResetError, BrokenPipeError):
            answer = b""
        assert answer == b""
        sock.close()
    sock = _raw(path)
    reply = _ask(sock, {"id": 7, "cmd": "fly"})
    assert reply == {**reply, "id": 7, "ok": False}
    assert "unknown command" in reply["error"]
    assert _ask(sock, {"id": 8, "cmd": "lr", "value": "fast"})["ok"] is False
    sock.close()
    assert live.state.status == RunState.RUNNING


def test_stale_socket_is_replaced_and_a_live_one_is_not(tmp_path, live):
    stale = tmp_path / "control.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(stale))
    s.close()  # the process that made it is gone: nobody listens
    assert stale.exists()
    assert not socket_alive(stale)
    ep = Endpoint(live, tmp_path).start()
    assert socket_alive(stale)
    with pytest.raises(EndpointError, match="another live process"):
        Endpoint(live, tmp_path).start()
    ep.close()
    assert not stale.exists()


def test_a_run_directory_with_a_very_long_path(tmp_path, live):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    assert len(str(deep / "control.sock")) > 108
    ep = Endpoint(live, deep).start()
    try:
        assert socket_alive(deep / "control.sock")
        reply = _ask(_raw(deep / "control.sock"), {"id": 1, "cmd": "hello"})
        assert reply["ok"]
        assert reply["config"]["hidden"] == [4, 4]
    finally:
        ep.close()


def test_the_socket_goes_when_the_run_ends(tmp_path):
    cfg = LONG.with_changes(epochs=200, log_every=50, name="short")
    host = RunHost(cfg, runs_root=tmp_path, notify=lambda _m: None).start()
    assert host.join(60)  # set once the endpoint has closed and removed its socket
    assert not (tmp_path / "short" / "control.sock").exists()
    assert host.state.status == RunState.FINISHED
    assert not read_row(tmp_path / "short").attachable


def test_the_runs_table_knows_a_live_run_is_attachable(live):
    row = read_row(live.session.recorder.dir)
    assert row.status == "running"
    assert row.attachable
    from tui.widgets.runs.columns import screen_status  # what the runs screen shows
    assert screen_status(row) == "● live"


def test_an_attached_viewer_knows_the_state_before_the_backlog_arrives(live):
    link = SocketLink(live.session.recorder.dir)
    try:
        state = link.poll().state  # straight after connecting: from the replies
        assert state.status == RunState.RUNNING
        assert state.epoch > 0
        assert wait_until(lambda: link.poll().state.rows > 0)
    finally:
        link.close()


def _reply_to(sock, line: bytes) -> dict:
    """The reply to one raw line (a viewer that is disconnected gets none: fails)."""
    sock.sendall(line + b"\n")
    buf = b""
    while True:
        chunk = sock.recv(65536)
        assert chunk, f"disconnected after {line[:60]!r}"
        buf += chunk
        for raw in buf.split(b"\n")[:-1]:
            msg = json.loads(raw)
            if msg.get("type") == "reply":
                return msg


BAD_LR = [b"1" + b"0" * 400, b"1e400", b"-1e400", b"NaN", b"Infinity", b"-Infinity",
          b'"0.1"', b'"fast"', b"true", b"false", b"null", b"[0.1]", b'{"v": 0.1}',
          b"0", b"-0.5", b"0.0", b"1000001", b"1e7"]


def test_every_command_is_checked_and_nothing_raises(live, capsys):
    sock = _raw(live.session.recorder.dir / "control.sock")
    for value in BAD_LR:
        reply = _reply_to(sock, b'{"id": 1, "cmd": "lr", "value": ' + value + b"}")
        assert reply["ok"] is False, value
        assert reply["error"].startswith("lr "), reply
    assert _reply_to(sock, b'{"id": 2, "cmd": "lr"}')["ok"] is False  # no value
    for line in (b'{"cmd": "pause", "value": 10e400}', b'{"cmd": "stop", "value": "now"}',
                 b'{"cmd": "fly\\u001b[31m"}', b'{"cmd": ""}',
                 b'{"id": 1e400, "cmd": "nothing"}', b'{"id": true, "cmd": "x"}',
                 b'{"id": ' + b"9" * 400 + b', "cmd": "x"}',
                 b'{"cmd": "views", "request": {"boundary": [1e400, true], '
                 b'"test": {"n": 1e400, "seed": "x", "every": NaN}}}',
                 b'{"cmd": "views", "request": [[[]]]}'):
        reply = _reply_to(sock, line)
        assert reply["id"] is None or type(reply["id"]) is int
        assert "\x1b" not in reply.get("error", "")
    assert live.state.status == RunState.RUNNING  # "pause 10e400" and "stop now" refused
    assert live.state.lr == 0.5
    for value, expected in ((b"1000000", 1e6), (b"1e-300", 1e-12), (b"0.25", 0.25)):
        reply = _reply_to(sock, b'{"id": 3, "cmd": "lr", "value": ' + value + b"}")
        assert reply["ok"] is True
        assert reply["state"]["lr"] == expected
    sock.close()
    sock = _raw(live.session.recorder.dir / "control.sock")  # beyond what JSON reads:
    sock.sendall(b'{"cmd": "lr", "value": 1' + b"0" * 5000 + b"}\n")  # junk, dropped
    assert sock.recv(100) == b""
    sock.close()
    assert live.state.status == RunState.RUNNING
    assert "Traceback" not in capsys.readouterr().err


def test_an_update_sends_its_rows_thinned_in_the_same_format():
    from core.run.journal import Cursor, LiveState, Update
    from core.run.wire import decode_update, encode_update

    rows = tuple((e, 1.0 / (e + 1), 50.0, 60.0) for e in range(1000))
    update = Update(LiveState(), Cursor(), rows=rows)
    assert encode_update(update)["rows"] == [list(r) for r in rows]
    sent = encode_update(update, most_rows=64)["rows"]
    assert len(sent) == 64
    assert (sent[0], sent[-1]) == (list(rows[0]), list(rows[-1]))  # both ends kept
    assert {b[0] - a[0] for a, b in itertools.pairwise(sent)} <= {15, 16}  # evenly
    _, got, *_ = decode_update(encode_update(update, 64))
    assert got == [tuple(r) for r in sent]


def test_the_journal_hands_each_cursor_exactly_what_is_new():
    from core.run.journal import Cursor, Journal

    journal = Journal()
    for i in range(50):
        journal.add_many([f"line {i}"], [(i, 1.0, 2.0, 3.0, 0.1, 0.0)])
    update = journal.since(Cursor(lines=47, rows=45))
    assert update.lines == ("line 47", "line 48", "line 49")
    assert [r[0] for r in update.rows] == [45, 46, 47, 48, 49]
    assert journal.since(update.cursor).rows == ()
    assert len(journal.since(Cursor()).rows) == 50


def test_a_viewer_that_never_reads_holds_up_no_one(live):
    path = live.session.recorder.dir / "control.sock"
    stuck = _raw(path)
    stuck.sendall(b'{"id": 1, "cmd": "subscribe"}\n')  # and never reads again
    reader = SocketLink(path.parent)
    seen = reader.poll().state.epoch
    assert wait_until(lambda: reader.poll().state.epoch > seen + 1000)
    assert live.state.status == RunState.RUNNING
    stuck.close()
    reader.close()


def test_paused_is_one_fact_held_by_the_controls(live):
    """Whether the run is paused is read from its controls as the state is handed out:
    a pause or resume given to them directly (not as a command) shows at once in the
    state every viewer gets, and the journal keeps no copy to fall out of step."""
    live.controls.pause()
    assert live.state.status == RunState.PAUSED
    assert live.poll(Cursor()).state.status == RunState.PAUSED
    wait_holding(live.controls)  # the chunk that was training is over and published
    assert live.journal.state.status == RunState.RUNNING
    assert live.state.status == RunState.PAUSED
    live.controls.resume()
    assert live.state.status == RunState.RUNNING
    live.command("step")
    assert live.state.status == RunState.PAUSED
    live.command("resume")
    assert live.state.status == RunState.RUNNING
