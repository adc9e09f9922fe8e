"""Path safety: rename and delete touch only real run directories directly under the
runs root; a symlinked run is never written through; export never writes into runs."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from core.records.index import RunsError, delete_run, list_runs, rename_run, resolve_run
from core.records.paths import check_export_target
from tests.runs_fixture import make


@pytest.fixture
def root(tmp_path):
    runs = tmp_path / "runs"
    make(runs, "a")
    make(runs, "b")
    outside = tmp_path / "outside"
    make(outside, "x")
    for d in (runs / "a", runs / "b", outside / "x"):
        os.utime(d, (0, 0))
    return runs


BAD_NAMES = ["", ".", "..", "../outside/x", "a/../b", "/etc", ".sweeps", "a\0b", "a/"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_delete_refuses_anything_but_a_direct_child(root, name):
    (root / ".sweeps").mkdir()
    before = sorted(p.name for p in root.iterdir())
    with pytest.raises(RunsError) as exc:
        delete_run(root, name)
    assert "\n" not in str(exc.value)
    assert sorted(p.name for p in root.iterdir()) == before
    assert (root.parent / "outside" / "x" / "config.json").exists()


def test_delete_of_the_empty_name_keeps_the_whole_root(root):
    with pytest.raises(RunsError, match="the name is empty"):
        delete_run(root, "")
    assert {r.name for r in list_runs(root)} == {"a", "b"}


@pytest.mark.parametrize("name", BAD_NAMES)
def test_rename_refuses_anything_but_a_direct_child(root, name):
    with pytest.raises(RunsError):
        rename_run(root, name, "moved")
    assert not (root / "moved").exists()
    assert (root.parent / "outside" / "x").is_dir()


def test_a_symlinked_run_is_neither_renamed_nor_deleted_nor_written_through(root):
    target = root.parent / "outside" / "x"
    (root / "link").symlink_to(target)
    config = (target / "config.json").read_bytes()
    with pytest.raises(RunsError, match="symbolic link"):
        rename_run(root, "link", "renamed")
    with pytest.raises(RunsError, match="symbolic link"):
        delete_run(root, "link")
    assert (target / "config.json").read_bytes() == config
    assert (root / "link").is_symlink()
    assert not (root / "renamed").exists()


def test_rename_refuses_a_name_taken_by_a_symlink_or_file(root):
    (root / "taken").symlink_to(root.parent / "nowhere")
    with pytest.raises(RunsError, match="already exists"):
        rename_run(root, "a", "taken")
    (root / "plain").write_text("x")
    with pytest.raises(RunsError, match="already exists"):
        rename_run(root, "a", "plain")
    with pytest.raises(RunsError, match="not a directory"):
        delete_run(root, "plain")


def test_rename_does_not_follow_a_symlinked_config(root):
    secret = root.parent / "secret.json"
    secret.write_text('{"name": "keep me"}')
    (root / "a" / "config.json").unlink()
    (root / "a" / "config.json").symlink_to(secret)
    os.utime(root / "a", (0, 0))  # an old damaged run, not one starting
    rename_run(root, "a", "renamed")
    assert json.loads(secret.read_text()) == {"name": "keep me"}
    summary = json.loads((root / "renamed" / "summary.json").read_text())
    assert summary["name"] == "renamed"


def test_rename_and_delete_of_good_runs_still_work(root):
    rename_run(root, "a", "c")
    assert json.loads((root / "c" / "config.json").read_text())["name"] == "c"
    delete_run(root, "c")
    assert {r.name for r in list_runs(root)} == {"b"}


def test_resolve_run_refuses_the_empty_name(root):
    with pytest.raises(RunsError):
        resolve_run(root, "")
    assert resolve_run(root, "a") == root / "a"
    shutil.rmtree(root / "a")
    with pytest.raises(RunsError):
        resolve_run(root, "a")


@pytest.mark.parametrize("where", ["run-file", "run-dir", "root", "root-child",
                                   "symlink-into-run", "run-elsewhere", "selected"])
def test_export_targets_inside_runs_are_refused(root, tmp_path, where):
    outside = tmp_path / "outside" / "x"
    link = tmp_path / "innocent.csv"
    link.symlink_to(root / "a" / "metrics.jsonl")
    target = {
        "run-file": root / "a" / "metrics.jsonl",
        "run-dir": root / "a" / "new.csv",
        "root": root / "table.md",
        "root-child": root / "bp-tui-export",
        "symlink-into-run": link,
        "run-elsewhere": outside / "out.csv",
        "selected": outside,
    }[where]
    with pytest.raises(RunsError, match="export somewhere else") as exc:
        check_export_target(target, root, [outside] if where == "selected" else [])
    assert "\n" not in str(exc.value)


def test_export_elsewhere_is_allowed(root, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "config.json").write_text("{}")  # a config.json alone is not a run
    check_export_target(project / "m.csv", root, [root / "a"])
    check_export_target(tmp_path / "new-folder" / "deeper", root, [root / "a"])
