"""``bp-tui reproduce`` end to end: every experiment of the report run and written up
beside the report's numbers (``--quick`` in CI; the full one in the long tier (``-m long``))."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import core.figures.backend as backend
from core.records.index import list_runs
from tui.cli import main
from tui.commands.reproduce import _figures

SECTIONS = ["## The report's observations, checked", "## bp-tui's numbers beside the report's",
            "## The linear and XOR runs", "## Different numbers of hidden units",
            "## Different learning rates", "## Linear against XOR",
            "## A run stuck on a plateau", "## Fresh test points",
            "## The decision boundary: 10,000 random points", "## Timings"]
REPORTED = ["15.3336 → 0.4907", "53.34 → 96.74 %", "29.2697 → 1.8708", "| 4.2003 |",
            "6 min 32.0 s", "34.00 → 34.00", "50.72 → 50.72 %"]


def _reproduce(bp_tui_cmd, out, *flags, timeout):
    proc = subprocess.run([*bp_tui_cmd, "reproduce", "--out", str(out), "--quiet", *flags],
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return (out / "report.md").read_text(encoding="utf-8")


def _check_report(text: str, root) -> list[str]:
    heads = [line for line in text.splitlines() if line.startswith("## ")]
    assert heads == SECTIONS
    for number in REPORTED:
        assert number in text, number
    assert text.count("┌") >= 3  # the three comparison charts
    assert "\x1b[" not in text  # plain text, no terminal colour codes
    assert text.count("0 +----") >= 6  # ground truth / prediction twice, fresh, boundaries
    observations = re.findall(r"^- ([✓✗]) (.+?):", text, flags=re.M)
    assert [claim for _mark, claim in observations] == [
        "more hidden units", "a larger lr converges faster but may overshoot; a small one "
        "may stall", "linear converges faster than XOR",
        "a run can sit on a plateau for tens of thousands of epochs"]
    assert re.search(r"^- fresh test points: the linear model on 70 new linear points",
                     text, flags=re.M)
    runs = {r.name: r.status for r in list_runs(root)}
    assert len(runs) == 13
    assert set(runs.values()) == {"finished"}
    return [mark for mark, _claim in observations]


FIGURES = ["linear-prediction", "linear-loss", "xor-prediction", "xor-loss",
           "hidden-units-accuracy", "hidden-units-loss-log", "hidden-units-boundaries",
           "learning-rates-loss", "learning-rates-accuracy", "linear-vs-xor-loss",
           "linear-vs-xor-accuracy", "stuck-accuracy", "fresh-points", "boundary"]


def _check_figures(text: str, out) -> None:
    """Every figure written beside report.md is embedded (PNG) and linked (SVG), in the
    report's order, and every link resolves to a valid file."""
    pngs = re.findall(r"^!\[[^\]]+\]\(([^)]+)\)$", text, flags=re.M)
    svgs = re.findall(r"\(\[SVG\]\(([^)]+)\)\)$", text, flags=re.M)
    assert pngs == [f"figure-{k}.png" for k in FIGURES]
    assert svgs == [f"figure-{k}.svg" for k in FIGURES]
    assert sorted(p.name for p in out.glob("figure-*")) == sorted(pngs + svgs)
    for name in pngs:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for name in svgs:
        assert ET.parse(out / name).getroot().tag.endswith("svg")


@pytest.mark.long
def test_quick_reproduction_writes_the_whole_report(tmp_path, bp_tui_cmd):
    text = _reproduce(bp_tui_cmd, tmp_path / "rep", "--quick", timeout=240)
    _check_figures(text, tmp_path / "rep")
    marks = _check_report(text, tmp_path / "rep" / "runs")
    assert marks[3] == "✓"  # the plateau shows even at a tenth of the epochs
    assert "`bp-tui reproduce --quick`" in text


def test_bad_flags_are_one_line(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    for argv, flag in ((["--workers", "0"], "--workers"),
                       (["--out", str(tmp_path / "file" / "sub")], "--out")):
        with pytest.raises(SystemExit) as info:
            main(["reproduce", *argv])
        assert info.value.code == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1
        assert err[0].startswith(f"bp-tui reproduce: error: argument {flag}:")


def test_without_matplotlib_the_report_says_why(tmp_path, monkeypatch):
    monkeypatch.setattr(backend, "_plt", None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    figs, why = _figures(None, tmp_path, 1)
    assert figs == {}
    assert why.startswith("figures need matplotlib, which cannot be loaded")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.long
def test_full_reproduction_shows_every_observation(tmp_path, bp_tui_cmd):
    text = _reproduce(bp_tui_cmd, tmp_path / "rep", timeout=900)
    _check_figures(text, tmp_path / "rep")
    assert _check_report(text, tmp_path / "rep" / "runs") == ["✓"] * 4
