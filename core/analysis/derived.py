"""Derived views of a run — the decision boundary, saturation and gradient norms,
layer statistics, a test set's evaluation, one point's back-propagation, the plateau
verdict — computed only when a
screen asks for them, from the live network, and handed over as small immutable results.

``Deriver.compute(net, epoch, request)`` does the work; whoever owns the network (the run
host's training thread between chunks, or a worker over a run's files) calls it, and
``RunHost`` throttles it to a share of the training time. ``ViewRequest`` and ``Views``
round-trip through JSON (``to_json`` / ``from_json``) for viewers on a socket.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from core.analysis.backprop import PointBackprop, backprop_point, optimizer_with_state
from core.analysis.boundary import Bounds, boundary_of, data_bounds, grid_points
from core.analysis.diagnosis import Measures, detect_plateau, diagnose, measure
from core.analysis.history import History
from core.analysis.layers import LayerStats, layer_stats
from core.analysis.points import MAX_TEST_N, fresh_test_set, uniform_test_set
from core.datasets import DataError, Dataset, load_csv
from core.nn.losses import get_loss
from core.nn.metrics import Metrics, evaluate
from core.nn.network import Network
from core.records.testset import read_test_set, write_test_set

__all__ = ["MATRIX_MAX_UNITS", "UNIT_GRID", "Deriver", "TestSpec", "ViewRequest", "Views",
           "unit_outputs"]

MATRIX_MAX_UNITS = 16  # networks this small also hand over every weight (network view)
UNIT_GRID = (12, 10)
"""(width, pixel rows) of each hidden unit's output thumbnail (networks of at most
MATRIX_MAX_UNITS units per layer), as TensorFlow Playground shows per neuron."""
HIST_BINS = 40
PLATEAU_WINDOW, PLATEAU_REL = 500, 1e-4
MAX_BOUNDARY_CELLS = 400 * 200  # a boundary request larger than this is scaled down


@dataclass(frozen=True)
class TestSpec:
    """A test set: ``kind`` "fresh" (n points, seed, from the run's distribution),
    "uniform" (n points, seed, uniform over the input square, labelled like their
    nearest training point), "csv" (the rows of ``path``) or "run" (the one recorded
    with the run, ``core.records.testset``); ``every`` > 0 also tracks it during
    training."""

    kind: str = "fresh"
    n: int = 200
    seed: int = 7
    path: str = ""
    every: int = 0


@dataclass(frozen=True)
class ViewRequest:
    """What a screen needs: the boundary at (width, pixel rows), the measures
    (saturation, gradient norms, pre-activation histograms), the layers, a test set,
    the back-propagation of training point ``backprop``."""

    boundary: tuple[int, int] | None = None
    measures: bool = False
    layers: bool = False
    test: TestSpec | None = None
    backprop: int | None = None

    @property
    def empty(self) -> bool:
        return self.boundary is None and not (self.measures or self.layers) and \
            self.test is None and self.backprop is None

    def merge(self, other: ViewRequest) -> ViewRequest:
        """What either of two viewers needs (the larger boundary; the first test set and
        point)."""
        b = self.boundary if other.boundary is None else other.boundary if self.boundary is None \
            else max(self.boundary, other.boundary, key=lambda s: s[0] * s[1])
        return ViewRequest(b, self.measures or other.measures, self.layers or other.layers,
                           self.test if self.test is not None else other.test,
                           self.backprop if self.backprop is not None else other.backprop)

    @classmethod
    def merge_all(cls, requests: Iterable[ViewRequest]) -> ViewRequest:
        """What all of several viewers need: the one way requests are merged."""
        merged = cls()
        for r in requests:
            merged = merged.merge(r)
        return merged

    def to_json(self) -> dict[str, Any]:
        return {"boundary": list(self.boundary) if self.boundary else None,
                "measures": self.measures, "layers": self.layers,
                "test": None if self.test is None else vars(self.test),
                "backprop": self.backprop}

    @classmethod
    def from_json(cls, d: Any) -> ViewRequest:
        """A request from a viewer's JSON; anything malformed reads as nothing asked."""
        if not isinstance(d, dict):
            return cls()
        b = d.get("boundary")
        boundary = None
        if isinstance(b, list) and len(b) == 2 and all(isinstance(v, int) for v in b):
            boundary = (min(max(b[0], 1), 1000), min(max(b[1], 1), 1000))
        t, test = d.get("test"), None
        if isinstance(t, dict):
            try:
                test = TestSpec(str(t.get("kind", "fresh")), int(t.get("n", 200)),
                                int(t.get("seed", 7)), str(t.get("path", "")),
                                int(t.get("every", 0)))
            except (TypeError, ValueError, OverflowError):
                test = None
        point = d.get("backprop")
        point = point if isinstance(point, int) and not isinstance(point, bool) \
            and 0 <= point < 2**31 else None
        return cls(boundary, d.get("measures") is True, d.get("layers") is True, test, point)


@dataclass(frozen=True)
class TestResult:
    """A test set and its evaluation at ``epoch``."""

    source: str
    X: np.ndarray
    y: np.ndarray
    yhat: np.ndarray
    metrics: Metrics


@dataclass(frozen=True)
class Views:
    """The derived views at ``epoch`` (each None when not asked for)."""

    epoch: int
    bounds: Bounds = (0.0, 1.0, 0.0, 1.0)
    boundary: np.ndarray | None = None
    """The decision boundary: ŷ (pixel rows, width) over ``bounds``, row 0 at the top."""
    measures: Measures | None = None
    histograms: tuple[tuple[np.ndarray, float, float], ...] = ()
    layers: tuple[LayerStats, ...] | None = None
    weights: dict[str, np.ndarray] | None = None
    units: tuple[np.ndarray, ...] | None = None
    """Per hidden layer, (units, rows, width): each unit's output over the input square
    (small networks only, with the layers)."""
    test: TestResult | None = None
    test_rows: tuple[tuple[int, float, float, float], ...] = ()
    diag_rows: tuple[tuple[int, tuple[float, ...], tuple[float, ...]], ...] = ()
    backprop: PointBackprop | None = None
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return _views_to_json(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Views:
        return _views_from_json(d)


@dataclass
class Deriver:
    """Computes ``Views`` for one run's training set ``data`` (its config's loss and
    activation), keeping the test set and the tracked histories between calls."""

    data: Dataset
    loss_name: str
    activation: str
    noise: float = 0.0
    data_name: str = "linear"
    optimizer: str = "sgd"
    momentum: float = 0.9
    run_dir: Path | None = None
    """Where the run is recorded: a test set drawn is kept there (``test.npz``)."""
    record_note: str = ""
    _test: tuple[TestSpec, Dataset, str] | None = field(default=None, repr=False)
    _test_history: list = field(default_factory=list, repr=False)
    _diag: History = field(default_factory=lambda: History(cap=500), repr=False)
    _last_test_epoch: int = -1

    def compute(self, net: Network, epoch: int, request: ViewRequest, lr: float | None = None,
                opt_state: dict[str, np.ndarray] | None = None) -> Views:
        """The views ``request`` asks for, of ``net`` after ``epoch`` epochs (``lr`` and
        the optimiser's ``opt_state``, if known, for the back-propagation's update)."""
        bounds = data_bounds(self.data.X)
        views = Views(epoch, bounds)
        if request.boundary is not None:
            w, rows = _capped(*request.boundary)
            views = replace(views, boundary=boundary_of(net, w, rows, bounds))
        if request.measures:
            views = self._with_measures(views, net, epoch)
        if request.layers:
            named = net.named_params()
            small = max(net.hidden or (1,)) <= MATRIX_MAX_UNITS
            views = replace(views, layers=tuple(layer_stats(named)),
                            weights={k: v.copy() for k, v in named.items()} if small else None,
                            units=unit_outputs(net, bounds) if small else None)
        if request.test is not None:
            views = self._with_test(views, net, epoch, request.test)
        if request.backprop is not None:
            views = self._with_backprop(views, net, epoch, request.backprop, lr, opt_state)
        return views

    def _with_backprop(self, views: Views, net: Network, epoch: int, point: int,
                       lr: float | None, opt_state: dict[str, np.ndarray] | None) -> Views:
        if not net.all_finite():
            return replace(views, error="back-propagation: the weights are not finite")
        if not 0 <= point < len(self.data.X):
            return replace(views, error=f"back-propagation: point {point} is outside the "
                                        f"training set (0 … {len(self.data.X) - 1})")
        opt = None if lr is None else optimizer_with_state(
            self.optimizer, lr, self.momentum, net.layout.size, opt_state)
        bp = backprop_point(net, self.data.X, self.data.y, point, self.loss_name, opt,
                            epoch=epoch, lr=lr, optimizer_name=self.optimizer)
        return replace(views, backprop=bp)

    def _with_measures(self, views: Views, net: Network, epoch: int) -> Views:
        m = measure(net, self.data.X, self.data.y, get_loss(self.loss_name))
        row = {f"g{i + 1}": g for i, g in enumerate(m.grad_norms)}
        row.update({f"s{i + 1}": s for i, s in enumerate(m.saturation)})
        if self._diag.latest is None or self._diag.latest[0] != epoch:
            self._diag.append(epoch, **row)
        return replace(views, measures=replace(m, zs=()), histograms=_histograms(m.zs),
                       diag_rows=_diag_rows(self._diag, len(m.grad_norms)))

    def _test_set(self, spec: TestSpec) -> tuple[Dataset, str]:
        same = self._test is not None and replace(self._test[0], every=0) == replace(spec, every=0)
        if not same:
            data, source = self._make_test_set(spec)
            self._test, self._test_history, self._last_test_epoch = (spec, data, source), [], -1
            if spec.kind != "run":
                self._record_test_set(data, source)
        return self._test[1], self._test[2]

    def _make_test_set(self, spec: TestSpec) -> tuple[Dataset, str]:
        if spec.kind == "csv":
            data = load_csv(spec.path)
            return data, f"{spec.path} ({len(data)} points)"
        if spec.kind == "run":
            if self.run_dir is None:
                raise DataError("test set: this run has no directory to read one from")
            try:
                X, y, source = read_test_set(self.run_dir)
            except ValueError as exc:
                raise DataError(f"test set: {exc}") from None
            return Dataset("test", X, y), f"{source}, recorded with the run"
        if not 1 <= spec.n <= MAX_TEST_N:
            raise DataError(f"test set: n must be from 1 to {MAX_TEST_N}")
        if spec.kind == "uniform":
            data = uniform_test_set(self.data, spec.n, spec.seed, data_bounds(self.data.X))
            return data, f"{spec.n} uniform points over the input square (seed {spec.seed})"
        data = fresh_test_set(self.data_name, spec.n, spec.seed, self.noise)
        return data, f"{spec.n} fresh {self.data_name} points (seed {spec.seed})"

    def _record_test_set(self, data: Dataset, source: str) -> None:
        """Keep the test set with the run (it reopens with it); a run directory that is
        not writable keeps it only for this session, said in ``record_note``."""
        if self.run_dir is None:
            return
        try:
            write_test_set(self.run_dir, data.X, data.y, source)
            self.record_note = ""
        except OSError as exc:
            self.record_note = f"test set not recorded: {exc.strerror or exc}"

    def _with_test(self, views: Views, net: Network, epoch: int, spec: TestSpec) -> Views:
        try:
            data, source = self._test_set(spec)
        except DataError as exc:
            return replace(views, error=str(exc))
        metrics, yhat = evaluate(net, data.X, data.y, get_loss(self.loss_name))
        due = self._last_test_epoch < 0 or (spec.every > 0
                                            and epoch - self._last_test_epoch >= spec.every)
        if due and epoch != self._last_test_epoch:
            self._test_history.append((epoch, metrics.loss, metrics.soft_acc, metrics.acc))
            self._last_test_epoch = epoch
        if self.record_note:
            source = f"{source} ({self.record_note})"
        return replace(views, test=TestResult(source, data.X, data.y, yhat, metrics),
                       test_rows=tuple(self._test_history))

    def verdict(self, net: Network, history: History, lr: float) -> str:
        """The plateau detector's one line ("" while the loss improves); when stuck, the
        measured cause (one forward and backward pass)."""
        epochs, losses = history.series("loss")
        plateau = detect_plateau(epochs, losses, PLATEAU_WINDOW, PLATEAU_REL)
        if plateau is None:
            return ""
        latest = history.latest
        if latest is not None and latest[1].get("acc", 0.0) >= 100.0:
            return f"converged: loss {plateau.loss:.4f}, every point right"
        m = measure(net, self.data.X, self.data.y, get_loss(self.loss_name))
        return diagnose(plateau, m, lr, self.activation)


def unit_outputs(net: Network, bounds: Bounds, size: tuple[int, int] = UNIT_GRID
                 ) -> tuple[np.ndarray, ...]:
    """Each hidden unit's activation on a ``size`` (width, rows) pixel grid over
    ``bounds``: per hidden layer an array (units, rows, width), row 0 at the top."""
    w, rows = size
    _, cache = net.forward(grid_points(w, rows, bounds))
    return tuple(np.where(np.isfinite(A), A, 0.0).T.reshape(-1, rows, w)
                 for A in cache.As[1:-1])


def _capped(width: int, rows: int) -> tuple[int, int]:
    scale = math.sqrt(MAX_BOUNDARY_CELLS / max(width * rows, 1))
    if scale >= 1:
        return width, rows
    return max(int(width * scale), 1), max(int(rows * scale), 1)


def _histograms(zs) -> tuple[tuple[np.ndarray, float, float], ...]:
    out = []
    for Z in zs:
        values = np.asarray(Z, float).ravel()
        values = values[np.isfinite(values)]
        if values.size == 0:
            out.append((np.zeros(HIST_BINS, int), 0.0, 1.0))
            continue
        lo, hi = float(values.min()), float(values.max())
        hi = hi if hi > lo else lo + 1.0
        counts, _ = np.histogram(values, bins=HIST_BINS, range=(lo, hi))
        out.append((counts, lo, hi))
    return tuple(out)


def _diag_rows(diag: History, layers: int):
    epochs, _ = diag.series("g1")
    cols = [diag.series(f"{k}{i + 1}")[1] for k in ("g", "s") for i in range(layers)]
    return tuple((e, tuple(c[j] for c in cols[:layers]), tuple(c[j] for c in cols[layers:]))
                 for j, e in enumerate(epochs) if all(j < len(c) for c in cols))


# ------------------------------------------------------------------ JSON
def _arr(a: np.ndarray | None) -> Any:
    return None if a is None else {"shape": list(a.shape), "data": np.asarray(a, float)
                                   .ravel().tolist()}


def _unarr(d: Any) -> np.ndarray | None:
    if not isinstance(d, dict):
        return None
    return np.asarray(d["data"], dtype=float).reshape(tuple(d["shape"]))


_BOUNDARY_KEY = "grid"
"""The boundary's key on the wire: its name before it was the boundary everywhere, kept
so a viewer and a run of different versions (``bp-tui attach``) still understand each
other."""


def _views_to_json(v: Views) -> dict[str, Any]:
    m = v.measures
    return {
        "epoch": v.epoch, "bounds": list(v.bounds), _BOUNDARY_KEY: _arr(v.boundary),
        "error": v.error,
        "measures": None if m is None else {"saturation": list(m.saturation),
                                            "grad_norms": list(m.grad_norms),
                                            "n_points": m.n_points},
        "histograms": [[c.tolist(), lo, hi] for c, lo, hi in v.histograms],
        "layers": None if v.layers is None else [vars(s) for s in v.layers],
        "weights": None if v.weights is None else {k: _arr(a) for k, a in v.weights.items()},
        "units": None if v.units is None else [_arr(a) for a in v.units],
        "test": None if v.test is None else {
            "source": v.test.source, "X": _arr(v.test.X), "y": _arr(v.test.y),
            "yhat": _arr(v.test.yhat), "metrics": vars(v.test.metrics)},
        "test_rows": [list(r) for r in v.test_rows],
        "diag_rows": [[e, list(g), list(s)] for e, g, s in v.diag_rows],
        "backprop": None if v.backprop is None else v.backprop.to_wire(),
    }


def _views_from_json(d: dict[str, Any]) -> Views:
    m, t = d.get("measures"), d.get("test")
    return Views(
        epoch=int(d["epoch"]), bounds=tuple(d["bounds"]),
        boundary=_unarr(d.get(_BOUNDARY_KEY)),
        error=str(d.get("error", "")),
        measures=None if m is None else Measures(tuple(m["saturation"]), tuple(m["grad_norms"]),
                                                 (), int(m["n_points"])),
        histograms=tuple((np.asarray(c, int), float(lo), float(hi))
                         for c, lo, hi in d.get("histograms", [])),
        layers=None if d.get("layers") is None else tuple(
            LayerStats(s["name"], tuple(s["shape"]), *(float(s[k]) for k in
                       ("mean", "std", "min", "max", "norm"))) for s in d["layers"]),
        weights=None if d.get("weights") is None else {k: _unarr(a)
                                                       for k, a in d["weights"].items()},
        units=None if d.get("units") is None else tuple(_unarr(a) for a in d["units"]),
        test=None if t is None else TestResult(t["source"], _unarr(t["X"]), _unarr(t["y"]),
                                               _unarr(t["yhat"]), Metrics(**t["metrics"])),
        test_rows=tuple(tuple(r) for r in d.get("test_rows", [])),
        diag_rows=tuple((int(e), tuple(g), tuple(s)) for e, g, s in d.get("diag_rows", [])),
        backprop=_backprop_from_json(d.get("backprop")),
    )


def _backprop_from_json(d: Any) -> PointBackprop | None:
    if not isinstance(d, dict):
        return None
    try:
        return PointBackprop.from_wire(d)
    except (KeyError, TypeError, ValueError):
        return None
