"""``bp-tui serve`` in the default tier: the token, the page, refusals, flags, the tab
driver's channel — in process, no browser, no dashboard started."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from aiohttp import WSServerHandshakeError
from aiohttp.test_utils import TestClient, TestServer

from tui.commands.serve import _is_loopback, run_serve
from tui.web.server import TabServer

TOKEN = "abcdefghijklmnopqrstuvwxyz012345"


@pytest.fixture
async def client(tmp_path):
    server = TabServer([], TOKEN, tmp_path)
    async with TestClient(TestServer(server.make_app())) as c:
        c.tab_server = server
        yield c


async def test_the_page_needs_the_token_and_uses_relative_urls(client):
    for query in ("", "?token=", "?token=abc", f"?token={TOKEN}0", f"?token={TOKEN[:-1]}",
                  "?token=%FF%FE", f"?TOKEN={TOKEN}"):
        response = await client.get("/" + query)
        assert response.status == 403, query
        assert "token" in await response.text()
    response = await client.get(f"/?token={TOKEN}")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    page = await response.text()
    assert 'href="static/css/xterm.css"' in page
    assert 'src="static/js/textual.js"' in page
    assert "://" not in page  # nothing absolute, nothing from outside
    assert 'new URL("ws/" + encodeURIComponent(token), window.location.href)' in page


async def test_the_websocket_needs_the_token_and_starts_nothing_without_it(client):
    for token in ("x", TOKEN[:-1], TOKEN + "x", "%C3%A9" * 10):
        with pytest.raises(WSServerHandshakeError) as refused:
            await client.ws_connect(f"/ws/{token}")
        assert refused.value.status == 403
    with pytest.raises(WSServerHandshakeError) as refused:
        await client.ws_connect(f"/ws/{TOKEN}", origin="http://elsewhere.example")
    assert refused.value.status == 403
    assert client.tab_server.tabs == set()
    assert list(client.tab_server.log_dir.iterdir()) == []  # no tab was ever started


async def test_tabs_beyond_the_limit_are_told_so_and_start_nothing(tmp_path):
    server = TabServer([], TOKEN, tmp_path, max_tabs=0)
    async with TestClient(TestServer(server.make_app())) as c:
        ws = await c.ws_connect(f"/ws/{TOKEN}")
        message = await ws.receive()
        assert message.data == (b"bp-tui serve: 0 tabs are open already (--max-tabs); "
                                b"close one, then reload.\r\n")
        assert (await ws.receive()).type.name in ("CLOSE", "CLOSED")
    assert list(tmp_path.iterdir()) == []


async def test_textual_serves_static_files(client):
    response = await client.get("/static/js/textual.js")
    assert response.status == 200


def test_the_token_is_compared_as_bytes_whatever_it_holds(tmp_path):
    server = TabServer([], TOKEN, tmp_path)
    assert server.authorised(TOKEN)
    for given in ("", TOKEN[:-1], "é" * 32, "\udcff" * 32, TOKEN + "\x00"):
        assert not server.authorised(given)


@pytest.mark.parametrize(("argv", "message"), [
    (["--token", "short"], "--token: a token is 16 to 256"),
    (["--token", "a b" * 8], "--token: a token is 16 to 256"),
    (["--port", "70000"], "--port: must be from 0 to 65535"),
    (["--max-tabs", "0"], "--max-tabs: must be from 1 to 1000"),
    (["--", "train"], "'train' is not a screen"),
    (["--", "runs", "--list"], "runs --list / --json print text"),
    (["--", "--lr", "fast"], "--lr"),
    (["--", "--help"], "--help and --version are not screens"),
    (["--bogus"], "unrecognized arguments: --bogus"),
])
def test_bad_flags_are_one_line_and_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as leaving:
        run_serve(argv)
    assert leaving.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert message in err


def test_a_bad_token_in_the_environment_is_refused(monkeypatch, capsys):
    monkeypatch.setenv("BP_TUI_TOKEN", "tiny")
    with pytest.raises(SystemExit) as leaving:
        run_serve([])
    assert leaving.value.code == 2
    assert "$BP_TUI_TOKEN: a token is 16 to 256" in capsys.readouterr().err


def test_a_port_in_use_is_refused_in_one_line(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as leaving:
            run_serve(["--port", str(port)])
    assert leaving.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"bp-tui serve: error: argument --port: port {port} on 127.0.0.1 is in "
                   "use (choose another with --port)\n")


def test_an_address_that_cannot_be_used_is_one_line(capsys):
    with pytest.raises(SystemExit) as leaving:
        run_serve(["--host", "192.0.2.1", "--port", "0"])  # TEST-NET-1: never ours
    assert leaving.value.code == 2
    err = capsys.readouterr().err
    assert err == ("bp-tui serve: error: argument --host: cannot listen on 192.0.2.1 "
                   "port 0: Cannot assign requested address\n")
    assert len(err.splitlines()) == 1


def test_loopback_addresses():
    for host in ("127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"):
        assert _is_loopback(host), host
    for host in ("0.0.0.0", "::", "192.168.1.2", "example.org", ""):
        assert not _is_loopback(host), host


@pytest.mark.long  # a Python process importing NumPy: seconds on a busy machine
def test_nothing_a_tab_prints_reaches_the_protocol_channel(tmp_path):
    """The tab's entry moves the channel off fd 1: ``--version`` (a print to stdout)
    lands in the tab's log, the channel (the process's original stdout) stays empty."""
    log = tmp_path / "tab.log"
    with open(log, "wb") as err:
        done = subprocess.run([sys.executable, "-m", "tui.web", "--version"],
                              stdout=subprocess.PIPE, stderr=err, timeout=60,
                              stdin=subprocess.DEVNULL)
    assert done.returncode == 0
    assert done.stdout == b""
    assert log.read_text().startswith("bp-tui ")


async def test_the_driver_names_the_run_that_trains_on_then_closes_its_channel(monkeypatch):
    from textual.drivers import web_driver

    from tui.web.driver import TRAINS_ON, TabDriver

    class NoInput:
        def close(self) -> None:
            pass

    class Controller:
        owns_run = True
        run_dir = None

        class state:
            run_name = "20260101-000000-xor"

    class App:
        detached = True
        controller = Controller()

    read, write = os.pipe()
    chunks: list[bytes] = []

    def drain() -> None:  # to the channel's end: the driver must close it
        while chunk := os.read(read, 1 << 16):
            chunks.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    monkeypatch.setenv("BP_TUI_WEB_FD", str(write))
    monkeypatch.setattr(web_driver, "InputReader", NoInput)  # pytest's stdin is no pipe
    driver = TabDriver(App(), size=(80, 24))
    driver.write("x" * 100_000)  # more than a pipe holds: written whole all the same
    driver.stop_application_mode()
    reader.join(10)
    assert not reader.is_alive(), "the channel was not closed"
    os.close(read)
    os.close(write)  # now /dev/null
    data = b"".join(chunks)
    packets = []
    while data:
        kind, size = data[:1], int.from_bytes(data[1:5], "big")
        packets.append((kind, data[5:5 + size]))
        data = data[5 + size:]
    assert packets[0] == (b"D", b"x" * 100_000)
    assert [(k, json.loads(p)) for k, p in packets[1:]] == [
        (b"M", {"type": TRAINS_ON, "run": "20260101-000000-xor"}), (b"M", {"type": "exit"})]


CHILD = """
import os, subprocess, sys
from tui.web.__main__ import _protect_channel
_protect_channel()
channel = os.environ["BP_TUI_WEB_FD"]
print("a print", flush=True)
subprocess.run([sys.executable, "-c", f'''
import os
print("a child's print", flush=True)
try:
    os.fstat({channel})
    print("the child holds the channel", flush=True)
except OSError:
    pass
'''], check=True)
os.write(int(channel), b"PACKETS")
"""


def test_prints_of_a_tab_and_its_children_go_to_the_log_not_the_channel(tmp_path):
    """What ``python -m tui.web`` does first: the channel moves off fd 1 and is not
    inherited, so prints (the process's, a worker's) land in the log."""
    log = tmp_path / "tab.log"
    with open(log, "wb") as err:
        done = subprocess.run([sys.executable, "-c", CHILD], stdout=subprocess.PIPE,
                              stderr=err, timeout=30, stdin=subprocess.DEVNULL,
                              cwd=Path(__file__).resolve().parents[3])
    assert done.returncode == 0, log.read_text()
    assert done.stdout == b"PACKETS"
    assert log.read_text().splitlines() == ["a print", "a child's print"]
