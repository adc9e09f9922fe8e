"""Ways to damage a run directory, shared by the hostile-records tests.

Each damage is a function ``(run_dir, draw_bytes) -> None`` working on one file; the
hypothesis suite picks them at random, the deterministic tests one by one.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np

JSON_FILES = ("config.json", "summary.json")
NPZ_FILES = ("weights.npz", "data.npz")
ALL_FILES = (*JSON_FILES, "metrics.jsonl", "log.txt", *NPZ_FILES)

HUGE_INT = "9" * 400
GIANT_INT = "7" * 5000
DEEP = "[" * 100_000 + "]" * 100_000
TOKENS = ("NaN", "Infinity", "-Infinity", "1e400", "-1e999", HUGE_INT, GIANT_INT,
          "1" + "0" * 400 + ".5", "true", "null", '"text"', "[]", "{}", '"\\u001b[31m"',
          '"\\ud800"', DEEP)


def replace_value(path: Path, key: str, token: str) -> None:
    """Rewrite JSON ``path`` with ``key`` set to the raw JSON ``token``."""
    text = path.read_text(errors="replace")
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):  # damaged already: just add the token
        path.write_text(text + token)
        return
    if not isinstance(obj, dict):
        obj = {}
    obj[key] = "@@TOKEN@@"
    path.write_text(json.dumps(obj).replace('"@@TOKEN@@"', token))


def npy_member(header: dict, payload: bytes = b"", version: tuple = (1, 0)) -> bytes:
    """The bytes of an .npy file with a hand-written header (it may lie)."""
    text = repr(header).encode("latin1")
    magic = b"\x93NUMPY" + bytes(version)
    pad = 64 - (len(magic) + 2 + len(text) + 1) % 64
    text += b" " * pad + b"\n"
    size = len(text).to_bytes(2 if version == (1, 0) else 4, "little")
    return magic + size + text + payload


def zip_members(path: Path, members: dict[str, bytes]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    path.write_bytes(buf.getvalue())


def hostile_npz_members(which: str) -> dict[str, dict[str, bytes]]:
    """Named hostile archives for weights.npz (which="weights") or data.npz ("data")."""
    good = {"W1": np.zeros((2, 3)), "B1": np.zeros(3), "W2": np.zeros((3, 1)),
            "B2": np.zeros(1)} if which == "weights" else {
        "X": np.zeros((4, 2)), "y": np.zeros((4, 1))}

    def npy(arr: np.ndarray) -> bytes:
        out = io.BytesIO()
        np.save(out, arr, allow_pickle=True)
        return out.getvalue()

    base = {f"{k}.npy": npy(v) for k, v in good.items()}
    first = next(iter(base))
    return {
        "huge-claim": {**base, first: npy_member(
            {"descr": "<f8", "fortran_order": False, "shape": (10**7, 10**7)}, b"\0" * 200)},
        "object": {**base, first: npy(np.array([{"a": 1}, None], dtype=object))},
        "not-npy": {**base, first: b"this is not an npy file at all"},
        "bad-header": {**base, first: npy_member({"descr": "<f8"}, b"")},
        "truncated": {**base, first: npy(np.zeros((64, 64)))[:300]},
        "complex": {**base, first: npy(np.zeros((2, 3), dtype=complex))},
        "structured": {**base, first: npy(np.zeros(3, dtype=[("a", "<f8")]))},
        "version-3": {**base, first: npy_member(
            {"descr": "<f8", "fortran_order": False, "shape": (2, 3)}, b"\0" * 48, (3, 0))},
        "scalar": {**base, first: npy(np.float64(1.0))},
        "row-bias": {**base, "B1.npy" if which == "weights" else "y.npy":
                     npy(np.zeros((1, 3)) if which == "weights" else np.zeros((1, 4, 1)))},
        "nan": {**base, first: npy(np.full(good[first[:-4]].shape, np.nan))},
        "missing": {k: v for k, v in base.items() if k != first},
        "empty": {},
    }


def write_npz_case(path: Path, which: str, case: str) -> None:
    zip_members(path, hostile_npz_members(which)[case])


def make_special(path: Path, kind: str, outside: Path) -> None:
    """Replace ``path`` by something that is not a regular file."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "symlink-out":
        path.symlink_to(outside)
    elif kind == "dangling":
        path.symlink_to(outside.parent / "does-not-exist")
    elif kind == "directory":
        path.mkdir()
    elif kind == "missing":
        pass
    else:  # pragma: no cover
        raise ValueError(kind)


SPECIALS = ("fifo", "dev-zero", "symlink-out", "dangling", "directory", "missing")


def make_hostile_root(root: Path) -> Path:
    """Good runs, a long name, control codes in a name and a field, damaged runs (a NaN,
    a 400-digit pid, deep nesting, a FIFO), all old enough to read as damaged."""
    from tests.runs_fixture import make

    make(root, "good", created="2020-04-01T10:00:00+08:00")
    make(root, "hidden-units-sweep-with-a-very-long-name-12", hidden=(512, 256, 128))
    make(root, "evil", status="running", pid=2**22 + 7)
    (root / "evil").rename(root / "ev\x1b[31mil")  # renamed by hand
    make(root, "nan-duration")
    replace_value(root / "nan-duration" / "summary.json", "duration", "NaN")
    make(root, "huge-pid")
    replace_value(root / "huge-pid" / "summary.json", "pid", HUGE_INT)
    make(root, "deep")
    (root / "deep" / "config.json").write_text(DEEP)
    make(root, "fifo")
    os.unlink(root / "fifo" / "config.json")
    os.mkfifo(root / "fifo" / "config.json")
    make(root, "marked")
    replace_value(root / "marked" / "config.json", "created",
                  '"[bold red]2020[/]\\u001b]0;title\\u0007"')
    replace_value(root / "marked" / "config.json", "sweep", '"[link=https://x]s[/link]"')
    for d in root.iterdir():
        os.utime(d, (0, 0))
    return root
