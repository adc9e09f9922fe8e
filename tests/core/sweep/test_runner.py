"""Sweeps end to end on process and thread pools: records, cancelling, unique names and
stop files, failures, the member's stop conditions and the per-cell summary."""

from __future__ import annotations

import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.config import RunConfig
from core.records.index import list_runs
from core.sweep import (
    MEMBER_COLUMNS,
    SweepRunner,
    expand_grid,
    local_executor,
    member_labels,
    member_row,
    parse_spec,
    prepare,
    reserve_name,
    run_member,
    summarise,
)
from core.sweep import member as member_mod
from core.sweep.runner import MemberState

TINY = RunConfig(hidden=(3, 3), epochs=40, log_every=10, backend="numpy", lr=0.1)
LONG = TINY.with_changes(epochs=10**7, log_every=1000, hidden=(16, 16))


def _check_recorded(root, cfgs, sweep):
    rows = {r.name: r for r in list_runs(root)}
    for c in cfgs:
        row = rows[c.name]
        assert row.status == "finished", row
        assert row.sweep == sweep
        assert json.loads((root / c.name / "config.json").read_text())["sweep"] == sweep


@pytest.mark.parametrize("kind", ["process", "thread"])
def test_small_sweep_end_to_end(runs_root, kind):
    cfgs = expand_grid(TINY, {"hidden": ["3,3", "4,4"], "lr": [0.1, 0.05]}, "grid")
    runner = SweepRunner("grid", cfgs, runs_root)
    executor = local_executor(2) if kind == "process" else ThreadPoolExecutor(2)
    with executor:
        runner.submit(executor)
        members = runner.wait(timeout=120, interval=0.05)
    assert [m.status for m in members] == ["finished"] * 4
    assert all(m.epoch == 40 and m.loss is not None for m in members)
    assert all(m.ms_per_epoch and m.ms_per_epoch > 0 for m in members)
    _check_recorded(runs_root, cfgs, "grid")
    assert not runner.control.exists()  # no stop file, no heartbeat left behind


def _wait_running(runner, names, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = {m.name: m.status for m in runner.poll()}
        if all(states[n] == "running" for n in names):
            return states
        time.sleep(0.05)
    raise AssertionError(f"members never ran: {states}")


@pytest.mark.parametrize("kind", ["process", "thread"])
def test_cancel_stops_running_members_and_keeps_what_finished(runs_root, kind):
    quick = expand_grid(TINY, {"lr": [0.1]}, "c")
    cfgs = [quick[0], *expand_grid(LONG, {"lr": [0.2, 0.3, 0.4]}, "c")]
    cfgs = [c.with_changes(name=f"c-{i}") for i, c in enumerate(cfgs, 1)]
    runner = SweepRunner("c", cfgs, runs_root)
    executor = local_executor(2) if kind == "process" else ThreadPoolExecutor(2)
    with executor:
        runner.submit(executor)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            states = {m.name: m.status for m in runner.poll()}
            if states["c-1"] == "finished" and states["c-2"] == "running":
                break
            time.sleep(0.05)
        runner.cancel()
        members = runner.wait(timeout=60, interval=0.05)
    status = {m.name: m.status for m in members}
    assert status["c-1"] == "finished"
    assert status["c-2"] == "stopped"
    assert status["c-3"] in ("stopped", "cancelled")
    assert status["c-4"] == "cancelled"
    summary = json.loads((runs_root / "c-2" / "summary.json").read_text())
    assert summary["status"] == "stopped"
    assert not (runs_root / "c-4").exists()
    assert not runner.stop_file.exists()


def test_names_reserved_at_once_never_collide(runs_root):
    (runs_root / "sw-1").mkdir(parents=True)
    got: list[str] = []
    barrier = threading.Barrier(8)

    def take():
        barrier.wait()
        got.append(reserve_name(runs_root, "sw", 3))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(got)) == 8
    assert "sw" not in got  # its run sw-1 exists
    assert sorted(got, key=lambda s: int(s.rsplit("-", 1)[1])) == \
        [f"sw-{k}" for k in range(2, 10)]


def test_two_sweeps_into_one_root_stay_apart(runs_root):
    spec = parse_spec({"hidden": "3,3 4,4", "epochs": "10000000", "backend": "numpy",
                       "name": "same"})
    a, b = prepare(spec, runs_root), prepare(spec, runs_root)
    assert (a.name, b.name) == ("same", "same-2")
    assert a.stop_file != b.stop_file
    assert [m.name for m in b.members] == ["same-2-1", "same-2-2"]
    with ThreadPoolExecutor(4) as pool:
        a.submit(pool)
        b.submit(pool)
        _wait_running(a, ["same-1", "same-2"])
        _wait_running(b, ["same-2-1", "same-2-2"])
        a.cancel()
        a.wait(timeout=30, interval=0.05)
        time.sleep(0.5)  # b's members looked at their own stop file meanwhile
        assert [m.status for m in b.poll()] == ["running", "running"]
        b.cancel()
        b.wait(timeout=30, interval=0.05)
    names = {r.name: r.sweep for r in list_runs(runs_root)}
    assert names == {"same-1": "same", "same-2": "same", "same-2-1": "same-2",
                     "same-2-2": "same-2"}


