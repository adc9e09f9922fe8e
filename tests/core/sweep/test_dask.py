"""Sweeps on a Dask cluster: ``bp-tui sweep --dask ADDRESS`` against a LocalCluster of
worker processes gives the same runs as a local sweep, and cancelling works there."""

from __future__ import annotations

import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("distributed", reason="the optional extra bp-tui[dask] is not installed")

from core.records import read_metrics
from core.sweep import (
    ExecutorError,
    SweepRunner,
    dask_executor,
    expand_grid,
    parse_spec,
)

GRID = ["--hidden", "3,3", "4,4", "--lr", "0.1", "--epochs", "300", "--backend", "numpy"]
KEYS = ("status", "epoch", "loss", "soft_acc", "acc", "stuck")

pytestmark = pytest.mark.long  # a Dask cluster: processes


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes of one thread each on 127.0.0.1, no dashboard."""
    from distributed import LocalCluster

    with LocalCluster(processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as c:
        yield c


def _no_wall(rows):
    return [{k: v for k, v in r.items() if k != "wall"} for r in rows]


def test_a_dask_sweep_gives_the_local_results(cluster, runs_root, tmp_path, bp_tui_cmd):
    proc = subprocess.run([*bp_tui_cmd, "sweep", *GRID, "--dask", cluster.scheduler_address,
                           "--name", "d", "--quiet"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "on the Dask cluster at tcp://127.0.0.1:" in proc.stderr
    spec = parse_spec({"hidden": "3,3 4,4", "lr": "0.1", "epochs": "300", "backend": "numpy",
                       "name": "d"})
    local_root = tmp_path / "local"
    local = SweepRunner("d", spec.configs(), local_root)
    with ThreadPoolExecutor(2) as pool:
        local.submit(pool)
        local.wait(timeout=120, interval=0.05)
    rows = proc.stdout.splitlines()
    assert [r.split()[:3] for r in rows[1:3]] == [["d-1", "(3,3)", "finished"],
                                                 ["d-2", "(4,4)", "finished"]]
    for m in local.members:
        assert m.status == "finished"
        assert _no_wall(read_metrics(runs_root / m.name)) == \
            _no_wall(read_metrics(local_root / m.name))
        cli_row = next(r for r in rows if r.startswith(m.name + " "))
        assert f"{m.loss:.4f}" in cli_row.split()


def test_cancelling_on_dask_stops_the_running_and_drops_the_queued(cluster, runs_root):
    long = parse_spec({"hidden": "8,8", "epochs": "100000000", "backend": "numpy"}).base
    cfgs = expand_grid(long, {"lr": [0.1, 0.2, 0.3]}, "dc")
    runner = SweepRunner("dc", cfgs, runs_root)
    executor, close = dask_executor(cluster.scheduler_address)
    try:
        runner.submit(executor)
        deadline = time.monotonic() + 60
        while sum(m.status == "running" for m in runner.poll()) < 2:
            assert time.monotonic() < deadline, [m.status for m in runner.members]
            time.sleep(0.05)
        runner.cancel()
        members = runner.wait(timeout=60, interval=0.05)
    finally:
        close()
    assert [m.status for m in members] == ["stopped", "stopped", "cancelled"]
    assert not (runs_root / "dc-3").exists()
    assert not runner.control.exists()


@pytest.mark.parametrize(("address", "said"), [
    ("nonsense://x", "unknown address scheme"), ("tcp://[::1", "invalid address"),
    ("", "the address is empty"), ("  ", "the address is empty"),
    ("tcp://host", "missing port number")])
def test_an_invalid_address_is_refused_at_once(address, said):
    started = time.monotonic()
    with pytest.raises(ExecutorError, match=said):
        dask_executor(address, timeout=600)
    assert time.monotonic() - started < 60  # never the 600 s (a loaded machine: room)


@pytest.fixture
def silent():
    """A port that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    server.close()


def test_a_scheduler_that_never_answers_fails_within_the_timeout(silent):
    started = time.monotonic()
    with pytest.raises(ExecutorError, match=r"cannot reach the Dask scheduler at "
                                            r"tcp://127\.0\.0\.1:\d+: no answer within 0\.5 s"):
        dask_executor(silent, timeout=0.5)
    assert time.monotonic() - started < 5


@pytest.mark.long
@pytest.mark.parametrize("address", ["nonsense://x", "tcp://[::1", "", "SILENT"])
def test_the_sweep_command_says_one_line_and_leaves_at_once(address, silent, bp_tui_cmd):
    started = time.monotonic()
    proc = subprocess.run([*bp_tui_cmd, "sweep", *GRID, "--dask",
                           silent if address == "SILENT" else address, "--dask-timeout", "2",
                           "--quiet"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "argument --dask" in proc.stderr
    if address == "SILENT":
        assert "cannot reach the Dask scheduler at" in proc.stderr
    assert time.monotonic() - started < 15  # not the 20 s of a failed Client's __del__


async def test_the_probe_also_works_under_a_running_event_loop(silent):
    with pytest.raises(ExecutorError, match=r"no answer within 0\.5 s"):
        dask_executor(silent, timeout=0.5)
