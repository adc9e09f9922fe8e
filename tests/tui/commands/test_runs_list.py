"""``bp-tui runs --list``: columns line up by display width, whatever the names hold."""

from __future__ import annotations

from core.files import cell_len
from core.records.index import list_runs
from tests.runs_fixture import make
from tui.commands.runs import LIST_WIDTH, list_text
from tui.widgets.runs.columns import ellipsize, pad

NAMES = ["plain", "数据集", "実験テスト-学習率-大きい名前の実行", "🚀rocket", "e\u0301mile",
         "👩‍🔬-lab", "x" * 40]


def _after_cells(line: str, cells: int) -> str:
    """What follows the first ``cells`` terminal cells of ``line``."""
    used = 0
    for i, ch in enumerate(line):
        if used >= cells:
            return line[i:]
        used += cell_len(ch)
    return ""


def test_columns_align_by_display_width(tmp_path):
    for name in NAMES:
        make(tmp_path, name)
    lines = list_text(list_runs(tmp_path))
    assert len(lines) == len(NAMES) + 1
    for line in lines:
        assert cell_len(line) <= LIST_WIDTH, line
        after = _after_cells(line, 23)  # the 22-cell name column and a space
        # (an emoji is no valid run name: that run lists as damaged, aligned all the same)
        assert after.startswith(("data ", "xor-grid ", "damaged: ")), line
    ends = {cell_len(line) - cell_len(line.split()[-1]) for line in lines[1:]
            if line.endswith("finished")}
    assert len(ends) == 1  # "finished" starts at one cell on every line
    assert sum("xor-grid " in line for line in lines) == 2  # (run names are ASCII)


def test_ellipsize_and_pad_count_cells():
    assert ellipsize("数据集数据集数据集", 9) == "数据…据集"
    assert cell_len(ellipsize("数据集数据集数据集", 9)) <= 9
    assert cell_len(pad("数据集数据集数据集", 10)) == 10
    assert pad("🚀", 4, right=True) == "  🚀"
    assert ellipsize("abc", 3) == "abc"
