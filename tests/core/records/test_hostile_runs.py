"""Damaged and hostile run directories among good ones: every reader is total.

The hypothesis suite damages random files of random runs (JSON type swaps, NaN and
Infinity tokens, huge integers, deep nesting, binary junk, truncation, FIFOs, devices,
symbolic links out, oversized files under a small limit) and checks that nothing
escapes ``list_runs`` and the readers, that the untouched runs still list with their
numbers, and that every reason is one printable line.
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.records import layout, read_data, read_metrics, read_run, read_weights
from core.records.compare import load_series, table_cells
from core.records.index import list_runs, read_row
from core.records.reader import TailReader, last_metrics
from tests.core.records import hostile
from tests.runs_fixture import make

RUNS = ("r0", "r1", "r2", "r3")
NUMBERS = ("lr", "epoch", "epochs", "loss", "soft_acc", "acc", "duration")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """Four good runs (one "running" with a live pid) and their reference rows."""
    root = tmp_path_factory.mktemp("template")
    for i, name in enumerate(RUNS):
        make(root, name, hidden=(4 + i, 3), lr=0.1 * (i + 1), seed=i,
             status="running" if i == 3 else "finished",
             pid=os.getpid() if i == 3 else None)
    return root


def _fresh(template: Path, dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(template, dest, symlinks=True)
    return dest


def _age(root: Path) -> None:
    """Make every directory old, so a damaged run reads "damaged", not "starting"."""
    for d in root.iterdir():
        if not d.is_symlink():
            os.utime(d, (0, 0))


def check_row(row) -> None:
    """A row is well-formed: numbers finite or None, text printable, one-line reason."""
    for attr in NUMBERS:
        v = getattr(row, attr)
        assert v is None or (isinstance(v, (int, float)) and math.isfinite(v)), (attr, v)
    for attr in ("status", "data", "hidden", "activation", "optimizer", "created", "sweep"):
        assert getattr(row, attr).isprintable(), (attr, getattr(row, attr))
    if row.damaged is not None:
        assert row.damaged
        assert row.damaged.isprintable()
        assert len(row.damaged) <= 240
        assert not row.damaged.startswith("unreadable ("), row.damaged  # the last guard
        assert row.status in ("damaged", "starting")
    cells = table_cells(row)
    assert all(c.isprintable() for c in cells)


def check_readers(run: Path) -> None:
    """Every reader of one run returns (or raises ValueError for data.npz), never more."""
    info = read_run(run)
    assert info.damaged is None or "\n" not in info.damaged
    for r in read_metrics(run):
        assert isinstance(r["epoch"], int)
        assert all(v is None or math.isfinite(v) for k, v in r.items() if k != "epoch")
    last = last_metrics(run)
    assert last is None or isinstance(last["epoch"], int)
    named = read_weights(run)
    assert named is None or all(np.isfinite(a).all() for a in named.values())
    try:
        X, y = read_data(run)
        problem = None
    except ValueError as exc:
        problem = str(exc)
    if problem is None:
        assert X.shape[1] == 2
        assert y.shape == (len(X), 1)
    else:
        assert "\n" not in problem
        assert problem.isprintable()
    assert all(line.isprintable() or line == "" for line in
               (TailReader(run / layout.LOG).read()))
    load_series(run)


# ------------------------------------------------------------------ damages
def _json_damage(draw, path: Path) -> None:
    how = draw(st.sampled_from(["token", "junk", "truncate", "swap-type", "not-object",
                                "deep"]))
    if how == "token":
        key = draw(st.sampled_from(["pid", "loss", "epoch", "duration", "lr", "hidden",
                                    "status", "epochs", "data", "n", "seed"]))
        hostile.replace_value(path, key, draw(st.sampled_from(hostile.TOKENS)))
    elif how == "swap-type":
        key = draw(st.sampled_from(["hidden", "status", "lr", "epochs", "loss", "created"]))
        value = draw(st.sampled_from(['"64"', "[1e308]", "[-1]", '{"a": 1}', "[[4]]",
                                      "false", "0.5", "[4.5]", "[]", '"\\u0000\\n"']))
        hostile.replace_value(path, key, value)
    elif how == "junk":
        path.write_bytes(draw(st.binary(max_size=300)))
    elif how == "truncate":
        data = path.read_bytes()
        path.write_bytes(data[: draw(st.integers(0, max(len(data) - 1, 0)))])
    elif how == "not-object":
        path.write_text(draw(st.sampled_from(["[1, 2]", "3", '"x"', "null", "true"])))
    else:
        path.write_text('{"hidden": ' + hostile.DEEP + "}")


def _metrics_damage(draw, path: Path) -> None:
    lines = draw(st.lists(st.one_of(
        st.binary(max_size=80),
        st.sampled_from(hostile.TOKENS).map(
            lambda t: f'{{"epoch": 5, "loss": {t}}}'.encode()),
        st.sampled_from(hostile.TOKENS).map(lambda t: f'{{"epoch": {t}}}'.encode()),
        st.just(b'{"epoch": 3, "loss": ' + b"1" * 5000 + b"}"),
        st.just(hostile.DEEP.encode()),
        st.just(b'{"epoch": 7, "wall": "fast"}'),
    ), max_size=6))
    with open(path, "ab") as fh:
        fh.write(b"\n".join(lines))


def _npz_damage(draw, path: Path, which: str) -> None:
    how = draw(st.sampled_from(["case", "junk", "truncate", "flip"]))
    if how == "case":
        case = draw(st.sampled_from(sorted(hostile.hostile_npz_members(which))))
        hostile.write_npz_case(path, which, case)
    elif how == "junk":
        path.write_bytes(draw(st.binary(max_size=400)))
    else:
        data = bytearray(path.read_bytes())
        if not data:
            return
        if how == "truncate":
            data = data[: draw(st.integers(0, len(data) - 1))]
        else:
            for i in draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=8)):
                data[i] ^= 0xFF
        path.write_bytes(bytes(data))


def damage(draw, root: Path, run: str, file: str | None) -> None:
    d = root / run
    outside = root.parent / "outside.txt"
    outside.write_text('{"hidden": [4], "status": "finished"}')
    if file is None:  # the run directory itself
        hostile.make_special(d, draw(st.sampled_from(["symlink-out", "missing"])),
                             root / RUNS[0])
        return
    path = d / file
    if path.is_symlink() or not path.is_file():
        return  # damaged already (a FIFO would block the helpers below)
    if draw(st.integers(0, 4)) == 0:
        hostile.make_special(path, draw(st.sampled_from(hostile.SPECIALS)), outside)
    elif file in hostile.JSON_FILES:
        _json_damage(draw, path)
    elif file == "metrics.jsonl":
        _metrics_damage(draw, path)
    elif file == "log.txt":
        with open(path, "ab") as fh:
            fh.write(draw(st.binary(max_size=200)) + b"\x1b[2J\n")
    else:
        _npz_damage(draw, path, "weights" if file == "weights.npz" else "data")


@st.composite
def damages(draw) -> list[tuple[str, str | None]]:
    return draw(st.lists(st.tuples(st.sampled_from(RUNS[1:]),
                                   st.sampled_from([*hostile.ALL_FILES, None])),
                         min_size=1, max_size=5))


@settings(deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_runs_never_hide_the_good_ones(template, tmp_path, monkeypatch, data):
    monkeypatch.setattr(layout, "MAX_JSON_BYTES", 2000)  # a real config.json fits
    reference = {r.name: r for r in list_runs(template)}
    root = _fresh(template, tmp_path / "runs")
    touched = set()
    for run, file in data.draw(damages()):
        if (root / run).is_dir() and not (root / run).is_symlink():
            damage(data.draw, root, run, file)
            touched.add(run)
    if data.draw(st.booleans()):  # an oversized config.json under the small limit
        big = root / "r2" / "config.json"
        if big.is_file() and not big.is_symlink() and not big.parent.is_symlink():
            big.write_bytes(big.read_bytes() + b" " * 3000)
            touched.add("r2")
    _age(root)
    rows = {r.name: r for r in list_runs(root)}
    for row in rows.values():
        check_row(row)
        check_readers(row.path)
    for name in RUNS:
        if name not in touched:
            good, ref = rows[name], reference[name]
            assert good.damaged is None
            assert good.status == ref.status
            assert [getattr(good, a) for a in NUMBERS] == [getattr(ref, a) for a in NUMBERS]


# ------------------------------------------------------------------ the issue's cases
ISSUE_CASES = [
    ("summary.json", "pid", hostile.HUGE_INT, "integer too large"),
    ("summary.json", "duration", "NaN", "NaN"),
    ("summary.json", "duration", "Infinity", "Infinity"),
    ("summary.json", "loss", "1" * 400 + ".0", "too large"),
    ("config.json", "hidden", "[1e400]", "too large"),
    ("config.json", "extra", hostile.DEEP, "nested too deeply"),
    ("summary.json", "pid", hostile.GIANT_INT, "integer too large"),
]


@pytest.mark.parametrize(("file", "key", "token", "words"), ISSUE_CASES,
                         ids=[f"{c[0]}:{c[1]}:{c[2][:12]}" for c in ISSUE_CASES])
def test_the_issues_values_make_one_run_damaged(template, tmp_path, file, key, token, words):
    root = _fresh(template, tmp_path / "runs")
    hostile.replace_value(root / "r1" / file, key, token)
    _age(root)
    rows = {r.name: r for r in list_runs(root)}
    assert rows["r1"].status == "damaged"
    assert rows["r1"].damaged.startswith(file)
    assert words in rows["r1"].damaged
    assert [rows[n].status for n in ("r0", "r2", "r3")] == ["finished", "finished", "running"]


@pytest.mark.parametrize("kind", hostile.SPECIALS)
@pytest.mark.parametrize("file", hostile.JSON_FILES)
def test_special_files_are_refused_without_blocking(template, tmp_path, kind, file):
    root = _fresh(template, tmp_path / "runs")
    hostile.make_special(root / "r1" / file, kind, root / "r0" / file)
    _age(root)
    row = read_row(root / "r1")
    assert row.status == "damaged"
    assert row.damaged.startswith(file)
    words = {"fifo": "FIFO", "dev-zero": "symbolic link", "symlink-out": "symbolic link",
             "dangling": "symbolic link", "directory": "directory", "missing": "missing"}
    assert words[kind] in row.damaged


def test_a_symlinked_run_directory_is_listed_damaged(template, tmp_path):
    root = _fresh(template, tmp_path / "runs")
    elsewhere = tmp_path / "elsewhere"
    shutil.move(root / "r1", elsewhere)
    (root / "r1").symlink_to(elsewhere)
    rows = {r.name: r for r in list_runs(root)}
    assert rows["r1"].status == "damaged"
    assert "symbolic link" in rows["r1"].damaged


def test_oversized_summary_is_damaged_not_read(template, tmp_path, monkeypatch):
    monkeypatch.setattr(layout, "MAX_JSON_BYTES", 1000)
    root = _fresh(template, tmp_path / "runs")
    with open(root / "r1" / "summary.json", "a") as fh:
        fh.write(" " * 5000)
    _age(root)
    row = read_row(root / "r1")
    assert row.damaged.startswith("summary.json is ")
    assert "over the limit of 1000 bytes" in row.damaged or "limit" in row.damaged


def test_control_codes_in_files_are_shown_escaped(template, tmp_path):
    root = _fresh(template, tmp_path / "runs")
    hostile.replace_value(root / "r1" / "config.json", "created", '"\\u001b[2J\\n2020"')
    hostile.replace_value(root / "r2" / "config.json", "data", '"\\u001b]0;pwned\\u0007"')
    evil = root / "ev\x1b[31mil"
    shutil.copytree(root / "r0", evil)
    _age(root)
    rows = {r.name: r for r in list_runs(root)}
    assert rows["r1"].created == "\\x1b[2J\\n2020"
    assert "\x1b" not in rows["r2"].damaged
    assert "\\x1b" in rows["r2"].damaged
    assert table_cells(rows[evil.name])[0] == "ev\\x1b[31mil"


def test_metrics_lines_with_bad_numbers_are_skipped(tmp_path):
    (tmp_path / "metrics.jsonl").write_text(
        '{"epoch": 0, "loss": 1.0, "wall": 0}\n'
        '{"epoch": 1, "loss": NaN}\n'
        f'{{"epoch": 2, "loss": {hostile.HUGE_INT}}}\n'
        f'{{"epoch": 3, "loss": {hostile.GIANT_INT}}}\n'
        '{"epoch": 4, "loss": 1e400}\n'
        '{"epoch": 5, "loss": "low"}\n'
        f'{{"epoch": {hostile.HUGE_INT}}}\n'
        '{"epoch": -1}\n'
        + hostile.DEEP + "\n"
        '{"epoch": 6, "loss": 0.5, "note": "kept out", "acc": null}\n'
    )
    assert read_metrics(tmp_path) == [{"epoch": 0, "loss": 1.0, "wall": 0.0},
                                      {"epoch": 6, "loss": 0.5, "acc": None}]
    assert last_metrics(tmp_path) == {"epoch": 6, "loss": 0.5, "acc": None}


def test_a_huge_metrics_file_is_read_up_to_its_limit_and_its_last_row(tmp_path,
                                                                      monkeypatch):
    monkeypatch.setattr(layout, "MAX_METRICS_BYTES", 1000)
    lines = [f'{{"epoch": {e}, "loss": {1 / (e + 1)}}}\n' for e in range(200)]
    (tmp_path / "metrics.jsonl").write_text("".join(lines))
    rows = read_metrics(tmp_path)
    assert rows[0]["epoch"] == 0
    assert rows[-1]["epoch"] == 199
    assert len(rows) < 60
    assert [r["epoch"] for r in rows[:-1]] == list(range(len(rows) - 1))


def test_tail_reader_skips_a_line_longer_than_its_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(layout, "MAX_TAIL_CHUNK", 64)
    log = tmp_path / "log.txt"
    log.write_text("x" * 200 + "\nEpoch 1\n")
    tail = TailReader(log)
    seen = []
    for _ in range(6):
        seen += tail.read()
    assert seen[-1] == "Epoch 1"
    log.write_text("fresh\n")  # replaced by a shorter file: read again from the start
    assert tail.read() == ["fresh"]
    os.unlink(log)
    os.mkfifo(log)
    assert tail.read() == []  # a FIFO is refused, not waited on
