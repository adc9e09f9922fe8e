"""``bp-tui serve`` end to end at the protocol level (no browser): a real server process,
tabs spoken to over the websocket, their screens kept by pyte."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess

import aiohttp
import pytest

from tests.tui.web.client import TabClient
from tests.tui.web.serving import Served, alive, wait_until

pytestmark = pytest.mark.long

LONG_RUN = ["--data", "xor", "--epochs", "10000000", "--log-every", "1000"]


@pytest.fixture
def served(bp_tui_cmd, tmp_path):
    """A factory of servers, every one ended after the test."""
    servers: list[Served] = []

    def start(*tab_args: str, extra: tuple[str, ...] = ()) -> Served:
        servers.append(Served(bp_tui_cmd, list(extra), list(tab_args), tmp=tmp_path))
        return servers[-1]

    yield start
    for server in servers:
        with contextlib.suppress(AssertionError):
            server.stop()


def _summary(runs_root, name=None) -> dict:
    runs = sorted(p for p in runs_root.iterdir() if not p.name.startswith("."))
    run = next(p for p in runs if name in (None, p.name))
    return json.loads((run / "summary.json").read_text())


def _end_run(pid: int) -> None:
    """Stop a run that trains on by itself (as Ctrl-C on its terminal would)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    wait_until(lambda: not alive(pid), 30, f"the run's process {pid} ends after SIGTERM")


async def test_a_tab_shows_the_dashboard_trains_and_an_idle_tab_ends_when_closed(served):
    server = served()
    tab = await TabClient(server.base, server.token).connect()
    await tab.wait_for(r"Hyperparameters", 90)
    await tab.wait_for(r"s Start")
    [pid] = server.tab_pids()
    await tab.close()  # a closed tab is a hangup: the idle dashboard leaves
    wait_until(lambda: not alive(pid), 15, "an idle tab's process exits after its tab closed")
    assert server.tab_pids() == set()


async def test_a_run_started_in_a_tab_trains_on_after_the_tab_closes(served, runs_root,
                                                                       bp_tui_cmd):
    server = served(*LONG_RUN)
    tab = await TabClient(server.base, server.token).connect()
    await tab.wait_for(r"Hyperparameters", 90)
    await tab.type("s")
    await tab.wait_for(r"Epoch\s+\d+, loss: \d", 90)  # the report's log, in the tab
    await tab.close()
    summary = _summary(runs_root)
    pid, name = summary["pid"], summary["name"]
    metrics = runs_root / name / "metrics.jsonl"
    rows = len(metrics.read_bytes().splitlines())
    wait_until(lambda: len(metrics.read_bytes().splitlines()) > rows + 5, 30,
               "the run goes on training after its tab closed")
    assert alive(pid)
    assert _summary(runs_root, name)["status"] == "running"
    listed = subprocess.run([*bp_tui_cmd, "runs", "--list", "--json"], capture_output=True,
                            text=True, timeout=60)
    [row] = [r for r in json.loads(listed.stdout) if r["name"] == name]
    assert row["attachable"] is True
    # reloading the page gives a new dashboard, where R lists the run as live
    reloaded = await TabClient(server.base, server.token).connect()
    await reloaded.wait_for(r"s Start", 90)
    await reloaded.type("R")
    await reloaded.wait_for(r"● live", 30)
    await reloaded.close()
    # … and a new tab attaches to it (serve -- attach NAME): the live run, with control
    viewer_server = served("attach", name)
    viewer = await TabClient(viewer_server.base, viewer_server.token).connect()
    await viewer.wait_for(rf"{name}.*attached", 90)
    await viewer.wait_for(r"running")
    await viewer.close()
    assert alive(pid)  # leaving a viewer never disturbs the run
    _end_run(pid)
    assert _summary(runs_root, name)["status"] == "stopped"


async def test_sigterm_ends_the_server_and_every_tab_with_no_process_left(served, runs_root):
    server = served(*LONG_RUN)
    tabs = [await TabClient(server.base, server.token).connect() for _ in range(3)]
    for tab in tabs:
        await tab.wait_for(r"Hyperparameters", 120)
    await tabs[0].type("s")
    await tabs[0].wait_for(r"Epoch\s+\d+, loss", 90)
    pids = server.tab_pids()
    assert len(pids) == 3
    status, err = server.stop(signal.SIGTERM)
    assert status == 143, err
    assert "Traceback" not in err
    wait_until(lambda: not any(alive(p) for p in pids), 30, "every tab's process is gone")
    assert _summary(runs_root)["status"] == "stopped"  # stopped cleanly, records flushed
    for tab in tabs:
        await tab.close()


async def test_ctrl_c_ends_the_server_and_its_tabs(served):
    server = served()
    tab = await TabClient(server.base, server.token).connect()
    await tab.wait_for(r"Hyperparameters", 90)
    pids = server.tab_pids()
    status, err = server.stop(signal.SIGINT)
    assert status == 130
    assert err.strip().splitlines()[-1] == "bp-tui serve: interrupted"
    assert not any(alive(p) for p in pids)
    await tab.close()


