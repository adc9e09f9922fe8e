"""Runs listing, liveness, damage, rename/delete, config diff, smoothing and export."""

from __future__ import annotations

import json
import os

import pytest

from core.records.compare import ema, load_series, metrics_csv, table_markdown
from core.records.index import RunsError, RunsIndex, config_diff, delete_run, list_runs, rename_run
from tests.runs_fixture import make


def test_ema_matches_hand_computed_debiased_values():
    # w = 0.5: last = 0.5, 0.5*0.5+0.5*2 = 1.25, 0.625+2 = 2.625
    # debias 1-0.5, 1-0.25, 1-0.125 → 1.0, 1.6667, 3.0
    got = ema([1.0, 2.0, 4.0], 0.5)
    assert got == pytest.approx([1.0, 1.25 / 0.75, 2.625 / 0.875])
    assert ema([3.0, 1.0], 0.0) == [3.0, 1.0]
    assert ema([None, 2.0, float("nan"), 4.0], 0.5)[:2] == [None, 2.0]
    assert ema([2.0, 2.0, 2.0], 0.99) == pytest.approx([2.0, 2.0, 2.0])


def test_listing_damage_dead_and_incremental_refresh(runs_root):
    make(runs_root, "a", created="2020-04-01T10:00:00+08:00")
    make(runs_root, "b", status="running", pid=os.getpid())
    make(runs_root, "c", status="running", pid=2**22 + 12345)
    bad = runs_root / "d"
    bad.mkdir()
    (bad / "config.json").write_text("[1, 2]")
    (bad / "summary.json").write_text("{}")
    trunc = runs_root / "e"
    trunc.mkdir()
    (trunc / "config.json").write_text('{"hidden": [4')
    os.utime(bad, (0, 0))
    os.utime(trunc, (0, 0))
    rows = {r.name: r for r in list_runs(runs_root)}
    assert rows["a"].status == "finished"
    assert rows["a"].hidden == "64,64"
    assert rows["b"].status == "running"
    assert rows["c"].status == "dead"
    assert rows["d"].status == "damaged"
    assert "not a JSON object" in rows["d"].damaged
    assert rows["e"].status == "damaged"
    assert "not readable JSON" in rows["e"].damaged
    index = RunsIndex(runs_root)
    assert index.refresh() is True
    assert index.refresh() is False
    (runs_root / "a" / "summary.json").write_text(json.dumps({"status": "stopped"}))
    assert index.refresh() is True
    assert index.get("a").status == "stopped"


def test_rename_validates_and_refuses_running_runs(runs_root):
    make(runs_root, "a")
    make(runs_root, "b")
    make(runs_root, "live", status="running", pid=os.getpid())
    with pytest.raises(RunsError, match=r"^name:"):
        rename_run(runs_root, "a", "bad name!")
    with pytest.raises(RunsError, match="already exists"):
        rename_run(runs_root, "a", "b")
    with pytest.raises(RunsError, match="still running"):
        rename_run(runs_root, "live", "z")
    rename_run(runs_root, "a", "renamed")
    assert json.loads((runs_root / "renamed" / "config.json").read_text())["name"] == "renamed"
    with pytest.raises(RunsError, match="still running"):
        delete_run(runs_root, "live")
    delete_run(runs_root, "renamed")
    assert not (runs_root / "renamed").exists()


def test_config_diff_lists_exactly_the_differing_settings():
    a = {"name": "x", "created": "t1", "lr": 0.1, "hidden": [64, 64], "data": "xor",
         "extra": {"k": 1}}
    b = {"name": "y", "created": "t2", "lr": 0.01, "hidden": [64, 64], "data": "xor",
         "extra": {"k": 2}, "sweep": "s"}
    assert config_diff(a, b) == [("lr", 0.1, 0.01), ("extra.k", 1, 2), ("sweep", None, "s")]
    assert config_diff(a, a) == []


def test_metrics_csv_line_by_line(runs_root, tmp_path):
    d = runs_root / "r"
    d.mkdir(parents=True)
    rows = [{"epoch": 0, "loss": 4.0, "soft_acc": 50.0, "acc": 50.0, "lr": 0.1, "wall": 0.0},
            {"epoch": 10, "loss": 2.0, "soft_acc": 70.0, "acc": 80.0, "lr": 0.1, "wall": 1.5}]
    (d / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows) + '{"epo')
    out = tmp_path / "m.csv"
    assert metrics_csv([load_series(d)], out, 0.5) == 2
    assert out.read_text().splitlines() == [
        "run,settings,epoch,wall,loss,loss smoothed,soft acc,soft acc smoothed,right %,"
        "right % smoothed",
        "r,r,0,0.000000,4,4,50,50,50,50",
        "r,r,10,1.500000,2,2.66667,70,63.3333,80,70",
    ]


def test_markdown_table(runs_root):
    make(runs_root, "h1", hidden=(128, 128), lr=0.1, created="2020-04-01T10:00:00+08:00")
    md = table_markdown(list_runs(runs_root)).splitlines()
    assert md[0] == ("| name | settings | data | hidden | act | opt | lr | epochs | loss "
                     "| soft acc | right % | time | status | date |")
    assert md[2] == ("| h1 | h1 | xor-grid | 128,128 | sigmoid | sgd | 0.1 | 2000 | 2.7930 "
                     "| 95.81 | 97.21 | 40.0 s | finished | 2020-04-01 10:00 |")
