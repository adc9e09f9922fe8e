"""Weights files: round trip, hand-made files, and every kind of bad file refused."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from core.nn.network import Network
from core.records.weights import WeightsError, check_shapes, load_weights, save_weights

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
