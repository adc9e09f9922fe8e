"""Runs side by side are labelled by the settings that differ, never by an index."""

from core.config import RunConfig
from core.labels import describe_setting, differing_labels, differing_settings


def test_hidden_sizes_label_as_the_report_writes_them():
    cfgs = [RunConfig(hidden=(64, 64)), RunConfig(hidden=(512, 512))]
    assert differing_labels(cfgs) == ["(64,64)", "(512,512)"]


def test_two_differing_settings_join_in_a_fixed_order():
    cfgs = [RunConfig(lr=0.1, data="xor-grid"), RunConfig(lr=0.01, data="linear")]
    assert differing_settings(cfgs) == ["data", "lr"]
    assert differing_labels(cfgs) == ["XOR · lr 0.1", "linear · lr 0.01"]


def test_alike_runs_fall_back_to_their_names():
    cfgs = [RunConfig(), RunConfig()]
    assert differing_labels(cfgs, ["a", "b"]) == ["a", "b"]
    assert differing_labels([RunConfig()]) == ["linear · (64,64)"]


def test_colliding_labels_get_the_run_name():
    cfgs = [RunConfig(lr=0.1, name="x"), RunConfig(lr=0.1, seed=2), RunConfig(lr=0.2)]
    labels = differing_labels(cfgs, ["r1", "r2", "r3"])
    assert len(set(labels)) == 3
    assert describe_setting("batch_size", 1) == "per point"