async def test_without_the_token_nothing_is_served_and_no_process_starts(served):
    server = served()
    wrong = "x" * len(server.token)
    async with aiohttp.ClientSession() as session:
        for path in ("", "?token=", f"?token={wrong}", f"?token={server.token}x",
                     "?token=%C3%A9t%C3%A9", f"?Token={server.token}"):
            async with session.get(server.base + path) as response:
                assert response.status == 403, path
        for token in ("", wrong, server.token[:-1], "é" * 8, f"{server.token}/x"):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(server.base.replace("http", "ws") + "ws/" + token)
            assert refused.value.status in (403, 404), token
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:  # another site's page
            await session.ws_connect(server.base.replace("http", "ws") + "ws/" + server.token,
                                     origin="http://evil.example")
        assert refused.value.status == 403
        async with session.get(server.url) as response:
            assert response.status == 200
            page = await response.text()
    assert server.tab_pids() == set()
    assert 'src="static/js/textual.js"' in page  # relative: works behind ssh -L
    assert "http://" not in page
    status, err = server.stop()
    assert status == 143
    assert err.count("refused") >= 10


def test_a_port_in_use_is_one_line_and_exit_2(bp_tui_cmd):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([*bp_tui_cmd, "serve", "--port", str(port)], capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip() == (f"bp-tui serve: error: argument --port: port {port} on "
                                   "127.0.0.1 is in use (choose another with --port)")


def test_another_host_warns_in_one_line(served):
    server = served(extra=("--host", "0.0.0.0"))
    status, err = server.stop()
    assert status == 143
    [warning] = [line for line in err.splitlines() if "warning" in line]
    assert "0.0.0.0" in warning


async def test_a_tab_that_cannot_start_shows_why_and_closes(served):
    server = served("attach", "no-such-run")
    tab = await TabClient(server.base, server.token).connect()
    await tab.wait_for(r"bp-tui attach: error: argument RUN: .*no-such-run", 90)
    await asyncio.wait_for(tab.closed.wait(), 15)  # the tab's socket is closed
    await tab.close()
    assert server.tab_pids() == set()


async def test_a_tab_that_never_answers_is_killed_after_a_bounded_wait(served):
    server = served()
    tab = await TabClient(server.base, server.token).connect()
    await tab.wait_for(r"Hyperparameters", 90)
    [pid] = server.tab_pids()
    os.kill(pid, signal.SIGSTOP)  # a process that can no longer answer the hangup
    await tab.close()
    wait_until(lambda: not alive(pid), 15, "the stuck tab's process is killed")
    status, err = server.stop()
    assert status == 143
    assert "tab 1: killed: its screen did not end within 5 s" in err


async def test_q_in_an_idle_tab_ends_its_process_and_closes_the_tab(served):
    server = served()
    tab = await TabClient(server.base, server.token).connect()
    await tab.wait_for(r"s Start", 90)
    [pid] = server.tab_pids()
    await tab.type("q")
    await asyncio.wait_for(tab.closed.wait(), 20)  # the tab's socket is closed after q
    wait_until(lambda: not alive(pid), 15, "the tab's process exits after q")
    await tab.close()


async def test_d_in_a_tab_leaves_its_run_training_past_the_server(served, runs_root):
    server = served(*LONG_RUN)
    tab = await TabClient(server.base, server.token).connect()
    await tab.wait_for(r"s Start", 90)
    await tab.type("s")
    await tab.wait_for(r"Epoch\s+\d[\d,]*, loss", 90)  # it trains (however far by now)
    await tab.type("d")  # detach: the dashboard closes, the run trains on
    await asyncio.wait_for(tab.closed.wait(), 20)  # the tab's socket is closed after d
    await tab.close()
    summary = _summary(runs_root)
    status, err = server.stop()
    assert status == 143
    assert (f"run {summary['name']} started in a browser tab trains on: "
            f"bp-tui attach {summary['name']}") in err
    assert alive(summary["pid"])  # the server's end left the detached run alone
    assert _summary(runs_root)["status"] == "running"
    _end_run(summary["pid"])


async def test_a_second_signal_kills_the_tabs_at_once(served):
    server = served()
    tab = await TabClient(server.base, server.token).connect()
    await tab.wait_for(r"s Start", 90)
    [pid] = server.tab_pids()
    os.kill(pid, signal.SIGSTOP)  # it cannot answer the first SIGTERM
    server.proc.send_signal(signal.SIGTERM)
    server.said("stopping", 30)
    status, err = server.stop(signal.SIGTERM, timeout=8)  # well before the 10 s wait
    assert status == 143
    assert "tab 1: killed: a second signal: leaving at once" in err
    assert not alive(pid)
    await tab.close()


async def test_a_training_tab_that_cannot_answer_is_left_to_train(served, runs_root):
    """The kill after the bounded wait spares a process that trains a run (it serves
    the run's control socket): its run goes on once it can."""
    server = served(*LONG_RUN)
    tab = await TabClient(server.base, server.token).connect()
    await tab.wait_for(r"s Start", 90)
    await tab.type("s")
    await tab.wait_for(r"Epoch\s+\d[\d,]*, loss", 90)  # it trains (however far by now)
    [pid] = server.tab_pids()
    name = _summary(runs_root)["name"]
    os.kill(pid, signal.SIGSTOP)  # it cannot answer the hangup
    await tab.close()
    said = server.said(f"it trains run {name} on: bp-tui attach {name}", 30)
    status, err = server.stop()
    assert status == 143
    assert "killed" not in said + err
    os.kill(pid, signal.SIGCONT)  # the pending hangup detaches it: the run goes on
    metrics = runs_root / name / "metrics.jsonl"
    rows = len(metrics.read_bytes().splitlines())
    wait_until(lambda: len(metrics.read_bytes().splitlines()) > rows + 5, 30,
               "the run trains on once its process can")
    _end_run(pid)
    assert _summary(runs_root, name)["status"] == "stopped"
