"""The one sweep-spec parser: grids, presets, every flag on every cell, real refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.config import RunConfig
from core.sweep import (
    MAX_MEMBERS,
    PRESETS,
    SweepError,
    expand_grid,
    parse_spec,
    preset,
)

ROOT = Path(__file__).resolve().parents[4]
TINY = RunConfig(hidden=(3, 3), epochs=40, log_every=10, backend="numpy", lr=0.1)


def test_expand_grid_is_the_product_with_repeats_innermost():
    cfgs = expand_grid(TINY, {"hidden": ["4,4", "8,8"], "lr": [0.1, 0.01]}, "sw", repeats=2)
    got = [(c.name, c.hidden, c.lr, c.seed) for c in cfgs]
    assert got == [
        ("sw-1", (4, 4), 0.1, 1), ("sw-2", (4, 4), 0.1, 2),
        ("sw-3", (4, 4), 0.01, 1), ("sw-4", (4, 4), 0.01, 2),
        ("sw-5", (8, 8), 0.1, 1), ("sw-6", (8, 8), 0.1, 2),
        ("sw-7", (8, 8), 0.01, 1), ("sw-8", (8, 8), 0.01, 2),
    ]


@pytest.mark.parametrize(("grid", "field"), [
    ({"hidden": ["64 x"]}, "hidden"), ({"lr": ["-1"]}, "lr"), ({"data": ["moons?"]}, "data"),
    ({"epochs": [1]}, "epochs"), ({"lr": []}, "lr"),
])
def test_expand_grid_names_the_bad_setting(grid, field):
    with pytest.raises(SweepError, match=f"^{field}:") as info:
        expand_grid(TINY, grid, "sw")
    assert info.value.field == field


def test_the_cli_and_the_form_spell_a_sweep_alike():
    cli = parse_spec({"hidden": ["64,64", "128,128"], "lr": ["0.1", "0.01"],
                      "data": ["xor-grid"], "epochs": "300", "repeats": "2", "workers": "2"})
    form = parse_spec({"hidden": "64,64 128,128", "lr": " 0.1  0.01", "data": "xor-grid",
                       "epochs": "300", "repeats": "2", "workers": "2", "n": "",
                       "preset": "", "name": ""})
    assert cli == form
    assert (cli.size, cli.repeats, cli.workers, cli.name) == (8, 2, 2, "sweep")
    assert cli.base.epochs == 300
    assert cli.base.log_every == 30
    assert cli.grid["hidden"] == [(64, 64), (128, 128)]


def test_every_flag_applies_to_every_cell():
    spec = parse_spec({"data": "xor-grid circle", "n": "200", "hidden": "4,4",
                       "epochs": "50", "seed": "7", "backend": "numpy"})
    cfgs = spec.configs()
    assert [(c.data, c.n, c.n_points, c.epochs, c.seed, c.backend) for c in cfgs] == [
        ("xor-grid", 200, 200, 50, 7, "numpy"), ("circle", 200, 200, 50, 7, "numpy")]
    base, grid = preset("linear-vs-xor")
    spec = parse_spec({"preset": "linear-vs-xor", "n": "40"})
    assert [c.n_points for c in spec.configs()] == [40, 40]
    assert [c.n_points for c in expand_grid(base, grid, "d")] == [100, 69]


@pytest.mark.parametrize(("values", "field", "words"), [
    ({"hidden": "4,4", "repeats": "10000000000"}, "repeats", "10,000"),
    ({"hidden": "4,4", "repeats": "9" * 5000}, "repeats", "whole number"),
    ({"hidden": " ".join(f"{i},{i}" for i in range(1, 101)), "lr": " ".join(
        f"0.{i:03d}" for i in range(1, 201))}, "lr", "20,000 runs"),
    ({"hidden": "4,4 8,8", "repeats": "6000"}, "repeats", "12,000 runs"),
    ({"data": "xor linear", "n": "50"}, "n", "xor is a fixed 21 points"),
    ({"hidden": "4,4", "workers": "0"}, "workers", "from 1 to 1,024"),
    ({"hidden": "4,4", "name": "a" * 49}, "name", "at most 48"),
    ({"hidden": "4,4", "name": "bad name[/]"}, "name", "letters, digits"),
    ({"hidden": "4,4", "epochs": "-3"}, "epochs", "from 1"),
    ({"preset": "nope"}, "preset", "hidden-units"),
    ({"epochs": "10"}, "hidden", "give a preset or values"),
    ({"hidden": "4,4", "log_every": "0"}, "log-every", "from 1"),
])
def test_refusals_name_the_setting_in_one_line(values, field, words):
    with pytest.raises(SweepError) as info:
        parse_spec(values)
    assert info.value.field == field
    assert words in info.value.reason
    assert "\n" not in str(info.value)


def test_refusals_hold_under_python_O():
    """Validation is real code, not ``assert`` (which ``python -O`` strips)."""
    script = ("from core.sweep import SweepError, parse_spec\n"
              "for v in ({'hidden': '4,4', 'repeats': '0'}, {'hidden': '4,4', 'workers': 'x'}):\n"
              "    try:\n        parse_spec(v)\n    except SweepError as e:\n"
              "        print(e.field)\n")
    out = subprocess.run([sys.executable, "-O", "-c", script], capture_output=True,
                         text=True, cwd=ROOT, check=True, timeout=60)
    assert out.stdout.split() == ["repeats", "workers"]


def test_presets_are_the_reports_experiments():
    base, grid = preset("hidden-units")
    assert grid["hidden"] == [(64, 64), (128, 128), (256, 256), (512, 512), (256, 512),
                              (512, 256)]
    assert (base.data, base.n, base.n_points, base.epochs, base.lr) == \
        ("xor-grid", 70, 69, 2000, 0.01)
    base, grid = preset("learning-rates")
    assert grid["lr"] == [1.0, 0.1, 0.01, 0.001]
    assert (base.epochs, base.hidden) == (2000, (64, 64))
    base, grid = preset("linear-vs-xor")
    assert [c.data for c in expand_grid(base, grid, "lx")] == ["linear", "xor-grid"]
    base, grid = preset("stuck")
    assert (base.data, base.n_points, base.hidden, base.epochs, grid["lr"]) == \
        ("xor-grid", 69, (64, 64), 40000, [0.0005])
    assert set(PRESETS) == {"hidden-units", "learning-rates", "linear-vs-xor", "stuck"}
    assert MAX_MEMBERS == 10_000
