"""Exact points of the lab's data sets, the Playground sets and the CSV loader."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.datasets import DATASETS, DataError, fresh_sample, generate, load_csv


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# ------------------------------------------------------------------ xor (21 points)
def test_xor_is_the_handouts_21_points_in_order():
    d = generate("xor", None, 0.0, rng())
    expected = [
        ((0.0, 0.0), 0), ((0.0, 1.0), 1),
        ((0.1, 0.1), 0), ((0.1, 0.9), 1),
        ((0.2, 0.2), 0), ((0.2, 0.8), 1),
        ((0.30000000000000004, 0.30000000000000004), 0), ((0.30000000000000004, 0.7), 1),
        ((0.4, 0.4), 0), ((0.4, 0.6), 1),
        ((0.5, 0.5), 0),
        ((0.6000000000000001, 0.6000000000000001), 0),
        ((0.6000000000000001, 0.3999999999999999), 1),
        ((0.7000000000000001, 0.7000000000000001), 0),
        ((0.7000000000000001, 0.29999999999999993), 1),
        ((0.8, 0.8), 0), ((0.8, 0.19999999999999996), 1),
        ((0.9, 0.9), 0), ((0.9, 0.09999999999999998), 1),
        ((1.0, 1.0), 0), ((1.0, 0.0), 1),
    ]
    assert d.X.shape == (21, 2)
    assert d.y.shape == (21, 1)
    assert d.X.dtype == np.float64
    assert d.y.dtype == np.float64
    got = [((float(a), float(b)), int(c)) for (a, b), c in zip(d.X, d.y[:, 0])]
    assert got == expected  # exact float equality: raw products kept
    assert int((d.y == 0).sum()) == 11
    assert int((d.y == 1).sum()) == 10


def test_xor_keeps_raw_products():
    d = generate("xor", None, 0.0, rng())
    assert d.X[6, 0] == 0.30000000000000004
    assert d.X[6, 0] != 0.3


# ------------------------------------------------------------------ xor-grid
def _grid_reference(n):
    pts, lab = [], []
    for x in np.linspace(0, 1, n // 2):
        pts.append((x, x))
        lab.append(0)
        if x != 1 - x:
            pts.append((x, 1 - x))
            lab.append(1)
    return np.array(pts), np.array(lab, float).reshape(-1, 1)


@pytest.mark.parametrize(("n", "total", "zeros", "ones"), [(70, 69, 35, 34), (100, 100, 50, 50)])
def test_xor_grid_counts(n, total, zeros, ones):
    d = generate("xor-grid", n, 0.0, rng())
    assert len(d) == total
    assert d.X.shape == (total, 2)
    assert d.y.shape == (total, 1)
    assert int((d.y == 0).sum()) == zeros
    assert int((d.y == 1).sum()) == ones
    X, y = _grid_reference(n)
    np.testing.assert_array_equal(d.X, X)
    np.testing.assert_array_equal(d.y, y)


def test_xor_grid_default_is_70():
    assert len(generate("xor-grid", None, 0.0, rng())) == 69


def test_xor_grid_first_points_and_centre():
    d = generate("xor-grid", 70, 0.0, rng())
    assert tuple(d.X[0]) == (0.0, 0.0)
    assert d.y[0, 0] == 0
    assert tuple(d.X[1]) == (0.0, 1.0)
    assert d.y[1, 0] == 1
    # x = 0.5 is the 18th grid value (index 17) and appears once, labelled 0
    centre = np.flatnonzero((d.X[:, 0] == 0.5) & (d.X[:, 1] == 0.5))
    assert len(centre) == 1
    assert d.y[centre[0], 0] == 0
    assert not np.any((d.X[:, 0] == 0.5) & (d.y[:, 0] == 1))


# ------------------------------------------------------------------ linear
def test_linear_labels_shape_and_range():
    d = generate("linear", 500, 0.0, rng(3))
    assert d.X.shape == (500, 2)
    assert d.y.shape == (500, 1)
    assert np.all((d.X >= 0) & (d.X < 1))
    expected = np.array([0.0 if x0 > x1 else 1.0 for x0, x1 in d.X]).reshape(-1, 1)
    np.testing.assert_array_equal(d.y, expected)
    assert 0 < d.y.sum() < 500


def test_linear_default_n_is_100():
    assert len(generate("linear", None, 0.0, rng())) == 100


def test_linear_diagonal_is_class_one():
    # The rule is applied to whatever the generator drew; force diagonal points by
    # feeding a generator whose uniform() returns equal coordinates.
    class Diagonal:
        def uniform(self, lo, hi, size):
            v = np.linspace(0.05, 0.95, size[0])
            return np.column_stack([v, v])

    d = generate("linear", 7, 0.0, Diagonal())
    np.testing.assert_array_equal(d.y, np.ones((7, 1)))


def test_linear_is_deterministic_by_seed():
    a = generate("linear", 100, 0.0, rng(42))
    b = generate("linear", 100, 0.0, rng(42))
    c = generate("linear", 100, 0.0, rng(43))
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)


# ------------------------------------------------------------------ playground sets
@pytest.mark.parametrize("name", ["circle", "spiral", "gauss"])
def test_playground_shapes_and_classes(name):
    d = generate(name, 200, 0.1, rng(5))
    assert d.X.shape == (200, 2)
    assert d.y.shape == (200, 1)
    assert d.X.dtype == np.float64
    assert set(np.unique(d.y)) == {0.0, 1.0}
    assert np.all(np.isfinite(d.X))
    assert len(generate(name, None, 0.0, rng())) == 100


@pytest.mark.parametrize("name", ["circle", "spiral", "gauss"])
def test_playground_deterministic_by_seed(name):
    a = generate(name, 100, 0.2, rng(9))
    b = generate(name, 100, 0.2, rng(9))
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)


@pytest.mark.parametrize("name", ["circle", "spiral", "gauss"])
def test_noise_changes_points(name):
    quiet = generate(name, 100, 0.0, rng(9))
    noisy = generate(name, 100, 0.5, rng(9))
    assert not np.allclose(quiet.X, noisy.X)


def test_gauss_noise_widens_the_blobs():
    quiet = generate("gauss", 2000, 0.0, rng(1))
    noisy = generate("gauss", 2000, 1.0, rng(1))
    ones_q = quiet.X[quiet.y[:, 0] == 1]
    ones_n = noisy.X[noisy.y[:, 0] == 1]
    assert ones_n.std() > 3 * ones_q.std()


def test_circle_without_noise_separates_by_radius():
    d = generate("circle", 400, 0.0, rng(2))
    r = np.hypot(d.X[:, 0] - 0.5, d.X[:, 1] - 0.5)
    assert np.all(r[d.y[:, 0] == 1] < r[d.y[:, 0] == 0].min())


@pytest.mark.parametrize("n", [None, 50])
def test_unknown_data_set(n):
    with pytest.raises(DataError, match="unknown data set 'nope'; choose one of linear"):
        generate("nope", n, 0.0, rng())


def test_names_list():
    assert set(DATASETS) >= {"linear", "xor", "xor-grid", "circle", "spiral", "gauss"}


# ------------------------------------------------------------------ fresh samples
@pytest.mark.parametrize("name", ["linear", "xor", "xor-grid", "circle", "spiral", "gauss"])
def test_fresh_sample_differs_and_is_reproducible(name):
    train = generate(name, None, 0.1, rng(1))
    a = fresh_sample(name, 70, 0.1, rng(2))
    b = fresh_sample(name, 70, 0.1, rng(2))
    c = fresh_sample(name, 70, 0.1, rng(3))
    assert a.X.shape == (70, 2)
    assert a.y.shape == (70, 1)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)
    common = min(len(train), len(a))
    assert not np.array_equal(train.X[:common], a.X[:common])


def test_fresh_linear_sample_follows_the_rule():
    a = fresh_sample("linear", 70, 0.0, rng(4))
    np.testing.assert_array_equal(a.y[:, 0], (a.X[:, 0] <= a.X[:, 1]).astype(float))


@pytest.mark.parametrize("name", ["xor", "xor-grid"])
def test_fresh_xor_points_lie_on_the_diagonals(name):
    a = fresh_sample(name, 200, 0.0, rng(4))
    zeros = a.X[a.y[:, 0] == 0]
    ones = a.X[a.y[:, 0] == 1]
    np.testing.assert_allclose(zeros[:, 0], zeros[:, 1])
    np.testing.assert_allclose(ones[:, 0] + ones[:, 1], 1.0)
    assert len(zeros)
    assert len(ones)


# ------------------------------------------------------------------ CSV loader
def write(tmp_path, text, name="pts.csv", mode="w"):
    p = tmp_path / name
    if mode == "wb":
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


def test_csv_without_header(tmp_path):
    p = write(tmp_path, "0.1,0.2,0\n0.9,0.3,1\n0.5,0.5,1\n")
    d = load_csv(p)
    np.testing.assert_array_equal(d.X, [[0.1, 0.2], [0.9, 0.3], [0.5, 0.5]])
    np.testing.assert_array_equal(d.y, [[0.0], [1.0], [1.0]])
    assert d.X.dtype == np.float64


def test_csv_with_header_and_blank_lines(tmp_path):
    p = write(tmp_path, "x0,x1,label\n\n0.1, 0.2, 0\n\n  \n0.9,0.3,1\n\n")
    d = load_csv(p)
    np.testing.assert_array_equal(d.X, [[0.1, 0.2], [0.9, 0.3]])
    np.testing.assert_array_equal(d.y, [[0.0], [1.0]])


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("0.1,0.2,0\n0.3,0.4\n", 2, "3 columns"),
        ("0.1,0.2,0\n0.3,0.4,1,7\n", 2, "3 columns"),
        ("0.1,0.2,0\n0.3,abc,1\n", 2, "not a number"),
        ("x0,x1,label\n0.1,0.2,0\nfoo,0.2,1\n", 3, "not a number"),
        ("0.1,0.2,0\n0.3,0.4,2\n", 2, "label"),
        ("0.1,0.2,0\n0.3,0.4,0.5\n", 2, "label"),
        ("0.1,0.2,0\n0.3,nan,1\n", 2, "finite"),
        ("0.1,0.2,0\n\n0.3,inf,1\n", 3, "finite"),
        ("0.1,0.2,0\n-inf,0.4,1\n", 2, "finite"),
        ("0.1,0.2,0\n0.3,0.4,nan\n", 2, "label"),
    ],
)
def test_csv_bad_row_names_file_and_line(tmp_path, text, line, words):
    p = write(tmp_path, text)
    with pytest.raises(DataError) as exc:
        load_csv(p)
    msg = str(exc.value)
    assert f"{p}:{line}:" in msg
    assert words in msg
    assert "\n" not in msg


def test_csv_header_only_on_first_line(tmp_path):
    # a non-numeric first line is a header; the same later is an error
    p = write(tmp_path, "0.1,0.2,0\nx0,x1,label\n0.3,0.4,1\n")
    with pytest.raises(DataError, match=r":2:"):
        load_csv(p)


def test_csv_missing_file(tmp_path):
    p = tmp_path / "missing.csv"
    with pytest.raises(DataError) as exc:
        load_csv(p)
    assert str(p) in str(exc.value)
    assert "no such file" in str(exc.value)


def test_csv_directory(tmp_path):
    with pytest.raises(DataError, match="directory"):
        load_csv(tmp_path)


def test_csv_binary_file(tmp_path):
    p = write(tmp_path, bytes(range(256)) * 4, name="bin.csv", mode="wb")
    with pytest.raises(DataError) as exc:
        load_csv(p)
    assert str(p) in str(exc.value)


@pytest.mark.parametrize("text", ["", "x0,x1,label\n", "0.1,0.2,0\n", "\n\n"])
def test_csv_too_few_rows(tmp_path, text):
    p = write(tmp_path, text)
    with pytest.raises(DataError) as exc:
        load_csv(p)
    assert str(p) in str(exc.value)
    assert "at least 2" in str(exc.value)


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


# ------------------------------------------------------------------ hostile CSV files
def test_csv_bom_without_header_keeps_the_first_row(tmp_path):
    p = write(tmp_path, b"\xef\xbb\xbf0.1,0.2,0\r\n0.9,0.3,1\r\n", mode="wb")
    d = load_csv(p)
    np.testing.assert_array_equal(d.X, [[0.1, 0.2], [0.9, 0.3]])
    np.testing.assert_array_equal(d.y, [[0.0], [1.0]])


def test_csv_bom_with_header_crlf_and_blank_lines(tmp_path):
    p = write(tmp_path, b"\xef\xbb\xbfx0,x1,label\r\n\r\n0.1,0.2,0\r\n\r\n0.9,0.3,1\r\n",
              mode="wb")
    d = load_csv(p)
    np.testing.assert_array_equal(d.X, [[0.1, 0.2], [0.9, 0.3]])


def test_csv_line_numbers_count_crlf_lines(tmp_path):
    p = write(tmp_path, b"0.1,0.2,0\r\n\r\n0.3,zz,1\r\n", mode="wb")
    with pytest.raises(DataError, match=r":3: not a number"):
        load_csv(p)


def test_csv_field_over_the_csv_modules_limit_is_one_line(tmp_path):
    p = write(tmp_path, "0.1,0.2,0\n\"" + "9" * 200_000 + "\",0.5,1\n")
    with pytest.raises(DataError) as exc:
        load_csv(p)
    msg = str(exc.value)
    assert f"{p}:2:" in msg
    assert "field larger than field limit" in msg
    assert "\n" not in msg
    assert len(msg) < 300


@pytest.mark.parametrize(("special", "words"), [("/dev/zero", "character device"),
                                                ("fifo", "FIFO")])
def test_csv_non_regular_files_are_refused_up_front(tmp_path, special, words):
    import os

    path = tmp_path / "pipe.csv" if special == "fifo" else special
    if special == "fifo":
        os.mkfifo(path)  # nobody writes: reading it would block for ever
    with pytest.raises(DataError, match=words) as exc:
        load_csv(path)
    assert str(path) in str(exc.value)


def test_csv_size_cap(tmp_path, monkeypatch):
    import core.datasets

    monkeypatch.setattr(core.datasets, "MAX_CSV_BYTES", 100)
    p = write(tmp_path, "0.1,0.2,0\n" * 20)
    with pytest.raises(DataError, match="over the limit of 100 bytes"):
        load_csv(p)


def test_csv_a_symlink_given_by_the_user_is_followed(tmp_path):
    real = write(tmp_path, "0.1,0.2,0\n0.9,0.3,1\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert len(load_csv(link)) == 2


def test_csv_control_codes_in_a_bad_row_are_escaped(tmp_path):
    p = write(tmp_path, "0.1,0.2,0\n\x1b[31m,0.2,1\n")
    with pytest.raises(DataError) as exc:
        load_csv(p)
    assert "\x1b" not in str(exc.value)
    assert "\\x1b[31m" in str(exc.value)


_CELL = st.one_of(
    st.sampled_from(["0", "1", "0.5", "-3e2", "nan", "inf", "-inf", "1e400", "x0", "",
                     " 1 ", "\ufeff0", "1_0", "0x10", '"1"', "2", "label"]),
    st.text(max_size=8),
)
_ROW = st.lists(_CELL, min_size=0, max_size=5).map(",".join)


@settings(deadline=None)
@given(rows=st.lists(_ROW, max_size=12),
       newline=st.sampled_from(["\n", "\r\n", "\r"]),
       bom=st.booleans(), junk=st.binary(max_size=40), use_junk=st.booleans())
def test_any_csv_loads_or_fails_with_one_line(tmp_path_factory, rows, newline, bom, junk,
                                              use_junk):
    p = tmp_path_factory.mktemp("csv") / "data.csv"
    data = (b"\xef\xbb\xbf" if bom else b"") + newline.join(rows).encode("utf-8",
                                                                       "surrogatepass")
    p.write_bytes(junk + data if use_junk else data)
    try:
        d = load_csv(p)
    except DataError as exc:
        d, msg = None, str(exc)
    if d is None:
        assert msg.startswith(str(p))
        assert "\n" not in msg
        assert msg.isprintable()
        return
    assert d.X.shape == (len(d), 2)
    assert d.y.shape == (len(d), 1)
    assert np.isfinite(d.X).all()
    assert set(np.unique(d.y)) <= {0.0, 1.0}
