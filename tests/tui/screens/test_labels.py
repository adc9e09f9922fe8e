"""One vocabulary across screens: runs of a sweep whose hidden sizes and lr both differ
are named the same way — by those settings — on the runs screen, in the overlay's
legend, in the exports and the sweep tables; never by their index."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from core.config import RunConfig
from core.records.compare import row_labels, table_markdown
from core.records.index import list_runs
from core.sweep import MemberState, member_labels
from tests.runs_fixture import make
from tests.tui.helpers import wait_for
from tui.app import create_app
from tui.commands.runs import list_text
from tui.report.sweep_table import member_lines
from tui.screens.overlay import OverlayScreen
from tui.screens.runs import RunsScreen

GRID = [((64, 64), 0.1), ((64, 64), 0.01), ((512, 512), 0.1), ((512, 512), 0.01)]
LABELS = ["(64,64) · lr 0.1", "(64,64) · lr 0.01", "(512,512) · lr 0.1",
          "(512,512) · lr 0.01"]


def _sweep(root) -> list[str]:
    names = []
    for i, (hidden, lr) in enumerate(GRID):
        name = f"grid-{i + 1}"
        make(root, name, hidden=hidden, lr=lr, sweep="grid", seed=i,
             created=f"2020-04-0{i + 1}T10:00:00+08:00")
        names.append(name)
    return names


def test_exports_and_sweep_tables_name_runs_by_their_settings(runs_root):
    _sweep(runs_root)
    rows = sorted(list_runs(runs_root), key=lambda r: r.name)
    assert row_labels(rows) == LABELS
    md = table_markdown(rows)
    assert all(f"| grid-{i + 1} | {label} |" in md for i, label in enumerate(LABELS))
    members = [MemberState(r.name, RunConfig.from_dict(r.config), status="finished")
               for r in rows]
    assert member_labels(members) == LABELS
    table = member_lines(members)
    assert table[0].split()[:3] == ["run", "settings", "status"]
    assert [line[:30].split("  ")[1].strip() for line in table[1:]] == LABELS
    assert "hidden-units" not in "".join(table)


async def test_runs_screen_and_overlay_name_runs_by_their_settings(runs_root):
    names = _sweep(runs_root)
    app = create_app(runs_dir=runs_root, open_runs=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen)
                       and app.screen.table.row_count == 4)
        screen = app.screen
        await pilot.press("a")  # mark all
        status = str(screen.query_one("#runs-status", Static).render())
        assert "marked: " + ", ".join(reversed(LABELS)) in status  # newest first
        detail = str(screen.query_one("#runs-detail", Static).render())
        assert "sweep grid: (512,512) · lr 0.01" in detail  # the cursor's run, grid-4
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, OverlayScreen))
        await pilot.pause()
        legend = app.screen.query_one("#overlay-legend", Static).render()
        text = legend.plain if isinstance(legend, Text) else str(legend)
        for label in LABELS:
            assert label in text
        assert not any(name in text for name in names)
        assert "soft acc" in text
        assert "right %" in text


def test_runs_list_keeps_the_part_of_a_name_that_differs(runs_root):
    """Names stay told apart in the 22 columns of ``runs --list``: a made-up name drops
    its date and keeps its time of day; names that an ellipsis in the middle would make
    alike keep the part where they differ."""
    for sec in ("01", "02", "03"):
        make(runs_root, f"20261206-2215{sec}-xor-grid-64x64-lr0.1")
    for part in ("A", "B"):
        make(runs_root, f"long-common-prefix-{part}-long-common-suffix-xyz")
    lines = list_text(sorted(list_runs(runs_root), key=lambda r: r.name))
    names = [line[:22].strip() for line in lines[1:]]
    assert names == ["221501-xor-…4x64-lr0.1", "221502-xor-…4x64-lr0.1",
                     "221503-xor-…4x64-lr0.1", "…A-long-com…suffix-xyz",
                     "…B-long-com…suffix-xyz"]
