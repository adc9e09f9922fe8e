"""History: bounded memory, decimation and down-sampling for plots."""

from __future__ import annotations

import itertools
import math

import pytest

from core.analysis.history import History


def test_empty_history() -> None:
    h = History(cap=10)
    assert len(h) == 0
    assert h.latest is None
    assert h.series("loss", 50) == ([], [])


def test_short_run_keeps_every_point_exactly() -> None:
    h = History(cap=100)
    for e in range(50):
        h.append(e, loss=100.0 - e, acc=e / 100)
    assert len(h) == 50
    assert h.series("loss") == (list(range(50)), [100.0 - e for e in range(50)])
    assert h.latest == (49, {"loss": 51.0, "acc": 0.49})


def test_million_appends_stay_bounded_and_keep_first_and_latest() -> None:
    cap = 100
    h = History(cap=cap)
    longest = 0
    for e in range(1_000_000):
        h.append(e, loss=1.0 / (e + 1))
        longest = max(longest, len(h))
    assert longest <= 2 * cap + 1  # stored points plus the held-aside newest one
    assert len(h) >= cap
    assert h.total == 1_000_000
    epochs, losses = h.series("loss")
    assert epochs[0] == 0
    assert epochs[-1] == 999_999
    assert epochs == sorted(epochs)
    # Every kept value is the value appended at that epoch.
    assert all(v == 1.0 / (e + 1) for e, v in zip(epochs, losses, strict=True))
    assert h.latest == (999_999, {"loss": 1.0 / 1_000_000})


def test_decimated_points_are_evenly_strided() -> None:
    h = History(cap=8)
    for e in range(1000):
        h.append(e, loss=float(e))
    epochs, _ = h.series("loss")
    stored = epochs[:-1] if epochs[-1] % h.stride else epochs
    assert all(e % h.stride == 0 for e in stored)
    assert {b - a for a, b in itertools.pairwise(stored)} == {h.stride}


@pytest.mark.parametrize("n", [3, 17, 2000])
@pytest.mark.parametrize("max_points", [2, 5, 80])
def test_series_down_samples_to_max_points(n: int, max_points: int) -> None:
    h = History(cap=5000)
    for e in range(n):
        h.append(e, loss=float(e * e))
    epochs, values = h.series("loss", max_points)
    assert len(epochs) == len(values) <= max(max_points, 2)
    assert len(epochs) == min(n, max_points)
    assert epochs[0] == 0
    assert epochs[-1] == n - 1
    assert values == [float(e * e) for e in epochs]
    assert epochs == sorted(set(epochs))


def test_missing_values_are_left_out_of_their_series() -> None:
    h = History(cap=10)
    h.append(0, loss=3.0)
    h.append(1, loss=2.0, test_loss=4.0)
    h.append(2, loss=1.0)
    assert h.series("test_loss") == ([1], [4.0])
    assert h.series("loss") == ([0, 1, 2], [3.0, 2.0, 1.0])
    assert h.names == ["loss", "test_loss"]
    assert math.isnan(h.latest[1]["test_loss"])


def test_clear_empties_and_changes_version() -> None:
    h = History(cap=10)
    for e in range(30):
        h.append(e, loss=1.0)
    v = h.version
    h.clear()
    assert len(h) == 0
    assert h.total == 0
    assert h.stride == 1
    assert h.version != v
    h.append(5, loss=2.0)
    assert h.series("loss") == ([5], [2.0])


def test_version_moves_on_every_append() -> None:
    h = History()
    v0 = h.version
    h.append(0, loss=1.0)
    assert h.version != v0


def test_cap_must_be_at_least_two() -> None:
    with pytest.raises(ValueError, match="cap"):
        History(cap=1)


def test_history_does_not_import_textual() -> None:
    import subprocess
    import sys

    code = ("import sys, core.analysis.history; "
            "print('textual' in sys.modules or 'rich' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(("n", "most"), [(1000, 64), (101, 100), (7, 3), (5, 1), (3, 2)])
def test_thin_keeps_both_ends_and_at_most_most_evenly_spread(n, most):
    from core.analysis.history import thin

    kept = thin(range(n), most)
    assert len(kept) == max(most, 2)
    assert (kept[0], kept[-1]) == (0, n - 1)
    assert list(kept) == sorted(set(kept))
    gaps = {b - a for a, b in itertools.pairwise(kept)}
    assert max(gaps) - min(gaps) <= 1  # evenly spread


def test_thin_hands_back_a_short_series_itself():
    from core.analysis.history import thin

    rows = tuple(range(10))
    assert thin(rows, 10) is rows
    assert thin(rows[:2], 1) == rows[:2]  # most below 2 counts as 2


def test_thin_series_keeps_the_ends_and_drops_non_finite_points():
    from core.analysis.history import thin_series

    xs = list(range(100))
    ys = [float(x) for x in xs]
    ys[50] = float("nan")
    tx, ty = thin_series(xs, ys, 10)
    assert len(tx) == 10
    assert (tx[0], tx[-1]) == (0, 99)
    assert all(y == y for y in ty)
    assert thin_series([1, 2], [None, 3.0], 5) == ([2], [3.0])
