"""Figures from run records: the drawn data equal the run's files (read back from the
figure's artists, not the image), labels name the differing settings, files are valid
SVG / PNG of the requested size, and the same run gives the same bytes."""

from __future__ import annotations

import json
import struct
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import numpy as np
import pytest

from core.analysis.boundary import boundary_of
from core.figures import load_source, run_figures, save_figures
from core.figures.backend import HEIGHT, WIDTH, pyplot
from core.figures.pictures import boundary_pixels
from core.figures.source import series
from core.figures.writer import comparison_figures
from core.nn.network import Network
from core.records.weights import load_weights
from tests.runs_fixture import make


def _rows(run):
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def _close(fig):
    pyplot().close(fig)


@pytest.fixture
def run(tmp_path):
    return make(tmp_path / "runs", "xor-64", hidden=(6, 4), lr=0.1, n=12, seed=3)


def test_loss_and_accuracy_lines_are_the_metrics(run):
    makers = run_figures(load_source(run))
    assert set(makers) == {f"xor-64-{k}" for k in
                           ("loss", "loss-log", "accuracy", "prediction", "yhat")}
    rows = _rows(run)
    for key, log in (("loss", False), ("loss-log", True)):
        fig = makers[f"xor-64-{key}"]()
        ax = fig.axes[0]
        (line,) = ax.get_lines()
        assert list(line.get_xdata()) == [r["epoch"] for r in rows]
        assert list(line.get_ydata()) == [r["loss"] for r in rows]
        assert ax.get_yscale() == ("log" if log else "linear")
        assert ax.get_xlabel() == "epoch"
        assert ax.get_ylabel() == "loss Σ(y − ŷ)² over 20 points"
        assert ax.get_title().startswith("Loss")
        _close(fig)
    fig = makers["xor-64-accuracy"]()
    soft, right = fig.axes[0].get_lines()
    assert list(soft.get_ydata()) == [r["soft_acc"] for r in rows]
    assert list(right.get_ydata()) == [r["acc"] for r in rows]
    assert fig.axes[0].get_ylabel() == "accuracy (%)"
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0].startswith("soft accuracy")
    assert legend[1].startswith("classified right")
    _close(fig)


def test_prediction_pair_shows_the_points_and_the_networks_answers(run):
    fig = run_figures(load_source(run))["xor-64-prediction"]()
    truth, pred = fig.axes
    assert (truth.get_title(), pred.get_title()) == ("Ground truth", "Predict result")
    assert truth.get_xlim() == pred.get_xlim()
    assert truth.get_ylim() == pred.get_ylim()
    data = np.load(run / "data.npz")
    X, y = data["X"], data["y"].reshape(-1)
    named, _ = load_weights(run / "weights.npz")
    net = Network((6, 4), rng=np.random.default_rng(0))
    net.set_params(named)
    answered = (net.predict(X).reshape(-1) >= 0.5)
    by_label = {c.get_label(): c.get_offsets() for c in truth.collections}
    np.testing.assert_array_equal(by_label["class 0"], X[y < 0.5])
    np.testing.assert_array_equal(by_label["class 1"], X[y >= 0.5])
    shown = {c.get_label(): c.get_offsets() for c in pred.collections}
    np.testing.assert_array_equal(shown["class 1"], X[answered])
    wrong = answered != (y >= 0.5)
    ring = next(k for k in shown if k.startswith("misclassified"))
    assert ring == f"misclassified ({int(wrong.sum())})"
    np.testing.assert_array_equal(shown[ring], X[wrong])
    assert len(pred.images) == 1  # the decision regions behind the points
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"class 0", "class 1", "answers 0", "answers 1", "boundary ŷ = 0.5"} <= set(legend)
    _close(fig)


def test_yhat_field_is_the_networks_output(run):
    fig = run_figures(load_source(run))["xor-64-yhat"]()
    ax = fig.axes[0]
    named, _ = load_weights(run / "weights.npz")
    net = Network((6, 4), rng=np.random.default_rng(0))
    net.set_params(named)
    (image,) = ax.images
    field = np.asarray(image.get_array())
    np.testing.assert_allclose(field, boundary_of(net, *field.shape[::-1]))
    assert image.get_extent() == [0.0, 1.0, 0.0, 1.0]
    assert fig.axes[1].get_ylabel() == "ŷ (network output, 0 to 1)"  # the colour bar
    _close(fig)


def test_comparison_is_labelled_by_what_differs(tmp_path):
    root = tmp_path / "runs"
    runs = [make(root, "a", hidden=(8, 8), seed=0), make(root, "b", hidden=(16, 16), seed=1),
            make(root, "c", hidden=(8, 8), lr=0.01, seed=2)]
    makers = comparison_figures([load_source(r) for r in runs])
    expected = ["(8,8) · lr 0.1", "(16,16) · lr 0.1", "(8,8) · lr 0.01"]
    fig = makers["compare-accuracy"]()
    assert [t.get_text() for t in fig.legends[0].get_texts()] == expected
    for line, run in zip(fig.axes[0].get_lines(), runs):
        assert list(line.get_ydata()) == [r["soft_acc"] for r in _rows(run)]
    _close(fig)
    fig = makers["compare-boundaries"]()
    titles = [ax.get_title().split("\n")[0] for ax in fig.axes if ax.get_title()]
    assert titles == expected
    _close(fig)


def test_a_huge_network_gets_a_coarser_field():
    small = Network((8, 8), rng=np.random.default_rng(0))
    huge = SimpleNamespace(layout=SimpleNamespace(n_params=4096 * 4096))  # 16 M weights
    assert boundary_pixels(small, 160) == 160
    assert boundary_pixels(huge, 160) == 48
    assert boundary_pixels(huge, 30) == 30


def test_long_series_are_thinned_but_keep_their_ends():
    rows = [{"epoch": e, "loss": float(e)} for e in range(10_001)]
    epochs, values = series(rows, "loss", most=2000)
    assert len(epochs) <= 2001
    assert epochs[0] == 0
    assert epochs[-1] == 10_000
    assert values == [float(e) for e in epochs]
    rows[5]["loss"] = None
    assert 5 not in series(rows[:10], "loss")[0]


def _png_size(path):
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_files_are_valid_sized_and_deterministic(run, tmp_path):
    makers = run_figures(load_source(run))
    one = {k: makers[k] for k in ("xor-64-loss", "xor-64-prediction")}
    first = save_figures(one, tmp_path / "a", ("svg", "png"), dpi=80)
    again = save_figures(one, tmp_path / "b", ("svg", "png"), dpi=80)
    assert [p.name for p in first] == ["xor-64-loss.svg", "xor-64-loss.png",
                                       "xor-64-prediction.svg", "xor-64-prediction.png"]
    for a, b in zip(first, again):
        assert a.read_bytes() == b.read_bytes(), a.name
    svg = ET.parse(first[0]).getroot()
    assert svg.tag.endswith("svg")
    assert svg.get("width") == f"{WIDTH * 72:g}pt"
    assert _png_size(first[1]) == (round(WIDTH * 80), round(HEIGHT * 80))
    assert b"<dc:date>" not in first[0].read_bytes()
