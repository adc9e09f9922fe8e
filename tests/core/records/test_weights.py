"""Weights files: round trip, hand-made files, and every kind of bad file refused."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.nn.network import Network
from core.records.weights import WeightsError, check_shapes, load_weights, save_weights
from tests.core.records import hostile

SIZES = (2, 4, 3, 1)


def net_params(seed=0):
    net = Network((4, 3), rng=np.random.default_rng(seed))
    return net, net.copy_params()


def test_round_trip_with_config(tmp_path):
    net, named = net_params()
    p = tmp_path / "w.npz"
    save_weights(p, named, {"hidden": [4, 3], "seed": 1})
    loaded, config = load_weights(p)
    assert config == {"hidden": [4, 3], "seed": 1}
    assert set(loaded) == {"W1", "W2", "W3", "B1", "B2", "B3"}
    for k, v in named.items():
        np.testing.assert_array_equal(loaded[k], v)
        assert loaded[k].dtype == np.float64
    check_shapes(p, loaded, SIZES)
    other = Network((4, 3), rng=np.random.default_rng(99))
    other.set_params(loaded)
    X = np.random.default_rng(1).uniform(size=(5, 2))
    np.testing.assert_array_equal(other.predict(X), net.predict(X))
    assert not list(tmp_path.glob(".weights-*"))  # no temp file left behind


def test_round_trip_without_config(tmp_path):
    _, named = net_params()
    save_weights(tmp_path / "w.npz", named)
    loaded, config = load_weights(tmp_path / "w.npz")
    assert config is None
    assert set(loaded) == set(named)


def test_a_users_plain_savez(tmp_path):
    r = np.random.default_rng(3)
    arrays = {"W1": r.normal(size=(2, 4)), "B1": r.normal(size=4),
              "W2": r.normal(size=(4, 3)), "B2": r.normal(size=3),
              "W3": r.normal(size=(3, 1)).astype(np.float32), "B3": np.array([1])}
    p = tmp_path / "mine.npz"
    np.savez(p, **arrays)
    loaded, config = load_weights(p)
    assert config is None
    check_shapes(p, loaded, SIZES)
    assert loaded["B3"].dtype == np.float64
    np.testing.assert_array_equal(loaded["W1"], arrays["W1"])


def test_truncated_file(tmp_path):
    _, named = net_params()
    p = tmp_path / "w.npz"
    save_weights(p, named)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(WeightsError) as exc:
        load_weights(p)
    assert str(p) in str(exc.value)


def test_garbage_file(tmp_path):
    p = tmp_path / "garbage.npz"
    p.write_bytes(b"this is not a zip file at all\n" * 10)
    with pytest.raises(WeightsError, match=r"not a \.npz file") as exc:
        load_weights(p)
    assert "pickle" not in str(exc.value)


def test_pickled_object_array_refused(tmp_path):
    p = tmp_path / "evil.npz"
    np.savez(p, W1=np.array([{"a": 1}, None], dtype=object), B1=np.zeros(1))
    with pytest.raises(WeightsError, match="pickled"):
        load_weights(p)


def test_plain_pickle_refused(tmp_path):
    p = tmp_path / "evil.npz"
    p.write_bytes(pickle.dumps({"W1": np.zeros((2, 1))}))
    with pytest.raises(WeightsError):
        load_weights(p)


def test_foreign_npz(tmp_path):
    p = tmp_path / "foreign.npz"
    np.savez(p, images=np.zeros((3, 4)), labels=np.arange(3))
    with pytest.raises(WeightsError, match="no arrays W1"):
        load_weights(p)


def test_single_npy_is_not_an_archive(tmp_path):
    p = tmp_path / "one.npz"
    with open(p, "wb") as fh:
        np.save(fh, np.zeros((2, 2)))
    with pytest.raises(WeightsError, match=r"not a \.npz file"):
        load_weights(p)


def test_gaps_refused(tmp_path):
    p = tmp_path / "gaps.npz"
    np.savez(p, W1=np.zeros((2, 4)), B1=np.zeros(4), W3=np.zeros((4, 1)), B3=np.zeros(1))
    with pytest.raises(WeightsError, match="without gaps"):
        load_weights(p)


def test_missing_bias(tmp_path):
    p = tmp_path / "nob.npz"
    np.savez(p, W1=np.zeros((2, 1)))
    with pytest.raises(WeightsError, match="B1"):
        load_weights(p)


def test_non_finite_refused(tmp_path):
    p = tmp_path / "nan.npz"
    np.savez(p, W1=np.full((2, 1), np.nan), B1=np.zeros(1))
    with pytest.raises(WeightsError, match="NaN"):
        load_weights(p)


def test_missing_and_directory(tmp_path):
    with pytest.raises(WeightsError, match="no such file"):
        load_weights(tmp_path / "missing.npz")
    with pytest.raises(WeightsError, match="directory"):
        load_weights(tmp_path)


def test_wrong_shapes(tmp_path):
    _, named = net_params()
    with pytest.raises(WeightsError, match=r"W1 has shape \(2, 4\), expected \(2, 5\)"):
        check_shapes("f.npz", named, (2, 5, 3, 1))
    with pytest.raises(WeightsError, match="holds 3 weight layers"):
        check_shapes("f.npz", named, (2, 4, 1))
    bad = {**named, "B2": np.zeros(5)}
    with pytest.raises(WeightsError, match="B2"):
        check_shapes("f.npz", bad, SIZES)


def test_config_in_file_is_json(tmp_path):
    _, named = net_params()
    p = tmp_path / "w.npz"
    save_weights(p, named, {"lr": 0.5})
    with np.load(p, allow_pickle=False) as data:
        assert json.loads(str(data["config"])) == {"lr": 0.5}


# ------------------------------------------------------------------ hostile archives
@pytest.mark.parametrize(("case", "words"), [
    ("huge-claim", "claims shape (10000000, 10000000)"),
    ("object", "pickled"),
    ("not-npy", "member W1 is not an .npy array"),
    ("bad-header", "member W1 has a damaged .npy header"),
    ("truncated", "member W1 is truncated"),
    ("complex", "member W1 is not numeric"),
    ("structured", "member W1 is not numeric"),
    ("version-3", "format version 3.0"),
    ("scalar", "member W1 has shape (); it must be 2-D"),
    ("row-bias", "member B1 has shape (1, 3); it must be 1-D"),
    ("nan", "NaN"),
    ("missing", "no array W1 (weight arrays must be W1…W2 without gaps)"),
    ("empty", "no arrays W1"),
])
def test_hostile_archive_is_one_line_naming_file_and_member(tmp_path, case, words):
    p = tmp_path / f"{case}.npz"
    hostile.write_npz_case(p, "weights", case)
    with pytest.raises(WeightsError) as exc:
        load_weights(p)
    msg = str(exc.value)
    assert msg.startswith(f"{p}: ")
    assert words in msg
    assert "\n" not in msg


def test_a_huge_claim_is_refused_before_allocating(tmp_path):
    import tracemalloc

    p = tmp_path / "bomb.npz"
    hostile.write_npz_case(p, "weights", "huge-claim")
    tracemalloc.start()
    with pytest.raises(WeightsError):
        load_weights(p)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 5 * 1024**2


def test_only_the_needed_members_are_read(tmp_path):
    """A big unused member is never decompressed: a zip bomb beside W1, B1 costs
    nothing (its CRC is wrong too, which reading it would reveal)."""
    import zipfile
    import zlib

    p = tmp_path / "extra.npz"
    members = {"W1.npy": _npy(np.zeros((2, 1))), "B1.npy": _npy(np.zeros(1))}
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        zf.writestr("junk.npy", b"\0" * 50_000_000)
    with zipfile.ZipFile(p) as zf:
        info = zf.getinfo("junk.npy")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    raw = bytearray(p.read_bytes())
    for i in range(start + 10, start + info.compress_size - 10, 97):
        raw[i] ^= 0x55  # junk.npy is now corrupt: reading it would fail
    p.write_bytes(bytes(raw))
    with zipfile.ZipFile(p) as zf, pytest.raises((zipfile.BadZipFile, zlib.error)):
        zf.read("junk.npy")
    named, _ = load_weights(p)
    assert set(named) == {"W1", "B1"}


def test_a_symlink_is_refused_when_not_followed(tmp_path):
    _, named = net_params()
    real = tmp_path / "w.npz"
    save_weights(real, named)
    link = tmp_path / "link.npz"
    link.symlink_to(real)
    assert load_weights(link)[0].keys() == named.keys()  # a user's own file: followed
    with pytest.raises(WeightsError, match="symbolic link"):
        load_weights(link, follow=False)
    (tmp_path / "zero.npz").symlink_to("/dev/zero")
    with pytest.raises(WeightsError, match="character device"):
        load_weights(tmp_path / "zero.npz")


def test_layers_that_do_not_chain_are_refused(tmp_path):
    p = tmp_path / "chain.npz"
    np.savez(p, W1=np.zeros((2, 4)), B1=np.zeros(4), W2=np.zeros((5, 1)), B2=np.zeros(1))
    with pytest.raises(WeightsError, match=r"W2 has shape \(5, 1\), but W1 has 4 outputs"):
        load_weights(p)


def _npy(arr) -> bytes:
    import io

    out = io.BytesIO()
    np.save(out, arr)
    return out.getvalue()


_DESCRS = ["<f8", "<f4", ">f8", "<i8", "|u1", "|b1", "|O", "<c16", "<U4", "|V8", "<M8[s]",
           [("a", "<f8")], "<f2", "not-a-dtype"]


@settings(deadline=None)
@given(members=st.dictionaries(
    st.sampled_from(["W1.npy", "B1.npy", "W2.npy", "B2.npy", "config.npy", "W1", "x.npy"]),
    st.tuples(st.sampled_from(_DESCRS), st.booleans(),
              st.lists(st.integers(0, 10**9), max_size=3).map(tuple),
              st.binary(max_size=64), st.sampled_from([(1, 0), (2, 0), (3, 0), (9, 9)])),
    max_size=5),
    raw=st.one_of(st.none(), st.binary(max_size=200)))
def test_any_archive_loads_or_fails_with_one_line(tmp_path_factory, members, raw):
    p = tmp_path_factory.mktemp("npz") / "w.npz"
    if raw is not None:
        p.write_bytes(b"PK" + raw)
    else:
        hostile.zip_members(p, {name: hostile.npy_member(
            {"descr": d, "fortran_order": f, "shape": s}, payload, v)
            for name, (d, f, s, payload, v) in members.items()})
    try:
        named, _ = load_weights(p)
    except WeightsError as exc:
        named, problem = {}, str(exc)
    else:
        problem = None
    if problem is not None:
        assert problem.startswith(f"{p}: ")
        assert "\n" not in problem
    assert all(a.dtype == np.float64 and np.isfinite(a).all() for a in named.values())
