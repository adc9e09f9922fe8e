"""Nothing written outside the runs root, nothing hidden: every entry of the root is
listed (a link of any shape, a file, a device as "damaged" with its reason) and one bad
entry never empties the list; every writer refuses a linked or outside run directory."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import pytest

from core.records.index import RunsError, RunsIndex, delete_run, list_runs, rename_run
from core.records.paths import check_writable_run, run_dir
from tests.core.records.test_one_writer import snapshot
from tests.runs_fixture import make
from tui.cli import main
from tui.commands.runs import list_json, list_text

SHAPES = {
    "loop": ("a symbolic link loop, not followed",
             lambda root, p: (p.symlink_to(root / "loop-b"),
                              (root / "loop-b").symlink_to(p))),
    "dangling": ("a dangling symbolic link, not followed",
                 lambda root, p: p.symlink_to(root / "nowhere")),
    "to-file": ("a symbolic link to a regular file, not followed",
                lambda root, p: p.symlink_to(root.parent / "some-file")),
    "to-device": ("a symbolic link to a character device, not followed",
                  lambda root, p: p.symlink_to("/dev/zero")),
    "to-dir": ("a symbolic link to a directory, not followed",
               lambda root, p: p.symlink_to(root.parent / "elsewhere")),
    "file": ("a regular file, not a directory", lambda root, p: p.write_text("x")),
}


@pytest.fixture
def root(tmp_path) -> Path:
    """A runs root with one good run "good", and a run outside it, "elsewhere"."""
    root = tmp_path / "runs"
    make(root, "good")
    make(tmp_path, "elsewhere")
    (tmp_path / "some-file").write_text("not a run")
    return root


@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_shape_of_entry_is_listed_as_damaged_with_its_reason(root, shape):
    reason, build = SHAPES[shape]
    build(root, root / "odd")
    rows = {r.name: r for r in list_runs(root)}
    assert rows["good"].status == "finished"
    assert rows["odd"].status == "damaged"
    assert rows["odd"].damaged == reason
    listed = {d["name"]: d for d in list_json(rows.values())}
    assert listed["odd"]["damaged"] == reason
    assert listed["good"]["status"] == "finished"
    assert any(line.startswith("odd ") and reason in line
               for line in list_text(rows.values()))
    with pytest.raises(RunsError):
        check_writable_run(root, root / "odd")


def test_all_bad_shapes_at_once_hide_nothing(root, capsys):
    for i, (_, build) in enumerate(SHAPES.values()):
        build(root, root / f"odd{i}")
    index = RunsIndex(root)
    index.refresh()
    names = [r.name for r in index.rows]
    assert "good" in names
    assert all(f"odd{i}" in names for i in range(len(SHAPES)))
    assert main(["runs", "--list", "--json", "--runs-dir", str(root)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {d["name"] for d in listed} >= {"good", "loop-b", *(f"odd{i}" for i in
                                                               range(len(SHAPES)))}


def test_writers_refuse_a_linked_or_outside_run_and_write_nothing(root, tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    (root / "linked").symlink_to(elsewhere)
    before = snapshot(elsewhere)
    assert check_writable_run(root, root / "good") == root / "good"
    for path in (root / "linked", elsewhere):
        with pytest.raises(RunsError, match=r"symbolic link|not a run directory under"):
            check_writable_run(root, path)
    for argv in (["resume", "linked", "--epochs", "9000"],
                 ["resume", str(elsewhere), "--epochs", "9000"],
                 ["export", "linked", "--table", str(tmp_path / "t.md")]):
        with pytest.raises(SystemExit) as exc:
            main([*argv, "--runs-dir", str(root)])
        assert exc.value.code == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1
        assert "Traceback" not in err
    for act in (lambda: rename_run(root, "linked", "moved"),
                lambda: delete_run(root, "linked")):
        with pytest.raises(RunsError, match="symbolic link"):
            act()
    assert snapshot(elsewhere) == before
    assert os.path.islink(root / "linked")
    assert not (tmp_path / "t.md").exists()


def test_a_root_behind_a_link_still_takes_its_own_runs(root, tmp_path):
    alias = tmp_path / "alias"
    alias.symlink_to(root)
    assert check_writable_run(alias, alias / "good") == alias / "good"


@pytest.mark.parametrize("empty", ["", "   ", None])
def test_rename_and_delete_refuse_empty_names(root, empty):
    with pytest.raises(RunsError, match="empty"):
        rename_run(root, "good", empty)
    with pytest.raises(RunsError, match="empty"):
        delete_run(root, empty)
    with pytest.raises(RunsError, match="empty"):
        run_dir(root, empty)
    assert (root / "good" / "config.json").is_file()


def test_rename_and_delete_refuse_a_run_whose_writer_holds_its_lock(root):
    from core.records.lock import RunLock

    lock = RunLock.acquire(root / "good")
    try:
        for act in (lambda: rename_run(root, "good", "other"),
                    lambda: delete_run(root, "good")):
            with pytest.raises(RunsError, match="being written"):
                act()
    finally:
        lock.release()
    delete_run(root, "good")
    assert not (root / "good").exists()


def test_a_long_read_publishes_the_newest_first_page_at_once(tmp_path):
    for i in range(250):
        make(tmp_path, f"run-{i:03d}")
        stamp = 1_700_000_000 + i  # run-249 is the newest
        for f in ("config.json", "summary.json", "metrics.jsonl"):
            os.utime(tmp_path / f"run-{i:03d}" / f, (stamp, stamp))
    index = RunsIndex(tmp_path)
    pages: list[list[str]] = []
    assert index.refresh(on_batch=lambda: pages.append([r.name for r in index.rows]),
                         first=100, every=0.0)
    assert len(pages[0]) == 100
    assert set(pages[0]) == {f"run-{i:03d}" for i in range(150, 250)}
    assert all(len(a) < len(b) for a, b in itertools.pairwise(pages))
    assert len(index.rows) == 250
    assert not index.refresh(on_batch=lambda: pages.append([]))  # nothing new: no page
