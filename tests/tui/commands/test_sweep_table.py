"""The sweep table within the terminal's width: low-value columns give way before the
numbers asked for (ms/epoch and time are never cut)."""

from __future__ import annotations

from core.labels import RIGHT, SOFT_ACC
from core.sweep import MEMBER_COLUMNS
from tui.report.sweep_table import fit_columns, format_table

HEADERS = ["run", "settings", *MEMBER_COLUMNS]
ROW = ["hidden-units-20261206-221530-1", "(512,256)", "finished", "2000/2000", "0.9700",
       "97.10", "100.00", "8.123", "16.2s"]


def test_a_wide_terminal_keeps_every_column():
    headers, rows = fit_columns(HEADERS, [ROW], 200)
    assert headers == HEADERS
    assert rows == [ROW]


def test_columns_give_way_in_order_and_ms_per_epoch_and_time_stay():
    seen = []
    for width in range(120, 30, -5):
        headers, rows = fit_columns(HEADERS, [ROW], width)
        lines = format_table(headers, rows)
        assert headers[-2:] == ["ms/epoch", "time"], width
        assert rows[0][-2:] == ["8.123", "16.2s"]
        assert {"settings", "loss", SOFT_ACC} <= set(headers)
        if len(headers) > 5:  # it fits once the low-value columns are gone
            assert max(map(len, lines)) <= width
        seen.append(tuple(h for h in HEADERS if h not in headers))
    assert set(seen[-1]) == {"run", RIGHT, "epoch", "status"}
    assert ("run",) in seen  # the run name goes first