def test_failed_members_are_reported(runs_root, tmp_path):
    bad = TINY.with_changes(data_file=str(tmp_path / "missing.csv"), name="f-1")
    runner = SweepRunner("f", [bad, TINY.with_changes(name="f-2")], runs_root)
    with ThreadPoolExecutor(1) as pool:
        runner.submit(pool)
        runner.wait(timeout=60, interval=0.05)
    assert [m.status for m in runner.members] == ["error", "finished"]
    assert [m.name for m in runner.failed] == ["f-1"]
    assert "missing.csv" in runner.failed[0].message


def _member_in_thread(cfg, root, control, parent_pid=None):
    out: dict = {}
    t = threading.Thread(target=lambda: out.update(
        run_member(cfg.to_dict(), str(root), "m", str(control), parent_pid)))
    t.start()
    return t, out


def test_a_remote_member_stops_when_the_heartbeat_stops(runs_root, monkeypatch):
    monkeypatch.setattr(member_mod, "HEARTBEAT_TIMEOUT", 0.6)
    control = runs_root / ".sweeps" / "m"
    control.mkdir(parents=True)
    (control / member_mod.HEARTBEAT).write_text("1\n")
    t, out = _member_in_thread(LONG.with_changes(name="m-1"), runs_root, control)
    t.join(30)
    assert out["status"] == "stopped"
    assert out["message"] == "the sweep's process stopped beating"


def test_a_member_stops_when_its_sweep_is_gone(runs_root):
    control = runs_root / ".sweeps" / "g"
    control.mkdir(parents=True)
    t, out = _member_in_thread(LONG.with_changes(name="g-1"), runs_root, control,
                               parent_pid=member_mod.os.getppid())
    deadline = time.monotonic() + 30
    while not (runs_root / "g-1" / "metrics.jsonl").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    control.rmdir()
    t.join(30)
    assert (out["status"], out["message"]) == ("stopped", "the sweep has ended")
    assert run_member(TINY.to_dict(), str(runs_root), "g", str(control))["status"] == \
        "cancelled"  # a member whose sweep has ended never starts


def test_summary_takes_medians_and_counts_stuck_runs_apart():
    cfgs = expand_grid(TINY, {"hidden": ["4,4", "8,8"]}, "s", repeats=3)
    members = [MemberState(c.name, c, status="finished", epoch=40, duration=0.4)
               for c in cfgs]
    for m, loss in zip(members, [1.0, 3.0, 34.0, 2.0, 35.0, 35.0]):
        m.loss, m.stuck = loss, loss >= 34
    cells = summarise(members)
    assert [(c.label, c.runs, c.stuck, c.loss) for c in cells] == [
        ("(4,4)", 3, 1, 2.0), ("(8,8)", 3, 2, 2.0)]
    assert cells[0].ms_per_epoch == pytest.approx(10.0)


def test_member_rows_name_runs_by_their_settings_and_keep_the_status():
    """One vocabulary: a sweep's rows are labelled like every comparison
    (``core.labels``), and a stuck run's status is still "finished" (stuck beside it)."""
    cfgs = expand_grid(TINY, {"hidden": ["4,4", "8,8"], "lr": ["0.1", "0.01"]}, "s")
    members = [MemberState(c.name, c, status="finished", epoch=40) for c in cfgs]
    members[1].stuck = True
    labels = member_labels(members)
    assert labels == ["(4,4) · lr 0.1", "(4,4) · lr 0.01", "(8,8) · lr 0.1",
                      "(8,8) · lr 0.01"]
    rows = [member_row(m, lab) for m, lab in zip(members, labels)]
    assert [r[:3] for r in rows[:2]] == [["s-1", "(4,4) · lr 0.1", "finished"],
                                          ["s-2", "(4,4) · lr 0.01", "finished · stuck"]]
    assert MEMBER_COLUMNS[3:5] == ("soft acc", "right %")


def test_a_killed_sweeps_control_folder_goes_at_the_next_sweep(runs_root):
    from core.records.layout import SWEEPS_DIR
    from core.sweep.member import HEARTBEAT
    from core.sweep.runner import STALE_SECONDS

    sweeps = runs_root / SWEEPS_DIR
    long_ago = time.time() - STALE_SECONDS - 5
    for name in ("killed", "unborn", "live"):
        (sweeps / name).mkdir(parents=True)
    (sweeps / "killed" / HEARTBEAT).write_text("999999 0\n")  # SIGKILLed: beats no more
    os.utime(sweeps / "killed" / HEARTBEAT, (long_ago, long_ago))
    os.utime(sweeps / "unborn", (long_ago, long_ago))  # killed before its first beat
    (sweeps / "live" / HEARTBEAT).write_text("1 0\n")
    os.utime(sweeps / "live", (long_ago, long_ago))  # an old folder, a fresh beat
    assert reserve_name(runs_root, "next", 2) == "next"
    assert sorted(p.name for p in sweeps.iterdir()) == ["live", "next"]
