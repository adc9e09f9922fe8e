"""The sweep screen: define a grid, run it in worker processes, watch every member.

The form's texts go through ``core.sweep.parse_spec`` — the parser of
``bp-tui sweep`` too — so both accept and refuse the same input. Members run in a local
process pool; a timer polls their run directories and futures and fills the live table:
each member's settings (those that differ across the grid), status, epoch, loss and
accuracy. ``ctrl+x`` cancels (running members stop at their next chunk and keep their
records). When the sweep ends, the per-cell medians show below and its overlay opens.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from core.analysis.observations import observe
from core.records import has_metrics
from core.sweep import (
    MEMBER_COLUMNS,
    PRESETS,
    SweepError,
    SweepRunner,
    local_executor,
    member_labels,
    member_row,
    member_status,
    parse_spec,
    prepare,
    preset,
    summarise,
)
from tui.report.sweep_table import fit_columns
from tui.screens.overlay import OverlayScreen
from tui.widgets.fields import FieldInput

__all__ = ["SweepScreen"]

FIELDS = (
    ("preset", "preset", ""),
    ("name", "sweep name", "sweep"),
    ("hidden", "hidden sizes", "64,64 128,128"),
    ("lr", "learning rates", "0.1 0.01"),
    ("data", "data sets", "xor-grid"),
    ("n", "points (each set)", ""),
    ("activation", "activations", "sigmoid"),
    ("optimizer", "optimisers", "sgd"),
    ("epochs", "epochs", "2000"),
    ("repeats", "repeats (seeds)", "1"),
    ("workers", "workers", str(os.cpu_count() or 1)),
)
"""(id, label, default) of the grid form; lists are separated by spaces."""


def _quiet_pool(workers: int) -> Executor:
    """The local pool, its workers' stderr silenced (they would draw over the screen)."""
    return local_executor(workers, quiet=True)


