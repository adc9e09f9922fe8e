"""Settings: every field's parser with good and bad values, hidden sizes, limits, memory."""

from __future__ import annotations

import pytest

from core.config import ConfigError, RunConfig, parse_field

GOOD = [
    ("data", "xor", "xor"), ("data", " xor-grid ", "xor-grid"), ("data", "spiral", "spiral"),
    ("n", "70", 70), ("n", "", None), ("n", None, None), ("n", "1_000", 1000), ("n", 2, 2),
    ("noise", "0", 0.0), ("noise", "0.25", 0.25), ("noise", "1", 1.0),
    ("seed", "0", 0), ("seed", "123456789", 123456789),
    ("data_seed", "", None), ("data_seed", "7", 7),
    ("data_file", "pts.csv", "pts.csv"), ("data_file", "", None),
    ("hidden", "64,64", (64, 64)), ("hidden", "256 512", (256, 512)),
    ("hidden", " 8 , 4 , 2 ", (8, 4, 2)), ("hidden", "64x64", (64, 64)),
    ("hidden", [16, 8], (16, 8)), ("hidden", "1", (1,)),
    ("activation", "sigmoid", "sigmoid"), ("activation", "leaky-relu", "leaky-relu"),
    ("activation", "none", "none"), ("loss", "mse", "mse"), ("loss", "bce", "bce"),
    ("optimizer", "sgd", "sgd"), ("optimizer", "adam", "adam"),
    ("lr", "0.001", 0.001), ("lr", "1e-4", 1e-4), ("lr", "1000000", 1e6),
    ("momentum", "0", 0.0), ("momentum", "0.99", 0.99),
    ("epochs", "1", 1), ("epochs", "5000", 5000), ("epochs", "1_000_000", 1_000_000),
    ("log_every", "250", 250), ("batch_size", "1", 1), ("batch_size", "32", 32),
    ("shuffle", "yes", True), ("shuffle", "0", False), ("shuffle", True, True),
    ("init", "he", "he"), ("init_weights", "w.npz", "w.npz"), ("init_weights", " ", None),
    ("accuracy", "soft", "soft"), ("accuracy", "threshold", "threshold"),
    ("backend", "numba", "numba"), ("name", "run-1.a_b", "run-1.a_b"), ("name", "", None),
]


@pytest.mark.parametrize(("field", "text", "value"), GOOD)
def test_good_values(field, text, value):
    assert parse_field(field, text) == value


BAD = [
    ("data", "nope", "choose one of linear, xor, xor-grid, circle, spiral, gauss"),
    ("n", "1", "from 2 to"), ("n", "abc", "whole number"), ("n", "2.5", "whole number"),
    ("n", "10000000", "from 2 to 1,000,000"),
    ("noise", "-0.1", "[0, 1]"), ("noise", "2", "[0, 1]"), ("noise", "x", "[0, 1]"),
    ("noise", "nan", "[0, 1]"),
    ("seed", "-1", "from 0"), ("seed", "1.5", "whole number"),
    ("hidden", "0", "from 1 to 16384"), ("hidden", "64 x", "whole number from 1 to 16384"),
    ("hidden", "64 -4", "from 1 to 16384"), ("hidden", "20000", "from 1 to 16384"),
    ("hidden", "", "one or more layer sizes"), ("hidden", "1 1 1 1 1 1 1 1 1", "at most 8"),
    ("hidden", "6.5", "whole number"), ("hidden", "64x", "whole number"),
    ("hidden", "64 x 64", "(got 'x')"), ("hidden", "x", "whole number"),
    ("activation", "softmax", "choose one of sigmoid, tanh, relu, leaky-relu, none"),
    ("loss", "hinge", "choose one of mse, bce"),
    ("optimizer", "rmsprop", "choose one of sgd, momentum, adam"),
    ("lr", "abc", "(0, 1e+06]"), ("lr", "-1", "(0, 1e+06]"), ("lr", "0", "(0, 1e+06]"),
    ("lr", "inf", "(0, 1e+06]"), ("lr", "nan", "(0, 1e+06]"), ("lr", "2e6", "(0, 1e+06]"),
    ("momentum", "1", "[0, 1)"), ("momentum", "-0.5", "[0, 1)"),
    ("epochs", "0", "from 1"), ("epochs", "1.5", "whole number"), ("epochs", "ten", "whole number"),
    ("epochs", True, "whole number"), ("epochs", "2000000000", "from 1 to 1,000,000,000"),
    ("log_every", "0", "from 1"), ("batch_size", "0", "from 1"),
    ("shuffle", "maybe", "yes or no"),
    ("init", "zeros", "choose one of normal, xavier, he"),
    ("accuracy", "exact", "choose one of soft, threshold"),
    ("backend", "cuda", "choose one of auto, numba, numpy"),
    ("name", "-dash", "letters, digits"), ("name", "a/b", "letters, digits"),
    ("name", "x" * 65, "1–64 characters"),
]


