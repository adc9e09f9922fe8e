"""The sweep screen: define a grid, run it in worker processes, watch every member.

Members run in a local process pool (``core.train.sweep``); a timer polls their run
directories and futures and fills the live table. ``x`` cancels (running members stop
at their next epoch and keep their records). When the sweep ends, its overlay opens.
"""

from __future__ import annotations

import os
from concurrent.futures import Executor
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from core.config import RunConfig
from core.files import printable
from core.records.compare import fmt_duration
from core.train.sweep import (
    PRESETS,
    SweepError,
    SweepRunner,
    expand_grid,
    local_executor,
    preset,
    unique_sweep_name,
)

__all__ = ["SweepScreen"]

FIELDS = (
    ("preset", "preset", ""),
    ("name", "sweep name", "sweep"),
    ("hidden", "hidden sizes", "64,64 128,128"),
    ("lr", "learning rates", "0.1 0.01"),
    ("data", "data sets", "xor-grid"),
    ("activation", "activations", "sigmoid"),
    ("optimizer", "optimisers", "sgd"),
    ("epochs", "epochs", "2000"),
    ("repeats", "repeats (seeds)", "1"),
    ("workers", "workers", str(os.cpu_count() or 1)),
)
"""(id, label, default) of the grid form; lists are separated by spaces."""


