"""The runs screen: every recorded run in a sortable, filterable table.

The table polls the runs directory a few times a second through
``core.records.index.RunsIndex`` in a thread (only changed directories are re-read; on
the first read the newest runs show at once and the rest stream in), so runs written by
any other bp-tui process appear and update live. From here: open a run, overlay
several, diff two, rename, delete (always asks), export, and start a sweep.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from core.files import printable
from core.records import default_runs_root
from core.records.compare import row_labels, sibling_labels, table_cells
from core.records.index import RunRow, RunsIndex
from core.records.paths import count_entries
from tui.screens.help import HelpScreen
from tui.screens.runs_actions import RunsActions
from tui.theme import theme_color
from tui.widgets.fields import FieldInput
from tui.widgets.runs.columns import (
    NAME_MIN,
    SCREEN_COLUMNS,
    detail_line,
    fit_names,
    screen_cells,
)

__all__ = ["SORT_KEYS", "RunsScreen", "sort_rows"]

POLL_SECONDS = 0.3
FIRST_PAGE = 100
"""Runs read before the table first shows (the newest); more are read in a thread."""


def sort_rows(rows: list[RunRow], attr: str, reverse: bool) -> list[RunRow]:
    """Rows sorted by ``attr``; rows missing the value always come last."""
    def missing(r: RunRow) -> bool:
        return getattr(r, attr) in (None, "")

    have = sorted((r for r in rows if not missing(r)), key=lambda r: getattr(r, attr),
                  reverse=reverse)
    return have + sorted((r for r in rows if missing(r)), key=lambda r: r.name)


SORT_KEYS = [attr for attr, _, _ in SCREEN_COLUMNS]
HEADINGS = {attr: heading for attr, heading, _ in SCREEN_COLUMNS}
STATUS = SORT_KEYS.index("status")
GAP = 1
"""Blank columns before every cell (the table's own padding, 1 on each side, would need
a screen 14 columns wider)."""


def _pad(text: str, width: int, right: bool) -> str:
    """``text`` in a cell ``width`` wide (right-aligned for numbers), after the gap."""
    return " " * GAP + (text.rjust(width) if right else text.ljust(width))


class RunsScreen(RunsActions, Screen):
    """All recorded runs. Marks (space) choose the runs to overlay, diff or export."""

    BINDINGS = [
        Binding("enter", "open", "Open", id="runs.open"),
        Binding("space", "mark", "Mark", id="runs.mark"),
        Binding("o", "overlay", "Overlay", id="runs.overlay"),
        Binding("d", "diff", "Diff", id="runs.diff"),
        Binding("w", "sweep", "Sweep", id="runs.sweep"),
        Binding("e", "export", "Export", id="runs.export"),
        Binding("f", "figures", "Figures", show=False, id="runs.figures"),
        Binding("slash", "filter", "Filter", show=False, id="runs.filter"),
        Binding("s", "sort", "Sort", show=False, id="runs.sort"),
        Binding("S", "reverse", "Reverse", show=False, id="runs.reverse"),
        Binding("a", "mark_all", "Mark all", show=False, id="runs.mark-all"),
        Binding("f2,m", "rename", "Rename", show=False, id="runs.rename"),
        Binding("delete,D", "delete", "Delete", show=False, id="runs.delete"),
        Binding("escape,q", "back", "Back", id="runs.back"),
        Binding("question_mark,f1", "help", "Help", show=False, id="runs.help"),
    ]

    def __init__(self, runs_dir: str | Path | None = None, poll: float = POLL_SECONDS) -> None:
        super().__init__()
        self.root = Path(runs_dir) if runs_dir is not None else default_runs_root()
        self.index = RunsIndex(self.root)
        self.poll_seconds = poll
        self.marked: list[str] = []
        self.filter_text = ""
        self.sort_attr = "created"
        self.sort_reverse = True
        self._shown: list[tuple] | None = None
        self._width = 0
        self.sweep_labels: dict[str, str] = {}
        self._reading = False
        self._read_ended = self._read_took = 0.0
        self._drawn = -1
        self.loaded = False
        """True once every run has been read once and is shown."""

    def compose(self) -> ComposeResult:
        """Filter box, table, the highlighted run's detail line, status line."""
        yield Header(show_clock=False)
        yield FieldInput(placeholder="filter: any text (name, data, sweep, status…)  [/]",
                    id="runs-filter")
        yield DataTable(id="runs-table", cursor_type="row", zebra_stripes=True,
                        cell_padding=0)
        yield Static("", id="runs-detail")
        yield Static("", id="runs-status")
        yield Footer()

    class IndexRead(Message):
        """The index published rows (a first page, more of them, or a change)."""

    def on_mount(self) -> None:
        """Read the runs off the UI thread (the newest first page shows at once, the
        rest as it comes), then poll."""
        self.sub_title = "runs"
        self.table.focus()
        if count_entries(self.root, FIRST_PAGE + 1) <= FIRST_PAGE:
            self.index.refresh()  # a page or less: at once, here
            self.loaded = True
            self._drawn = self.index.version
        else:
            self.reload()
        self.redraw()
        self.set_interval(self.poll_seconds, self.poll, name="runs-poll")

    def reload(self, now: bool = True) -> None:
        """Re-read changed runs in a thread, unless a read is already going (or, unless
        ``now``, the last one ended less than twice its own duration ago: polling
        thousands of runs never takes more than a third of a core)."""
        if self._reading:
            return
        if not now and time.monotonic() < self._read_ended + 2 * self._read_took:
            return
        self._reading = True
        self._read_index()

    @work(thread=True, group="runs-index")
    def _read_index(self) -> None:
        """Worker: refresh the index, posting ``IndexRead`` for each batch published."""
        started = time.monotonic()
        try:
            self.index.refresh(on_batch=lambda: self.post_message(self.IndexRead()),
                               first=FIRST_PAGE)
        finally:
            self._read_ended = time.monotonic()
            self._read_took = self._read_ended - started
            self._reading = False
            self.post_message(self.IndexRead())

    def on_runs_screen_index_read(self, _message: IndexRead) -> None:
        """Show what the index holds now (once per version: messages may pile up)."""
        self.loaded = self.loaded or not self._reading
        if self._drawn != self.index.version:
            self._drawn = self.index.version
            self.redraw()
        else:
            self._update_status(len(self._shown or []))

    @property
    def table(self) -> DataTable:
        """The runs table."""
        return self.query_one("#runs-table", DataTable)

    # ------------------------------------------------------------ data
    def visible_rows(self) -> list[RunRow]:
        """Rows after the filter, in the current sort order."""
        rows = self.index.rows
        if self.filter_text:
            words = self.filter_text.lower().split()
            rows = [r for r in rows
                    if all(w in " ".join([*table_cells(r), r.sweep]).lower() for w in words)]
        return sort_rows(rows, self.sort_attr, self.sort_reverse)

    def poll(self) -> None:
        """Timer: re-read changed runs (in the index's thread); a change is redrawn."""
        self.reload(now=False)

    def name_width(self, cells: list[list[str]]) -> int:
        """Width of the name column: what the other columns leave of the screen's width
        (at least NAME_MIN, at most the longest name)."""
        width = self.size.width or self.app.size.width
        used = GAP + 1 + GAP + 1  # the mark column, the vertical scrollbar, the name's gap
        for i, (_, heading, _) in enumerate(SCREEN_COLUMNS[1:], start=1):
            used += GAP + max([len(heading), *(len(c[i]) for c in cells)])
        longest = max([len("name"), *(len(c[0]) for c in cells)])
        return min(max(width - used, NAME_MIN), longest)

    def redraw(self) -> None:
        """Fill the table (keeping the cursor on the same run)."""
        rows = self.visible_rows()
        cells = [screen_cells(r) for r in rows]
        name_w = self.name_width(cells)
        for c, name in zip(cells, fit_names([printable(r.name) for r in rows], name_w)):
            c[0] = name
        self.sweep_labels = sibling_labels(self.index.rows)
        shown = [(r.name, r.name in self.marked, *c) for r, c in zip(rows, cells)]
        if shown != self._shown:
            table = self.table
            current = self.current_name()
            table.clear(columns=True)  # the widths follow the cells, also when they shrink
            widths = [max([len(h), *(len(c[i]) for c in cells)])
                      for i, (_, h, _) in enumerate(SCREEN_COLUMNS)]
            table.add_column(_pad("✓", 1, False), key="mark")
            for (attr, heading, right), w in zip(SCREEN_COLUMNS, widths):
                table.add_column(_pad(heading, w, right), key=attr)
            bad = theme_color(self.app, "error", "red").hex
            for name, mark, *row_cells in shown:
                texts = [Text(_pad(c, w, right))
                         for c, w, (_, _, right) in zip(row_cells, widths, SCREEN_COLUMNS)]
                if row_cells[STATUS] in ("damaged", "dead", "error"):
                    texts[STATUS].stylize(bad)
                table.add_row(Text(_pad("●" if mark else "", 1, False)), *texts, key=name)
            self._shown = shown
            names = [r.name for r in rows]
            if current in names:
                table.move_cursor(row=names.index(current), animate=False)
        self._update_status(len(rows))

    def _update_status(self, shown: int) -> None:
        total = len(self.index.rows)
        live = sum(r.attachable for r in self.index.rows)
        arrow = "↓" if self.sort_reverse else "↑"
        row = self.index.get(self.current_name() or "")
        detail = self.query_one("#runs-detail", Static)
        detail.update(Text(detail_line(row, self.sweep_labels.get(row.name, "")))
                      if row is not None else "")
        detail.set_class(row is not None and (bool(row.damaged) or row.status == "error"), "-bad")
        marked = ", ".join(self.marked_labels())
        reading = "" if self.loaded else "reading the runs…  ·  "
        text = (f"{reading}{shown} of {total} runs  ·  {live} live  ·  sorted by "
                f"{HEADINGS[self.sort_attr]} {arrow}  ·  marked: "
                f"{marked or 'none (space marks)'}")
        self.query_one("#runs-status", Static).update(Text(text))

    def marked_labels(self) -> list[str]:
        """The marked runs, each named by the settings that set it apart from the other
        marked ones (``(512,512)``, ``lr 0.1``), as the overlay's legend will."""
        rows = [r for r in (self.index.get(n) for n in self.marked) if r is not None]
        if len(rows) < 2:
            return [printable(r.name, 40) for r in rows]
        return [printable(label, 40) for label in row_labels(rows)]

    def on_resize(self) -> None:
        """Give the name column what the new width leaves."""
        if self.size.width != self._width:
            self._width = self.size.width
            self.redraw()

    def current_name(self) -> str | None:
        """Name of the run under the cursor, or None."""
        table = self.table
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:
            return None
        return key.value

    def chosen(self) -> list[str]:
        """The marked runs, or the one under the cursor when none is marked."""
        if self.marked:
            return [n for n in self.marked if self.index.get(n) is not None]
        name = self.current_name()
        return [name] if name else []

    # ------------------------------------------------------------ events
    @on(Input.Changed, "#runs-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.redraw()

    @on(Input.Submitted, "#runs-filter")
    def _filter_done(self) -> None:
        self.table.focus()

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        attr = str(event.column_key.value)
        if attr in SORT_KEYS:
            self.set_sort(attr)

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self._update_status(len(self._shown or []))

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open()

    def set_sort(self, attr: str) -> None:
        """Sort by ``attr``; choosing the same column again reverses the order."""
        if attr == self.sort_attr:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_attr, self.sort_reverse = attr, False
        self.redraw()

    # ------------------------------------------------------------ actions
    def action_filter(self) -> None:
        """Focus the filter box."""
        self.query_one("#runs-filter", Input).focus()

    def action_sort(self) -> None:
        """Sort by the next column."""
        i = SORT_KEYS.index(self.sort_attr)
        self.sort_attr, self.sort_reverse = SORT_KEYS[(i + 1) % len(SORT_KEYS)], False
        self.redraw()

    def action_reverse(self) -> None:
        """Reverse the sort order."""
        self.sort_reverse = not self.sort_reverse
        self.redraw()

    def action_mark(self) -> None:
        """Mark or unmark the run under the cursor, then move down."""
        name = self.current_name()
        if name is None:
            return
        if name in self.marked:
            self.marked.remove(name)
        else:
            self.marked.append(name)
        self.redraw()
        self.table.action_cursor_down()

    def action_mark_all(self) -> None:
        """Mark every shown run (or clear the marks if all are marked)."""
        names = [r.name for r in self.visible_rows()]
        self.marked = [] if set(names) <= set(self.marked) else names
        self.redraw()

    def action_back(self) -> None:
        """Clear the filter, or go back to the previous screen."""
        box = self.query_one("#runs-filter", Input)
        if box.value:
            box.value = ""
            self.table.focus()
        elif len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_help(self) -> None:
        """The help screen."""
        self.app.push_screen(HelpScreen())
