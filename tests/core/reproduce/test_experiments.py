"""The reproduction's plan: the report's experiments, from the presets, named plainly."""

from __future__ import annotations

from core.reproduce import QUICK_FACTOR, REPORTED, plan
from core.sweep import preset


def test_the_plan_is_the_reports_experiments_from_the_presets():
    p = plan()
    assert list(p.runs) == [
        "linear", "xor", "hidden (64,64)", "hidden (128,128)", "hidden (256,256)",
        "hidden (512,512)", "hidden (256,512)", "hidden (512,256)", "lr 1", "lr 0.1",
        "lr 0.01", "lr 0.001", "stuck"]
    base, _grid = preset("hidden-units")
    assert p.runs["hidden (512,256)"] == base.with_changes(hidden=(512, 256))
    assert (p.runs["linear"].data, p.runs["linear"].epochs) == ("linear", 5000)
    assert (p.runs["stuck"].lr, p.runs["stuck"].epochs) == (0.0005, 40000)
    assert [s.key for s in p.sections] == ["basic", "hidden-units", "learning-rates",
                                           "linear-vs-xor", "stuck"]
    assert set(REPORTED) <= set(p.runs)
    assert p.by_cost()[0] == "hidden (512,512)"
    assert p.slug("hidden (64,64)") == "hidden-64-64"
    assert p.slug("lr 0.001") == "lr-0.001"


def test_quick_divides_the_epochs_only():
    full, quick = plan(), plan(quick=True)
    for label, cfg in full.runs.items():
        q = quick.runs[label]
        assert q.epochs == cfg.epochs // QUICK_FACTOR
        assert q.with_changes(epochs=cfg.epochs, log_every=cfg.log_every) == cfg