@pytest.mark.parametrize(("field", "text", "words"), BAD)
def test_bad_values_name_what_is_allowed(field, text, words):
    with pytest.raises(ConfigError) as exc:
        parse_field(field, text)
    assert exc.value.field == field
    assert words in exc.value.reason
    assert "\n" not in str(exc.value)
    assert str(exc.value).startswith(f"{field}: ")


def test_every_field_has_a_parser():
    covered = {f for f, _, _ in GOOD} | {f for f, _, _ in BAD}
    fields = set(RunConfig().to_dict()) - {"extra"}
    assert fields <= covered


def test_defaults_are_the_reports_linear_run():
    c = RunConfig().validate()
    assert (c.data, c.hidden, c.activation, c.loss, c.optimizer) == (
        "linear", (64, 64), "sigmoid", "mse", "sgd")
    assert (c.epochs, c.log_every, c.batch_size, c.init, c.accuracy) == (
        5000, 250, 1, "normal", "soft")


@pytest.mark.parametrize(
    ("changes", "points"),
    [({"data": "xor"}, 21), ({"data": "xor-grid"}, 69), ({"data": "xor-grid", "n": 100}, 100),
     ({"data": "xor-grid", "n": 71}, 69), ({"data": "linear"}, 100), ({"data": "gauss", "n": 7}, 7),
     ({"data_file": "x.csv"}, None)],
)
def test_n_points(changes, points):
    assert RunConfig(**changes).n_points == points


def test_batch_size_limited_by_points():
    RunConfig(data="xor", batch_size=21).validate()
    with pytest.raises(ConfigError) as exc:
        RunConfig(data="xor", batch_size=22).validate()
    assert exc.value.field == "batch_size"
    assert "(21)" in exc.value.reason


def test_validate_rejects_bad_values_and_combinations():
    with pytest.raises(ConfigError, match="lr"):
        RunConfig(lr=-1.0).validate()
    with pytest.raises(ConfigError, match="hidden"):
        RunConfig(hidden=(0,)).validate()
    with pytest.raises(ConfigError, match="xor-grid needs n"):
        RunConfig(data="xor-grid", n=3).validate()
    with pytest.raises(ConfigError, match="fixed 21 points"):
        RunConfig(data="xor", n=50).validate()


def test_memory_guard_for_huge_sizes():
    with pytest.raises(ConfigError) as exc:
        RunConfig(hidden=(16384,) * 8).validate()
    assert exc.value.field == "hidden"
    assert "memory" in exc.value.reason
    RunConfig(hidden=(512, 512)).validate()
    RunConfig(hidden=(4096, 4096)).validate()


def test_dict_round_trip():
    c = RunConfig(data="spiral", noise=0.3, hidden=(8, 4), lr=0.05, shuffle=True, seed=3)
    d = c.to_dict()
    assert d["hidden"] == [8, 4]
    assert RunConfig.from_dict({**d, "unknown_key": 1}) == c
    assert c.with_changes(lr=0.1).lr == 0.1