class SweepScreen(Screen):
    """A grid form and the live table of the sweep's members."""

    BINDINGS = [
        Binding("ctrl+s", "start", "Start", priority=True, id="sweep.start"),
        Binding("ctrl+x", "cancel", "Cancel sweep", priority=True, id="sweep.cancel"),
        Binding("ctrl+o", "overlay", "Overlay", priority=True, id="sweep.overlay"),
        Binding("escape,q", "back", "Back", id="sweep.back"),
    ]

    def __init__(self, runs_dir: Path,
                 executor_factory: Callable[[int], Executor] = _quiet_pool,
                 poll: float = 0.5) -> None:
        super().__init__()
        self.root = Path(runs_dir)
        self.executor_factory = executor_factory
        self.poll_seconds = poll
        self.runner: SweepRunner | None = None
        self.executor: Executor | None = None
        self.preset: str | None = None
        self.labels: dict[str, str] = {}
        self.ended = ""
        self.verdict = ""
        self.opened_overlay = False

    def compose(self) -> ComposeResult:
        """Form on the left, members on the right."""
        yield Header(show_clock=False)
        with Horizontal(id="sweep-main"):
            with Vertical(id="sweep-form"):
                for fid, label, default in FIELDS:
                    with Horizontal(classes="form-row"):
                        yield Static(label, classes="form-label")
                        yield FieldInput(default, id=f"sweep-{fid}", classes="form-field")
                yield Static(f"presets: {', '.join(PRESETS)} (enter fills the grid)\n"
                             "ctrl+s start · ctrl+x cancel", id="sweep-help")
            yield DataTable(id="sweep-table", cursor_type="row")
        yield Static("", id="sweep-status")
        yield Footer()

    def on_mount(self) -> None:
        """Columns and the poll timer."""
        self.query_one("#sweep-form").border_title = "Sweep grid"
        self._columns()
        self.set_interval(self.poll_seconds, self.poll, name="sweep-poll")

    def _columns(self, rows: list[list[str]] | None = None) -> None:
        """The table's columns: run, settings, MEMBER_COLUMNS — less the low-value ones
        that ``rows`` (as they will be once numbers arrive) would not leave room for."""
        table = self.query_one("#sweep-table", DataTable)
        table.clear(columns=True)
        headers = ["run", "settings", *MEMBER_COLUMNS]
        if rows:
            sample = [[c or "0" * 7 for c in r] for r in rows]
            headers, _ = fit_columns(headers, sample, max(table.size.width - 2, 40))
        for col in headers:
            table.add_column(col, key=col)
        self.shown = headers

    def status(self, text: str) -> None:
        """The status line, shown as plain text (never parsed as markup)."""
        self.query_one("#sweep-status", Static).update(Text(text))

    def value(self, fid: str) -> str:
        """The text of one form field."""
        return self.query_one(f"#sweep-{fid}", Input).value.strip()

    @on(Input.Submitted, "#sweep-preset")
    def _preset(self, event: Input.Submitted) -> None:
        try:
            base, grid = preset(event.value.strip())
        except SweepError as exc:
            self.status(f"✗ {exc}")
            return
        fill = {
            "name": event.value.strip(),
            "hidden": " ".join(",".join(map(str, h)) for h in grid.get("hidden", [base.hidden])),
            "lr": " ".join(f"{v:g}" for v in grid.get("lr", [base.lr])),
            "data": " ".join(grid.get("data", [base.data])),
            "n": "" if base.n is None else str(base.n),
            "epochs": str(base.epochs),
        }
        for fid, text in fill.items():
            self.query_one(f"#sweep-{fid}", Input).value = text

    def build(self) -> tuple[SweepRunner, int]:
        """A runner for the sweep the form defines (its name reserved) and its number of
        workers; SweepError naming the field if the form is not a valid sweep."""
        values = {fid: self.value(fid) for fid, _label, _default in FIELDS}
        spec = parse_spec(values)
        self.preset = spec.preset
        return prepare(spec, self.root), spec.workers

    def action_start(self) -> None:
        """Start the sweep defined by the form."""
        if self.runner is not None and not self.runner.done:
            self.notify("A sweep is running; ctrl+x cancels it.")
            return
        try:
            runner, workers = self.build()
        except SweepError as exc:
            self.status(f"✗ {exc}")
            return
        try:
            self.executor = self.executor_factory(workers)
            runner.submit(self.executor)
        except (OSError, RuntimeError) as exc:  # no processes to be had, a broken pool
            runner.close()
            self.status(f"✗ workers: cannot start them ({exc})")
            return
        self.runner = runner
        self.opened_overlay = False
        self.labels = dict(zip((m.name for m in runner.members),
                               member_labels(runner.members)))
        rows = [member_row(m, self.labels[m.name]) for m in runner.members]
        self._columns(rows)
        table = self.query_one("#sweep-table", DataTable)
        everything = ("run", "settings", *MEMBER_COLUMNS)
        for m, row in zip(runner.members, rows):
            cells = dict(zip(everything, row))
            table.add_row(*(Text(cells[col]) for col in self.shown), key=m.name)
        self.poll()

    def poll(self) -> None:
        """Timer: refresh the members' rows; when all have ended, summarise and overlay."""
        runner = self.runner
        if runner is None:
            return
        table = self.query_one("#sweep-table", DataTable)
        cols = ("run", "settings", *MEMBER_COLUMNS)
        for m in runner.poll():
            for col, text in zip(cols, member_row(m, self.labels[m.name])):
                if col in MEMBER_COLUMNS and col in self.shown:
                    table.update_cell(m.name, col, Text(text), update_width=True)
        counts: dict[str, int] = {}
        for m in runner.members:
            status = member_status(m)
            counts[status] = counts.get(status, 0) + 1
        summary = ", ".join(f"{v} {k}" for k, v in counts.items())
        if runner.done and not self.opened_overlay:
            self.opened_overlay = True
            self._finish(runner, summary)
        elif not runner.done:
            self.status(f"sweep {runner.name}: {summary}")

    def _finish(self, runner: SweepRunner, summary: str) -> None:
        runner.close()
        if self.executor is not None:
            self.executor.shutdown(wait=False)
        cells = [c for c in summarise(runner.members) if c.runs > 1]
        medians = "; ".join(
            f"{c.label}: median loss {'—' if c.loss is None else f'{c.loss:.4f}'}"
            f" ({c.stuck} of {c.runs} stuck)" for c in cells)
        failed = runner.failed
        why = f" — {failed[0].name}: {failed[0].message}" if failed else ""
        self.ended = f"sweep {runner.name} ended: {summary}{why}" + (
            f"\n{medians}" if medians else "")
        self.status(self.ended)
        if self.preset and not runner.cancelled and not failed:
            self.status(f"{self.ended}\n… checking the preset's observation")
            self._observe(self.preset, runner)
        self.action_overlay()

    @work(thread=True, exclusive=True, group="sweep-observe")
    def _observe(self, preset_name: str, runner: SweepRunner) -> None:
        """The preset's verdict (✓/✗ and its numbers, as ``bp-tui sweep`` prints it),
        read from the members' records off the UI thread."""
        try:
            obs = observe(preset_name, runner.members, runner.root)
        except (OSError, ValueError) as exc:
            line = f"✗ the observation could not be checked: {exc}"
        else:
            line = "" if obs is None else obs.line
        self.app.call_from_thread(self._show_verdict, line)

    def _show_verdict(self, line: str) -> None:
        self.verdict = line
        self.status(f"{self.ended}\n{line}" if line else self.ended)

    def action_cancel(self) -> None:
        """Cancel the sweep: running members stop cleanly, queued ones never start."""
        if self.runner is not None and not self.runner.done:
            self.runner.cancel()
            self.notify("Cancelling: running members stop at their next chunk.")

    def action_overlay(self) -> None:
        """Overlay the members that have records."""
        if self.runner is None:
            return
        paths = [self.root / m.name for m in self.runner.members
                 if has_metrics(self.root / m.name)]
        if paths:
            self.app.push_screen(OverlayScreen(paths))

    def action_back(self) -> None:
        """Back; a running sweep is cancelled cleanly (finished members are kept)."""
        self.app.pop_screen()

    def on_unmount(self) -> None:
        """Leaving the app: stop the members cleanly and clean up."""
        if self.runner is not None and not self.runner.done:
            self.runner.cancel()
        if self.runner is not None:
            self.runner.close()
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