class SweepScreen(Screen):
    """A grid form and the live table of the sweep's members."""

    BINDINGS = [
        Binding("ctrl+s", "start", "Start", priority=True, id="sweep.start"),
        Binding("ctrl+x", "cancel", "Cancel sweep", priority=True, id="sweep.cancel"),
        Binding("ctrl+o", "overlay", "Overlay", priority=True, id="sweep.overlay"),
        Binding("escape,q", "back", "Back", id="sweep.back"),
    ]

    def __init__(self, runs_dir: Path, executor_factory=local_executor,
                 poll: float = 0.5) -> None:
        super().__init__()
        self.root = Path(runs_dir)
        self.executor_factory = executor_factory
        self.poll_seconds = poll
        self.runner: SweepRunner | None = None
        self.executor: Executor | None = None
        self.opened_overlay = False

    def compose(self) -> ComposeResult:
        """Form on the left, members on the right."""
        yield Header(show_clock=False)
        with Horizontal(id="sweep-main"):
            with Vertical(id="sweep-form"):
                for fid, label, default in FIELDS:
                    with Horizontal(classes="form-row"):
                        yield Static(label, classes="form-label")
                        yield Input(default, id=f"sweep-{fid}", classes="form-field")
                yield Static(f"presets: {', '.join(PRESETS)} (fills the grid)\n"
                             "ctrl+s start · ctrl+x cancel", id="sweep-help")
            yield DataTable(id="sweep-table", cursor_type="row")
        yield Static("", id="sweep-status")
        yield Footer()

    def on_mount(self) -> None:
        """Columns and the poll timer."""
        self.query_one("#sweep-form").border_title = "Sweep grid"
        table = self.query_one("#sweep-table", DataTable)
        for col in ("run", "settings", "status", "epoch", "loss", "acc %", "time"):
            table.add_column(col, key=col)
        self.set_interval(self.poll_seconds, self.poll, name="sweep-poll")

    def value(self, fid: str) -> str:
        """The text of one form field."""
        return self.query_one(f"#sweep-{fid}", Input).value.strip()

    @on(Input.Submitted, "#sweep-preset")
    def _preset(self, event: Input.Submitted) -> None:
        try:
            base, grid = preset(event.value.strip())
        except SweepError as exc:
            self.query_one("#sweep-status", Static).update(Text(f"✗ {printable(exc, 200)}"))
            return
        fill = {
            "name": event.value.strip(),
            "hidden": " ".join(",".join(map(str, h)) for h in grid.get("hidden", [base.hidden])),
            "lr": " ".join(f"{v:g}" for v in grid.get("lr", [base.lr])),
            "data": " ".join(grid.get("data", [base.data])),
            "epochs": str(base.epochs),
        }
        for fid, text in fill.items():
            self.query_one(f"#sweep-{fid}", Input).value = text

    def build(self) -> tuple[str, list[RunConfig], int]:
        """The sweep's name, configs and worker count from the form (SweepError if bad)."""
        name = self.value("name") or "sweep"
        base = RunConfig()
        if self.value("preset"):
            base, _ = preset(self.value("preset"))
        try:
            epochs, repeats = int(self.value("epochs")), int(self.value("repeats"))
            workers = int(self.value("workers"))
        except ValueError:
            raise SweepError("epochs, repeats and workers must be whole numbers") from None
        if workers < 1:
            raise SweepError("workers: at least 1")
        if self.value("data") != base.data:
            base = base.with_changes(n=None)
        grid = {k: self.value(k).split() for k in ("hidden", "lr", "data", "activation",
                                                   "optimizer")}
        base = base.with_changes(epochs=max(epochs, 1), log_every=max(epochs // 10, 1))
        name = unique_sweep_name(self.root, name, 10_000)
        return name, expand_grid(base, grid, name, repeats), workers

    def action_start(self) -> None:
        """Start the sweep defined by the form."""
        if self.runner is not None and not self.runner.done:
            self.notify("A sweep is running; ctrl+x cancels it.")
            return
        try:
            name, configs, workers = self.build()
            self.runner = SweepRunner(name, configs, self.root)
        except (SweepError, OSError) as exc:
            self.query_one("#sweep-status", Static).update(Text(f"✗ {printable(exc, 200)}"))
            return
        self.executor = self.executor_factory(workers)
        self.runner.submit(self.executor)
        self.opened_overlay = False
        table = self.query_one("#sweep-table", DataTable)
        table.clear()
        for m in self.runner.members:
            c = m.config
            table.add_row(m.name, f"{c.data} {','.join(map(str, c.hidden))} lr {c.lr:g} "
                          f"seed {c.seed}", "queued", "", "", "", "", key=m.name)
        self.poll()

    def poll(self) -> None:
        """Timer: refresh the members' rows; open the overlay when all have ended."""
        runner = self.runner
        if runner is None:
            return
        table = self.query_one("#sweep-table", DataTable)
        for m in runner.poll():
            status = m.status + (f": {m.message}" if m.message else "")
            cells = {"status": Text(printable(status, 200)),
                     "epoch": f"{m.epoch}/{m.config.epochs}",
                     "loss": "" if m.loss is None else f"{m.loss:.4f}",
                     "acc %": "" if m.soft_acc is None else f"{m.soft_acc:.2f}",
                     "time": fmt_duration(m.duration)}
            for col, text in cells.items():
                table.update_cell(m.name, col, text)
        counts = {}
        for m in runner.members:
            counts[m.status] = counts.get(m.status, 0) + 1
        summary = ", ".join(f"{v} {k}" for k, v in counts.items())
        self.query_one("#sweep-status", Static).update(
            Text(f"sweep {runner.name}: {printable(summary, 200)}"))
        if runner.done and not self.opened_overlay:
            self.opened_overlay = True
            if self.executor is not None:
                self.executor.shutdown(wait=False)
            runner.stop_file.unlink(missing_ok=True)
            self.action_overlay()

    def action_cancel(self) -> None:
        """Cancel the sweep: running members stop cleanly, queued ones never start."""
        if self.runner is not None and not self.runner.done:
            self.runner.cancel()
            self.notify("Cancelling: running members stop at their next epoch.")

    def action_overlay(self) -> None:
        """Overlay the members that have records."""
        from tui.screens.overlay import OverlayScreen

        if self.runner is None:
            return
        paths = [self.root / m.name for m in self.runner.members
                 if (self.root / m.name / "metrics.jsonl").exists()]
        if paths:
            self.app.push_screen(OverlayScreen(paths))

    def action_back(self) -> None:
        """Back; a running sweep is cancelled cleanly (finished members are kept)."""
        self.app.pop_screen()

    def on_unmount(self) -> None:
        """Leaving the app: stop the members cleanly."""
        if self.runner is not None and not self.runner.done:
            self.runner.cancel()
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
